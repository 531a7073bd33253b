"""What the council or the adjudicator can change at one school, with the same applicants and preferences.

* `--pan URN=N`: another admission number at a school (the adjudicator may set one); its effect on that
  school, the schools whose intakes change most, and D (`pan_whatif`).
* "What would it take" (`what_would_it_take`): the smallest FSM reserve (% of the school's places) that
  brings a school's FSM intake up to its community's share, found by a search over reserve levels with the
  simulator, and who loses the FSM pupils it gains. The reserve is the school's FSM band with another share
  (Brighton and Hove's presets) or, where its policy has none, an FSM band of that share just below
  looked-after children and medical need (as the fsm-quota preset). Preferences are held fixed: families
  do not respond to the reserve (see `--choice fsm_response` for that), and the FSM share at the school is
  taken to rise with the reserve (the search is a bisection over whole percentages).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..errors import RepauditError
from .compare import compare_cohorts, community_fsm, nan_quantile
from .game import Game, solve_many
from .policies import Band, Policy, limit_problem
from .rules import assign_rules

PAN_MAX = 2000                # larger than any English secondary's intake (the largest admit about 600)
PAN_METRICS = ("intake", "fsm", "fsm_share", "first_pref_rate", "directed")


def parse_pans(items) -> dict:
    """{urn: pan} from --pan URN=N items; an error naming the item when it is not two whole numbers or the
    admission number is outside 0 to PAN_MAX."""
    out = {}
    for item in items:
        urn, sep, value = str(item).partition("=")
        try:
            urn_i, pan = int(urn.strip()), int(value.strip())
        except ValueError:
            raise RepauditError(f"--pan '{item}' is not URN=N with two whole numbers (e.g. --pan 114606=300)") from None
        if not sep:
            raise RepauditError(f"--pan '{item}' is not URN=N (e.g. --pan 114606=300)")
        if not 0 <= pan <= PAN_MAX:
            raise RepauditError(f"--pan {urn_i}={pan}: an admission number must be from 0 to {PAN_MAX:,}")
        if urn_i in out and out[urn_i] != pan:
            raise RepauditError(f"--pan gives URN {urn_i} two admission numbers ({out[urn_i]} and {pan})")
        out[urn_i] = pan
    return out


def school_index(game: Game, urn: int, option: str = "--pan") -> int:
    """The index of school URN in GAME, or an error naming it with the closest URNs of the simulation."""
    hit = np.flatnonzero(game.schools.urn == int(urn))
    if hit.size:
        return int(hit[0])
    known = [str(int(u)) for u in game.schools.urn]
    close = difflib.get_close_matches(str(urn), known, n=3, cutoff=0.6)
    names = {str(int(u)): str(n) for u, n in zip(game.schools.urn, game.schools.name)}
    hint = f"; did you mean {', '.join(f'{c} ({names[c]})' for c in close)}?" if close else \
        f" (its {len(known)} schools: URNs {', '.join(known[:12])}{', ...' if len(known) > 12 else ''})"
    raise RepauditError(f"{option}: no school with URN {urn} in this simulation{hint}")


def with_pans(game: Game, pans: dict) -> Game:
    """GAME with the admission numbers PANS ({urn: pan}) in place of its own (applicants shared)."""
    pan = game.schools.pan.copy()
    for urn, value in pans.items():
        pan[school_index(game, urn)] = value
    return replace(game, schools=replace(game.schools, pan=pan), meta=dict(game.meta))


def pan_whatif(cohorts: list, policy: Policy, pans: dict, runs: int, seed: int):
    """The policy with the current admission numbers against the policy with PANS, on the same cohorts
    (COHORTS: the (policy game, baseline game) pairs of the main comparison) and lottery seeds: a
    Comparison whose 'baseline' is now and 'policy' the what-if."""
    pairs = [(with_pans(g, pans), g) for g, _ in cohorts]
    return compare_cohorts(pairs, policy, policy, runs=runs, seed=seed)


def pan_table(whatif, pans: dict, game: Game) -> pd.DataFrame:
    """pan_whatif.csv: per school its admission number now (in GAME) and set, and intake, FSM pupils, FSM
    share, first-preference rate and directed places now and with the set numbers; then D of the LA."""
    cols = ["baseline_mean", "baseline_lo", "baseline_hi", "policy_mean", "policy_lo", "policy_hi",
            "change_mean", "change_lo", "change_hi"]
    pan = pd.Series(game.schools.pan, index=game.schools.urn)
    rows = whatif.schools[whatif.schools["metric"].isin(PAN_METRICS)][["urn", "name", "metric", *cols]].copy()
    rows.insert(2, "pan_now", rows["urn"].map(pan).astype(int))
    rows.insert(3, "pan_set", rows["urn"].map(lambda u: pans.get(int(u), int(pan[u]))).astype(int))
    d = whatif.areas[whatif.areas["metric"] == "D"][["area", "metric", *cols]].rename(columns={"area": "name"})
    table = pd.concat([rows, d], ignore_index=True)
    table["urn"] = pd.array(table["urn"], dtype="Int64")
    return table.rename(columns=lambda c: c.replace("baseline_", "now_").replace("policy_", "set_"))


def pan_text(table: pd.DataFrame, pans: dict, policy: str, neighbours: int = 3) -> list[str]:
    """Summary lines: each changed school's intake and FSM share now and with its new admission number, the
    NEIGHBOURS schools whose intake changes most, directed places and D."""
    def cell(r, pct=False):
        k = 100 if pct else 1
        unit, change = ("%", " pp") if pct else ("", "")
        return (f"{k * r['now_mean']:.1f}{unit} -> {k * r['set_mean']:.1f}{unit} ({k * r['change_mean']:+.1f}{change}"
                f"{_range(k * r['change_lo'], k * r['change_hi'], lambda x: f'{x:+.1f}')})")

    by = {m: g.set_index("urn") for m, g in table.groupby("metric")}
    out = [f"admission number what-if ({policy}, the same applicants and preferences):"]
    for urn, pan in pans.items():
        i = by["intake"].loc[urn]
        out.append(f"  {i['name']}: admission number {int(i['pan_now'])} -> {pan}; intake {cell(i)}; "
                   f"FSM pupils {cell(by['fsm'].loc[urn])}; FSM share {cell(by['fsm_share'].loc[urn], True)}")
    others = by["intake"].drop(index=list(pans))
    moved = others.reindex(others["change_mean"].abs().sort_values(ascending=False, kind="stable").index)
    for urn, r in moved.head(neighbours).iterrows():
        if abs(r["change_mean"]) < 0.05:
            break
        out.append(f"  {r['name']}: intake {cell(r)}; FSM pupils {cell(by['fsm'].loc[urn])}")
    directed = by["directed"]
    out.append(f"  directed places in all: {directed['now_mean'].sum():.1f} -> {directed['set_mean'].sum():.1f}")
    d = table[table["metric"] == "D"]
    d = d[d["name"] == "all"].iloc[0] if (d["name"] == "all").any() else d.iloc[0]
    out.append(f"  D {d['now_mean']:.3f} -> {d['set_mean']:.3f} ({d['change_mean']:+.3f}"
               f"{_range(d['change_lo'], d['change_hi'], lambda x: f'{x:+.3f}')})")
    return out


# --- what would it take -------------------------------------------------------------------------------------


def reserve_policy(policy: Policy, share: float) -> Policy:
    """POLICY with an FSM reserve of SHARE of places: its FSM band at SHARE (a limit on FSM pupils under
    higher priorities, as Brighton and Hove's 30%, is raised to SHARE when lower), or a new band of FSM
    priority just below looked-after children and medical need."""
    band = next((b for b in policy.bands if any("fsm" in c.split("+") for c in b.criteria)), None)
    if band is not None:
        higher = None if band.cap_with_higher is None else max(band.cap_with_higher, share)
        bands = tuple(replace(b, share=share, cap_with_higher=higher) if b is band else b for b in policy.bands)
        out = replace(policy, bands=bands, exceptions=())
    else:
        if any("fsm" in c.split("+") for c in policy.criteria):
            raise RepauditError(f"policy '{policy.name}' gives FSM priority without a band: it has no reserve to "
                                "vary")
        at = 0
        while at < len(policy.criteria) and policy.criteria[at] in ("looked_after", "medical_social"):
            at += 1
        criteria = (*policy.criteria[:at], "fsm", *policy.criteria[at:])
        out = replace(policy, criteria=criteria, bands=(*policy.bands, Band("fsm_reserve", ("fsm",), share)),
                      exceptions=())
    problem = limit_problem(out)
    if problem:
        raise RepauditError(f"an FSM reserve cannot be added to policy '{policy.name}': {problem}")
    return out


def max_reserve(policy: Policy, city_share: float | None) -> float:
    """The largest FSM reserve the school's policy can take: all places its other bands leave."""
    fsm = {id(b) for b in policy.bands if any("fsm" in c.split("+") for c in b.criteria)}
    other = sum(policy.share(b.share, city_share) for b in policy.bands if id(b) not in fsm)
    return max(0.0, 1.0 - other)


@dataclass
class Level:
    """The FSM pupils of every school in every run (runs x schools) at one reserve level (None = as now)."""

    fsm: np.ndarray
    intake: np.ndarray

    def share(self, s: int) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.fsm[:, s] / self.intake[:, s]


def _level(games: list, policy: Policy, seeds: list) -> Level:
    fsm, intake = [], []
    for game, cohort_seeds in zip(games, seeds):
        for alloc in solve_many(game, policy, cohort_seeds):
            placed = alloc.school >= 0
            s = alloc.school[placed]
            n = game.schools.n
            intake.append(np.bincount(s, minlength=n))
            fsm.append(np.bincount(s[game.applicants.fsm[placed]], minlength=n))
    return Level(np.array(fsm, dtype=float), np.array(intake, dtype=float))


def _mean(values: np.ndarray) -> float:
    """Mean over the runs with pupils at the school; NaN when it had none in any run."""
    return float(np.nanmean(values)) if np.isfinite(values).any() else np.nan


def _interval(values: np.ndarray) -> tuple:
    return (_mean(values), float(nan_quantile(values[:, None], 0.025)[0]),
            float(nan_quantile(values[:, None], 0.975)[0]))


def oversubscription(game: Game, demand: pd.DataFrame | None) -> pd.DataFrame:
    """Per school: first preferences over places, from the published applications and offers (DEMAND: urn,
    places, times_first, from `repaudit load admissions`) where the school is in them, else the model's
    cohort (first preferences over its admission number)."""
    apps = game.applicants
    has = np.diff(apps.offsets) > 0
    firsts = np.bincount(apps.prefs[apps.offsets[:-1][has]], minlength=game.schools.n)
    out = pd.DataFrame({"urn": game.schools.urn, "first_preferences": firsts.astype(float),
                        "places": game.schools.pan.astype(float), "oversubscription_source": "model"})
    if demand is not None and len(demand):
        real = demand.dropna(subset=["places", "times_first"]).set_index("urn")
        hit = out["urn"].isin(real.index) & out["urn"].map(real["places"]).gt(0)
        out.loc[hit, "first_preferences"] = out.loc[hit, "urn"].map(real["times_first"]).astype(float)
        out.loc[hit, "places"] = out.loc[hit, "urn"].map(real["places"]).astype(float)
        out.loc[hit, "oversubscription_source"] = "applications and offers"
    out["oversubscription"] = out["first_preferences"] / out["places"].where(out["places"] > 0)
    return out


def what_would_it_take(games: list, policy: Policy, urns: list, seeds: list, community: dict | None = None,
                       demand: pd.DataFrame | None = None, progress=None) -> pd.DataFrame:
    """One row per school of URNS: oversubscribed or not, its community's FSM share (COMMUNITY {urn: share},
    e.g. from an audit of the warehouse; else the proximity community of the simulated cohort), its FSM share
    now, the smallest whole-percent FSM reserve that brings its mean FSM share over the runs up to the
    community's (or why none does), and the school losing most FSM pupils to it. GAMES: cohorts; SEEDS: the
    lottery seeds of each cohort (common to every level, so changes are paired run by run)."""
    base = _level(games, policy, seeds)
    proximity = np.mean([community_fsm(g) for g in games], axis=0)
    game = games[0]
    demand_table = oversubscription(game, demand).set_index("urn")
    rules = assign_rules(game, policy)
    rows = []
    for urn in urns:
        s = school_index(game, urn, "--what-would-it-take")
        own = rules.policies[rules.policy_of_school[s]]
        target, source = (community[urn], "audit") if community and urn in community and \
            np.isfinite(community[urn]) else (float(proximity[s]), "simulated cohort")
        row = {"urn": int(urn), "name": str(game.schools.name[s]), "policy": own.name,
               **demand_table.loc[urn, ["first_preferences", "places", "oversubscription",
                                        "oversubscription_source"]].to_dict(),
               "community_fsm": target, "community_source": source}
        now = _interval(base.share(s))
        row.update(fsm_now_mean=now[0], fsm_now_lo=now[1], fsm_now_hi=now[2], pan=int(game.schools.pan[s]),
                   intake_now=float(base.intake[:, s].mean()))
        row["fsm_applicants"] = int(_fsm_applicants(game, own, s))
        row.update(_search(games, policy, own, urn, s, seeds, base, target, game.city_fsm_share))
        row["sentence"] = sentence(row)
        rows.append(row)
        if progress is not None:
            progress(1)
    return pd.DataFrame(rows)


def _fsm_applicants(game: Game, policy: Policy, s: int) -> int:
    """FSM children listing school S among the preferences the policy considers, who may be admitted there
    (selection test passed at a grammar school; its sex at a single-sex school)."""
    pairs = game.pairs
    hit = (pairs.school == s) & (pairs.rank <= policy.preferences) & game.applicants.fsm[pairs.applicant]
    hit[hit] = game.eligible(pairs.applicant[hit], pairs.school[hit])
    return int(np.unique(pairs.applicant[hit]).size)


def _search(games, policy, own, urn, s, seeds, base, target, city_share) -> dict:
    """Bisection over whole-percent reserves at school S for the smallest whose mean FSM share reaches TARGET."""
    if _mean(base.share(s)) >= target:
        return {"status": "already", "reserve_pct": np.nan}
    levels = {}

    def at(pct):
        if pct not in levels:
            exception = replace(policy, exceptions=((int(urn), reserve_policy(own, pct / 100)),))
            levels[pct] = _level(games, exception, seeds)
        return levels[pct]

    top = int(np.floor(100 * max_reserve(own, city_share) + 1e-9))
    if top <= 0 or not _mean(at(top).share(s)) >= target:          # NaN: no pupil there in any run
        reached = _interval(at(top).share(s)) if top > 0 else (np.nan,) * 3
        return {"status": "none suffices", "reserve_pct": np.nan, "max_reserve_pct": top,
                "fsm_at_max_mean": reached[0], "fsm_at_max_lo": reached[1], "fsm_at_max_hi": reached[2]}
    lo, hi = 0, top                     # share at lo < target <= share at hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _mean(at(mid).share(s)) >= target:
            hi = mid
        else:
            lo = mid
    found = at(hi)
    share = _interval(found.share(s))
    change = found.fsm - base.fsm                               # runs x schools, paired by lottery seed
    others = [j for j in range(found.fsm.shape[1]) if j != s]
    loser = min(others, key=lambda j: (change[:, j].mean(), j)) if others else None
    out = {"status": "reserve", "reserve_pct": hi, "fsm_with_reserve_mean": share[0], "fsm_with_reserve_lo": share[1],
           "fsm_with_reserve_hi": share[2], "fsm_gained_mean": float(change[:, s].mean())}
    if loser is not None:
        lost = _interval(-change[:, loser])
        out.update(neighbour_urn=int(games[0].schools.urn[loser]), neighbour=str(games[0].schools.name[loser]),
                   neighbour_fsm_lost_mean=lost[0], neighbour_fsm_lost_lo=lost[1], neighbour_fsm_lost_hi=lost[2])
    return out


def _pct(x) -> str:
    return f"{100 * x:.1f}%" if np.isfinite(x) else "n/a (no pupils)"


def sentence(row: dict) -> str:
    """The row in one sentence (the model's figures, 95% intervals over runs)."""
    name, now, target = row["name"], row["fsm_now_mean"], row["community_fsm"]
    sub = row.get("oversubscription")
    demand = "" if sub is None or not np.isfinite(sub) else \
        f" ({'oversubscribed' if sub > 1 else 'not oversubscribed'}: {sub:.2f} first preferences per place, " \
        f"{row['oversubscription_source']})"
    if row["status"] == "already":
        return f"{name}{demand}: its FSM intake, {_pct(now)}, already reaches its community's {_pct(target)}; " \
               "no reserve is needed."
    if row["status"] == "none suffices":
        reached = row.get("fsm_at_max_mean")
        if row["intake_now"] < row["pan"] - 0.5:
            why = (f"it is not full (about {row['intake_now']:.0f} pupils for {row['pan']} places), so every child who "
                   "would take a place there already has one and a priority changes nobody's offer")
        else:
            why = (f"too few FSM children would take a place there ({row['fsm_applicants']} who may be admitted "
                   "list it, and those not admitted hold a place they rank higher)")
        return (f"{name}{demand}: no reserve would bring its FSM intake from {_pct(now)} to its community's "
                f"{_pct(target)}" + ("" if reached is None or not np.isfinite(reached) else
                                     f"; even {row['max_reserve_pct']}% of places gives {_pct(reached)}")
                + f": {why}.")
    text = (f"{name}{demand}: a reserve of {row['reserve_pct']}% of places would bring its FSM intake from "
            f"{_pct(now)} to its community's {_pct(target)} (the model gives {_pct(row['fsm_with_reserve_mean'])}"
            f"{_range(row['fsm_with_reserve_lo'], row['fsm_with_reserve_hi'], _pct)})")
    if row.get("neighbour"):
        lost = row["neighbour_fsm_lost_mean"]
        text += (f"; {row['neighbour']} would lose {lost:.0f} FSM pupil{'' if round(lost) == 1 else 's'}"
                 f"{_range(row['neighbour_fsm_lost_lo'], row['neighbour_fsm_lost_hi'], lambda x: f'{x:.0f}')}")
    return text + "."


def _range(lo: float, hi: float, fmt) -> str:
    """', 95% LO to HI', or a plain statement when every run gave the same figure (never a zero-width range)."""
    if fmt(lo) == fmt(hi):
        return ", the same in every run"
    return f", 95% {fmt(lo)} to {fmt(hi)}"


def wwit_text(table: pd.DataFrame, policy: str, runs: int) -> str:
    """The table and one sentence per school, for the terminal."""
    lines = [f"What would it take: the smallest FSM reserve at each school under {policy} ({runs} lottery runs; "
             "same applicants and preferences; community share from "
             f"{', '.join(sorted(set(table['community_source'])))})", "",
             f"{'school':<36} {'1st/place':>9} {'community':>9} {'FSM now':>8} {'reserve':>8} {'FSM then':>8} "
             f"{'neighbour loses':>26}"]
    for r in table.to_dict("records"):
        reserve = f"{r['reserve_pct']:.0f}%" if r["status"] == "reserve" else \
            ("none" if r["status"] == "already" else "no level")
        then = _pct(r["fsm_with_reserve_mean"]) if r["status"] == "reserve" else "-"
        loses = f"{str(r.get('neighbour'))[:18]} {r['neighbour_fsm_lost_mean']:.0f}" \
            if r["status"] == "reserve" and r.get("neighbour") else "-"
        sub = r["oversubscription"]
        lines.append(f"{r['name'][:36]:<36} {('-' if not np.isfinite(sub) else f'{sub:.2f}'):>9} "
                     f"{_pct(r['community_fsm']):>9} {_pct(r['fsm_now_mean']):>8} {reserve:>8} {then:>8} {loses:>26}")
    lines += ["", *[r["sentence"] for r in table.to_dict("records")]]
    return "\n".join(lines)
