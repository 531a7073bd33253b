"""Communities that add up (docs/methodology.md §3.1): every child of the group attends some school, so over
all the schools a model covers the pupil-weighted gap against a consistent community is zero. A model whose
communities count pupils unevenly (a pool that leaves grammar schools out, neighbours weighted twice) does
not add up and would manufacture under-representation in total.

Rescaling, per indicator, phase and year, over every school the model gives a community (the whole phase
nationally, whatever the audit's filters, so that an LA's or region's total gap still shows): the community
rates t are moved on the odds scale, logit(t') = logit(t) + a, with the one shift a for which
sum N t' = sum F (N pupils, F pupils of the group; pupils counted once). On the odds a rate stays in (0, 1)
and 0 stays 0; near small rates the shift is a common factor exp(a) on the rate.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

ITERATIONS = 80


def _shift(rate: np.ndarray, pupils: np.ndarray, target: float) -> float:
    """The a with sum pupils expit(logit(rate) + a) = target (bisection; the sum rises with a)."""
    inner = (rate > 0) & (rate < 1)
    fixed = float((pupils * rate)[~inner].sum())
    logit = np.log(rate[inner]) - np.log1p(-rate[inner])
    n = pupils[inner]
    low, high = -20.0, 20.0
    for _ in range(ITERATIONS):
        mid = 0.5 * (low + high)
        if fixed + float((n / (1.0 + np.exp(-(logit + mid)))).sum()) < target:
            low = mid
        else:
            high = mid
    return 0.5 * (low + high)


def rescale(per_year: pd.DataFrame, phases: pd.Series) -> tuple[pd.DataFrame, dict]:
    """PER_YEAR (urn, year, numerator, denominator, community_rate) with community_rate rescaled so that it
    adds up within each phase (PHASES: phase by urn) and year; and {phase: {year: {...}}}: the odds factor
    exp(a), the pupil-weighted gap in pp before and after, and the schools used."""
    out = per_year.copy()
    phase = out["urn"].map(phases)
    ok = out["community_rate"].notna() & (out["denominator"] > 0) & out["numerator"].notna() & phase.notna()
    info: dict = {}
    for (ph, year), rows in out[ok].groupby([phase[ok], out.loc[ok, "year"]]):
        rate = rows["community_rate"].to_numpy(float)
        pupils = rows["denominator"].to_numpy(float)
        observed = float(rows["numerator"].sum())
        expected = float((pupils * rate).sum())
        if not 0 < observed < pupils.sum() or not 0 < expected < pupils.sum():
            continue
        a = _shift(rate, pupils, observed)
        inner = (rate > 0) & (rate < 1)
        scaled = rate.copy()
        scaled[inner] = 1.0 / (1.0 + np.exp(-(np.log(rate[inner]) - np.log1p(-rate[inner]) + a)))
        out.loc[rows.index, "community_rate"] = scaled
        info.setdefault(str(ph), {})[str(int(year))] = {
            "odds_factor": round(float(np.exp(a)), 6),
            "gap_before_pp": round(100.0 * (observed - expected) / pupils.sum(), 4),
            "gap_after_pp": round(100.0 * (observed - float((pupils * scaled).sum())) / pupils.sum(), 4),
            "schools": int(len(rows)),
        }
    return out, info


def describe(info: dict) -> list[str]:
    """One line per phase: 'secondary: community rates rescaled to add up (odds x 0.953 in 2022; pupil-
    weighted gap over the schools covered -1.10 pp before, +0.00 after)'."""
    lines = []
    for phase, years in info.items():
        factors = ", ".join(f"{v['odds_factor']:.3f} in {y}" for y, v in years.items())
        before = np.mean([v["gap_before_pp"] for v in years.values()])
        after = np.mean([v["gap_after_pp"] for v in years.values()])
        lines.append(f"{phase}: community rates rescaled to add up (odds x {factors}; pupil-weighted gap over the "
                      f"{max(v['schools'] for v in years.values()):,} schools covered {before:+.2f} pp before, "
                      f"{after:+.2f} after)")
    return lines
