"""Write a comparison (CSV tables, allocation, meta, HTML map) and format its summary for the terminal."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from ..output_set import OutputSet
from ..safe_text import for_csv
from .change_map import change_map_page
from .compare import Comparison
from .criteria import criteria_text
from .whatif import pan_text
from .explain import change_table, d_decomposition, reality_text
from .framing import opening_lines
from .game import Game

FILES = ("schools.csv", "areas.csv", "summary.csv", "allocation.csv", "allocation_baseline.csv", "meta.json",
         "map.html", "changes.csv", "model_vs_reality.csv", "criteria.csv",
         "pan_whatif.csv")
TABLES = ("schools", "areas", "summary", "allocation", "allocation_baseline")


def extra_tables(comparison: Comparison) -> dict:
    """The explanation tables (explain.py): changes.csv always, model_vs_reality.csv when facts were given."""
    out = {"changes": change_table(comparison)}
    if comparison.criteria is not None:
        out["criteria"] = comparison.criteria
    if comparison.pan_whatif is not None:
        out["pan_whatif"] = comparison.pan_whatif
    if comparison.reality is not None:
        out["model_vs_reality"] = comparison.reality
    return out


def origin(comparison: Comparison) -> dict:
    """What a simulation read, as meta.json records it (a note says when --out held another's files)."""
    m = comparison.meta
    return {"policy": m.get("policy"), "baseline": m.get("baseline"), "applicants_from": m.get("source")}


def write(game: Game, comparison: Comparison, out_dir: str | Path) -> list[Path]:
    """Write every output file into OUT_DIR (created), all or nothing (repaudit.output_set); returns the paths
    written. CSV text cells cannot run as spreadsheet formulas (repaudit.safe_text); numbers stay numbers.
    The run id is a digest of the results, not a clock: the same inputs and seed give byte-identical files."""
    tables = {**{name: getattr(comparison, name) for name in TABLES}, **extra_tables(comparison)}
    texts, cleaned = {}, {}
    for name, table in tables.items():
        frame, counts = for_csv(table)
        texts[f"{name}.csv"] = frame.to_csv(index=False, lineterminator="\n")
        if counts:
            cleaned[f"{name}.csv"] = counts
    meta = json.loads(json.dumps({**comparison.meta, "text_cleaned": cleaned}, default=_plain))
    digest = hashlib.sha256(json.dumps(meta, sort_keys=True).encode())
    for name in sorted(texts):
        digest.update(name.encode() + b"\0" + texts[name].encode())
    files = OutputSet(out_dir, run_id=f"sim-{digest.hexdigest()[:16]}", origin=origin(comparison),
                      family=[f for f in FILES if f != "meta.json"], kind="simulate")
    with files:
        for name, text in texts.items():
            files.write_text(name, text)
        files.set_meta(meta)
        files.write_text("map.html", change_map_page(game, comparison, run_id=files.run_id))
    if files.notes:
        comparison.meta = {**comparison.meta, "notes": [*(comparison.meta.get("notes") or []), *files.notes]}
    return files.written


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _pct(x) -> str:
    return "   -" if not np.isfinite(x) else f"{100 * x:4.1f}"


def _change(r) -> str:
    """'+8.3 (+8.3,+8.3)' in percentage points, or the school's note (e.g. 'no intake') when undefined."""
    if not all(np.isfinite(r[k]) for k in ("change_mean", "change_lo", "change_hi")):
        return str(r.get("note") or "no intake")
    if f"{100 * r['change_lo']:+.1f}" == f"{100 * r['change_hi']:+.1f}":     # never a zero-width interval
        return f"{100 * r['change_mean']:+5.1f} (no interval)"
    return f"{100 * r['change_mean']:+5.1f} ({100 * r['change_lo']:+.1f},{100 * r['change_hi']:+.1f})"


def _num(x, sign: str = "") -> str:
    """A 3-decimal index value, or 'n/a' where it is undefined (e.g. D with no FSM pupil)."""
    return f"{x:{sign}.3f}" if np.isfinite(x) else "n/a"


def _km(x) -> str:
    return f"{x:.2f} km" if np.isfinite(x) else "n/a (nobody placed)"


def _rules_lines(rules: dict, n_schools: int) -> list:
    """One line per rule set: where it applies, what runs elsewhere, preferences, rounding, parameters."""
    out = []
    for label, r in rules.items():
        where = "all schools" if r["schools_applied"] == n_schools else \
            f"{r['schools_applied']} LA-admitted school(s), the other {n_schools - r['schools_applied']} run {r['others']}"
        params = "".join(f", {k} = {v:g}" + (f" ({r['sources'][k]})" if k in r["sources"] else "")
                         for k, v in r["parameters"].items())
        out.append(f"{label} {r['name']}: {where}; {r['preferences']} preferences; band places rounded "
                   f"{r['rounding']}{params}")
    return out


def _behaviour_lines(behaviour: dict) -> list:
    """The choice model's parameters, each marked as set by the user or assumed (default)."""
    if not behaviour:
        return []
    def one(k, v):
        if "range" in v:
            return f"{k} = {v['range'][0]:g} to {v['range'][1]:g} (drawn for each cohort)"
        return f"{k} = {v['value']:g} ({'set' if v['set'] else 'assumed'})"
    return ["choice model: " + ", ".join(one(k, v) for k, v in behaviour.items())]


def summary_text(comparison: Comparison) -> str:
    """A plain-text table: per school FSM share baseline -> policy (change, 95% interval), first-preference
    rate and directed places; then D and GS per area and the overall figures."""
    m = comparison.meta
    share = comparison.school_table("fsm_share")
    first = comparison.school_table("first_pref_rate").set_index("urn")
    directed = comparison.school_table("directed").set_index("urn")
    pan = comparison.school_table("pan").set_index("urn")
    city = m.get("city_fsm_share")
    lines = [*opening_lines(m),
             f"{m['policy']} vs {m['baseline']}: {m['applicants']} applicants, {m['schools']} schools, "
             f"{m['runs']} lottery run(s), seed {m['seed']}, city FSM share "
             f"{'n/a' if city is None else f'{100 * city:.1f}%'}",
             *_rules_lines(m.get("rules", {}), m["schools"]),
             *_behaviour_lines(m.get("behaviour") or {}),
             f"intervals (95%): {m.get('intervals', 'lottery draws')}"
             + ("; one cohort: the intervals leave out how a fresh cohort would differ (give --cohorts)"
                if m.get("synthetic") and m.get("cohorts", 1) == 1 else ""),
             "",
             f"{'school':<36} {'PAN':>4} {'FSM% base':>9} {'policy':>6} {'change pp (95%)':>22} "
             f"{'1st pref%':>9} {'policy':>6} {'directed':>8}"]
    for _, r in share.iterrows():
        u = r["urn"]
        interval = _change(r)
        lines.append(f"{str(r['name'])[:36]:<36} {int(pan.loc[u, 'baseline_mean']):>4} {_pct(r['baseline_mean']):>9} "
                     f"{_pct(r['policy_mean']):>6} {interval:>22} {_pct(first.loc[u, 'baseline_mean']):>9} "
                     f"{_pct(first.loc[u, 'policy_mean']):>6} {directed.loc[u, 'policy_mean']:>8.1f}")
    if comparison.criteria is not None:
        lines += ["", *criteria_text(comparison.criteria)]
    lines += ["", f"{'area':<20} {'index':<10} {'baseline':>8} {'policy':>8} {'change (95%)':>24}"]
    for _, r in comparison.areas.iterrows():
        lines.append(f"{str(r['area'])[:20]:<20} {r['metric']:<10} {_num(r['baseline_mean']):>8} "
                     f"{_num(r['policy_mean']):>8} {_num(r['change_mean'], '+'):>8} "
                     f"({_num(r['change_lo'], '+')},{_num(r['change_hi'], '+')})")
    s = comparison.summary.set_index("metric")
    lines += [
        "",
        f"first preference offered: {_pct(s.loc['first_pref_rate', 'baseline_mean'])}% -> "
        f"{_pct(s.loc['first_pref_rate', 'policy_mean'])}%; FSM pupils offered a top-two preference: "
        f"{_pct(s.loc['fsm_top2_rate', 'baseline_mean'])}% -> {_pct(s.loc['fsm_top2_rate', 'policy_mean'])}%",
        f"directed places: {s.loc['directed', 'baseline_mean']:.1f} -> {s.loc['directed', 'policy_mean']:.1f}; "
        f"left unplaced (no room at a school that may admit them): {s.loc['unplaced', 'policy_mean']:.1f}",
        f"pupils at a different school than under the baseline: {s.loc['movers', 'policy_mean']:.1f} "
        f"({s.loc['movers', 'policy_lo']:.0f}-{s.loc['movers', 'policy_hi']:.0f}); keep their baseline school: "
        f"{_pct(s.loc['kept_baseline_school', 'policy_mean'])}%",
        f"mean home-school distance: {_km(s.loc['mean_km', 'baseline_mean'])} -> {_km(s.loc['mean_km', 'policy_mean'])}",
    ]
    lines.append(d_decomposition(comparison))
    if comparison.pan_whatif is not None:
        pans = {int(k): v for k, v in m["pan_whatif"].items()}
        lines += ["", *pan_text(comparison.pan_whatif, pans, m["policy"])]
    if comparison.reality is not None:
        lines += reality_text(comparison.reality)
    lines += [f"note: {note}" for note in m.get("notes", [])]
    return "\n".join(lines)
