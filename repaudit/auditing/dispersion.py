"""Flags and ranking that allow for over-dispersion, per indicator and phase (docs/methodology.md §4.1-4.2).

Two questions, two flags: `beyond_chance_flag` compares the plain binomial z with the funnel limits
(does the school differ from its community beyond chance?); `flag`, the default, compares the z that
allows for the spread schools genuinely show (is the school unusual among schools?). The allowance is
Spiegelhalter's additive random-effects term tau^2 by default (`overdispersion` = 'additive'), added on a
proportion scale (`funnel_scale`, logit by default; limits centred on the community rate, exact
mid-p where few pupils of the group are expected), or the
older multiplicative factor phi ('multiplicative'), or none ('none': `flag` = `beyond_chance_flag`).
Schools are ranked on the empirical-Bayes (shrunken) gap, which does not favour big or small schools.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import RepauditError
from . import scales, small_counts, stats

CENTRE = "the community rate (a gap of 0)"
MODES = ("additive", "multiplicative", "none")
BELOW, ABOVE = ["below_95", "below_998"], ["above_95", "above_998"]
COLUMNS = ["z_adjusted", "beyond_chance_flag", "gap_shrunk_pp", "gap_shrunk_posterior95_low_pp",
           "gap_shrunk_posterior95_high_pp", "rank"]


def check_mode(mode) -> str:
    """MODE as one of MODES; `true`/`false` of the retired on/off setting read as 'additive'/'none'."""
    text = str(mode).strip().lower()
    text = {"true": "additive", "1": "additive", "yes": "additive", "on": "additive",
            "false": "none", "0": "none", "no": "none", "off": "none"}.get(text, text)
    if text not in MODES:
        raise RepauditError(f"parameter overdispersion must be one of {', '.join(MODES)}; got '{mode}'")
    return text


def check_scale(scale) -> str:
    """SCALE as one of scales.SCALES, or a RepauditError naming them."""
    text = str(scale).strip().lower()
    if text not in scales.SCALES:
        raise RepauditError(f"parameter funnel_scale must be one of {', '.join(scales.SCALES)}; got '{scale}'")
    return text


def apply(table: pd.DataFrame, mode: str = "additive", scale: str = scales.DEFAULT) -> tuple[pd.DataFrame, dict]:
    """TABLE (one row per school and indicator, z already the plain binomial z) with flag,
    beyond_chance_flag, z_adjusted, the shrunken gap and its 95% posterior interval (pp) and rank
    (1 = least representative, per indicator); and the estimates {indicator: {phase: {...}}}.
    SCALE: where tau is added (scales.py); the multiplicative allowance stays on the plain z."""
    mode = check_mode(mode)
    scale = check_scale(scale) if mode == "additive" else "raw"
    n_rows = len(table)
    values = {col: np.full(n_rows, np.nan) for col in ("z_adjusted", "gap_shrunk_pp", "gap_shrunk_posterior95_low_pp",
                                                       "gap_shrunk_posterior95_high_pp")}
    flags = np.full(n_rows, None, dtype=object)
    chance = np.full(n_rows, None, dtype=object)
    estimates: dict = {}
    audited = (table["status"] == "audited").to_numpy()
    keys = table["indicator"].astype(str) + "\t" + table["phase"].astype(str)
    for key, positions in pd.Series(np.arange(n_rows))[audited].groupby(keys[audited].to_numpy()):
        indicator, phase = key.split("\t")
        at = positions.to_numpy()
        ps, pc, n = (table[c].to_numpy(dtype=float)[at] for c in ("school_rate", "community_rate", "pupils"))
        est = stats.random_effects(ps, pc, n, scale=scale)
        est["mode"] = mode
        est["centre"] = CENTRE
        z = stats.chance_z(ps, pc, n, scale)
        if mode == "additive":
            adjusted = stats.adjusted_z(ps, pc, n, est["tau2"], scale)
        elif mode == "multiplicative":
            adjusted = z / np.sqrt(max(1.0, est["phi"]) if np.isfinite(est["phi"]) else 1.0)
        else:
            adjusted = z
        mean, low, high = stats.shrunken_gap(ps, pc, n, est["tau2"], est["mu"], scale=scale)
        values["z_adjusted"][at] = adjusted
        values["gap_shrunk_pp"][at] = 100 * mean
        values["gap_shrunk_posterior95_low_pp"][at] = 100 * low
        values["gap_shrunk_posterior95_high_pp"][at] = 100 * high
        flags[at], chance[at] = stats.flag(adjusted), stats.flag(z)
        est["share_below_95"] = float(np.isin(flags[at], BELOW).mean())
        est["share_above_95"] = float(np.isin(flags[at], ABOVE).mean())
        est["share_below_95_beyond_chance"] = float(np.isin(chance[at], BELOW).mean())
        est["small_count_schools"] = int(small_counts.is_small(pc, n).sum())
        estimates.setdefault(indicator, {})[phase] = {k: _plain(v) for k, v in est.items()}
    at = np.flatnonzero(audited)
    indicator = table["indicator"].astype(str).to_numpy()[at]
    order = at[np.lexsort((table["z"].to_numpy(dtype=float)[at], values["gap_shrunk_pp"][at], indicator))]
    ordered = table["indicator"].astype(str).to_numpy()[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    rank = np.full(n_rows, np.nan)
    rank[order] = np.arange(len(order)) - start + 1
    return table.assign(flag=flags, beyond_chance_flag=chance, rank=rank, **values), estimates


def _plain(value):
    """A JSON-ready value for meta.json: text as is, integers as int, floats rounded, NaN as None."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    return None if not np.isfinite(value) else round(float(value), 10)


def tau_text(e: dict) -> str:
    """tau in its scale's unit: pp on the raw scale, else the number itself."""
    if e.get("tau") is None:
        return "n/a"
    return f"{100 * e['tau']:.1f} pp" if e.get("scale", "raw") == "raw" else f"{e['tau']:.3f}"


def describe(estimates: dict, indicator: str) -> list[str]:
    """One line per phase: the share flagged, phi and tau, e.g. 'secondary: 9.8% below the lower 95%
    limit (additive random effects on the logit scale: phi 31.2, tau 0.480, 3,100 schools); 34.0% below
    the plain binomial limit'."""
    out = []
    number = lambda v, scale=1: "n/a" if v is None else f"{scale * v:.1f}"  # noqa: E731
    for phase, e in (estimates.get(indicator) or {}).items():
        allowance = {"additive": f"additive random effects on the {e.get('scale', 'raw')} scale: phi "
                                 f"{number(e['phi'])}, tau {tau_text(e)}",
                     "multiplicative": f"multiplicative: phi {number(e['phi'])}",
                     "none": "no over-dispersion allowance"}[e["mode"]]
        out.append(f"{phase}: {100 * e['share_below_95']:.1f}% below the lower 95% limit ({allowance}, "
                   f"{e['schools']:,} schools); {100 * e['share_below_95_beyond_chance']:.1f}% below the plain "
                   "binomial limit")
    return out
