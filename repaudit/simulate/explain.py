"""Explain a comparison: a per-school change table, which schools moved D, and model vs known real outcomes.

`change_table`: one row per school with FSM share, intake, first-preference rate, directed places and mean
distance under the baseline and the policy, the change and its 95% interval, and the school's part of the
change in D (its term 1/2 |F_i/F - N_i/N| of the dissimilarity index under the policy minus under the
baseline; the parts add up to the change in D).

`read_facts` reads a small CSV of what really happened (`urn, metric, value[, source]`; a blank urn or
"all" for the whole area) and `model_vs_reality` sets each fact beside the model's figure. Metrics:
fsm_share (FSM share of a school's offers), first_pref_rate (of a school's first-preference applicants, or
of all applicants), directed (directed places at a school, or in all), intake.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputFileError
from ..sources.reader import parse_number, read_csv_table, resolve_columns
from .compare import Comparison

CHANGE_METRICS = ("fsm_share", "intake", "first_pref_rate", "directed", "mean_km", "d_term")
FACT_METRICS = ("fsm_share", "first_pref_rate", "directed", "intake")


def change_table(comparison: Comparison) -> pd.DataFrame:
    """One row per school: each metric's baseline and policy means, change and its 95% interval."""
    out = comparison.school_table("pan")[["urn", "name"]].copy()
    out["note"] = comparison.school_table("pan")["note"] if "note" in comparison.schools else ""
    for metric in CHANGE_METRICS:
        t = comparison.school_table(metric).set_index("urn")
        label = "d_part" if metric == "d_term" else metric
        for col, src in (("baseline", "baseline_mean"), ("policy", "policy_mean"), ("change", "change_mean"),
                         ("change_lo", "change_lo"), ("change_hi", "change_hi")):
            if metric == "d_term" and col in ("baseline", "policy"):
                continue
            out[f"{label}_{col}"] = out["urn"].map(t[src])
    return out


def d_decomposition(comparison: Comparison, top: int = 3) -> str:
    """'change in D +0.025: Varndean +0.014, ...': the schools whose intakes moved D most."""
    table = change_table(comparison).dropna(subset=["d_part_change"])
    if table.empty:
        return "change in D: not defined (no FSM pupil, or no other pupil)"
    areas = comparison.areas.set_index(["area", "metric"])
    total = areas.loc[("all", "D"), "change_mean"]
    biggest = table.reindex(table["d_part_change"].abs().sort_values(ascending=False).index).head(top)
    parts = ", ".join(f"{str(r['name'])[:36]} {r['d_part_change']:+.3f}" for _, r in biggest.iterrows())
    rest = total - biggest["d_part_change"].sum()
    return f"change in D {total:+.3f} = {parts}, other schools {rest:+.3f}"


def read_facts(path, school_urns) -> pd.DataFrame:
    """Facts as urn (0 = the whole area), metric, value, source; errors name the row and column."""
    table = read_csv_table(path)
    frame = resolve_columns(table, {"urn": ["urn", "school_urn"], "metric": ["metric"], "value": ["value"],
                                    "source": ["source"]}, ["urn", "metric", "value"], "facts")
    known = {int(u) for u in school_urns}
    rows = []
    for i in range(len(frame)):
        line = int(table.line[i])
        urn_text = str(frame["urn"].iloc[i]).strip()
        if urn_text.lower() in ("", "all", "nan"):
            urn = 0
        else:
            number = parse_number(pd.Series([urn_text])).iloc[0]
            if pd.isna(number) or int(number) not in known:
                raise InputFileError(path, f"'{urn_text}' is not the URN of a school in the simulation (or 'all')",
                                     row=line, column="urn")
            urn = int(number)
        metric = str(frame["metric"].iloc[i]).strip()
        if metric not in FACT_METRICS:
            raise InputFileError(path, f"unknown metric '{metric}'; known: {', '.join(FACT_METRICS)}", row=line,
                                 column="metric")
        if urn == 0 and metric == "fsm_share":
            raise InputFileError(path, "fsm_share is a school's figure: give the school's URN", row=line, column="urn")
        value = parse_number(pd.Series([frame["value"].iloc[i]])).iloc[0]
        if pd.isna(value) or value < 0 or (metric in ("fsm_share", "first_pref_rate") and value > 1):
            raise InputFileError(path, f"'{frame['value'].iloc[i]}' is not a valid {metric} (shares are 0 to 1, "
                                       "e.g. 0.3767; counts are whole numbers >= 0)", row=line, column="value")
        source = str(frame["source"].iloc[i]).strip() if "source" in frame else ""
        rows.append({"urn": urn, "metric": metric, "value": float(value), "source": "" if source == "nan" else source})
    return pd.DataFrame(rows, columns=["urn", "metric", "value", "source"])


def model_vs_reality(comparison: Comparison, facts: pd.DataFrame, arm: str = "policy") -> pd.DataFrame:
    """Each fact beside the model's figure under ARM, the policy or the baseline (mean and 95% interval), and
    the difference."""
    summary = comparison.summary.set_index("metric")
    rows = []
    for _, f in facts.iterrows():
        if f["urn"]:
            t = comparison.school_table(f["metric"]).set_index("urn").loc[f["urn"]]
            unit = str(t["name"])
        else:
            t = summary.loc[f["metric"]] if f["metric"] in summary.index else _total(comparison, f["metric"])
            unit = "all"
        rows.append({"urn": f["urn"] or "", "school": unit, "metric": f["metric"], "reality": f["value"],
                     "model": t[f"{arm}_mean"], "model_lo": t[f"{arm}_lo"], "model_hi": t[f"{arm}_hi"],
                     "difference": t[f"{arm}_mean"] - f["value"], "source": f["source"]})
    return pd.DataFrame(rows)


def _total(comparison: Comparison, metric: str) -> pd.Series:
    """An all-schools total of a per-school metric (intake), as means summed over schools."""
    t = comparison.school_table(metric)
    return pd.Series({k: t[k].sum() for k in t.columns if k.endswith(("_mean", "_lo", "_hi"))})


def reality_text(table: pd.DataFrame) -> list:
    """Lines 'model vs reality' for the summary."""
    if table.empty:
        return []
    lines = ["", f"{'model vs reality':<36} {'metric':<16} {'model (95%)':>22} {'reality':>9} {'diff':>8}"]
    for _, r in table.iterrows():
        share = r["metric"] in ("fsm_share", "first_pref_rate")
        fmt = (lambda x: "n/a" if not np.isfinite(x) else f"{100 * x:.1f}%") if share else \
            (lambda x: "n/a" if not np.isfinite(x) else f"{x:.1f}")
        diff = "n/a" if not np.isfinite(r["difference"]) else \
            f"{100 * r['difference']:+.1f}pp" if share else f"{r['difference']:+.1f}"
        lines.append(f"{str(r['school'])[:36]:<36} {r['metric']:<16} "
                     f"{fmt(r['model']) + ' (' + fmt(r['model_lo']) + '-' + fmt(r['model_hi']) + ')':>22} "
                     f"{fmt(r['reality']):>9} {diff:>8}")
    return lines
