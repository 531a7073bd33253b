"""Each school's gap year by year, the change since its first year and a slope test (docs/methodology.md,
"Years, series and breaks").

In year t a school with n_t pupils, rate y_t and community rate p_t has gap d_t = y_t - p_t with binomial
variance s_t^2 = p_t (1 - p_t) / n_t. Schools differ far more than binomial noise allows (METHODS §5b), so each
year's gap also carries the additive random-effects variance tau_t^2 the funnel flags use, estimated by the same
function (repaudit.auditing.stats.random_effects) over the schools of the indicator, phase and year, on the
funnel's scale and carried to percentage points at the school's community rate (tau_t dp/dg at p_t):
v_t = s_t^2 + tau_t^2. The change since the first year is d_last - d_first with variance v_first + v_last; the
slope is the weighted least-squares slope of d_t on the year with weights 1/v_t, with variance
1 / sum w_t (t - mean t)^2, and "moved" means |slope / se| > 1.96. Treating tau^2 as year-to-year noise is
cautious: part of it is a school's lasting difference, which does not change from year to year; so the slope's z
with binomial variances alone (`slope_z_beyond_chance`) is given too, as the flags give both questions."""
from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

from ..auditing import scales, stats
from . import breaks

Z95 = stats.Z95


def per_year(by_year: pd.DataFrame, schools: pd.DataFrame, inherited: pd.DataFrame) -> pd.DataFrame:
    """One row per audited school, indicator and year: counts, community rate, gap, z, z allowing for
    over-dispersion, tau, and whether the year belongs to the series (`in_series`: it has a community rate
    and is not the summed counts of several merged schools)."""
    keep = schools[schools["status"] == "audited"][["urn", "indicator", "phase"]]
    rows = by_year.merge(keep, on=["urn", "indicator"])
    rows = rows.merge(inherited, on=["urn", "indicator", "year"], how="left")
    merged = rows["predecessors"].fillna(1) > 1
    rows["in_series"] = rows["community_rate"].notna() & (rows["denominator"] > 0) & ~merged
    rows["school_rate"] = rows["numerator"] / rows["denominator"].where(rows["denominator"] > 0)
    rows["gap_pp"] = stats.gap_pp(rows["school_rate"], rows["community_rate"])
    rows["z"] = stats.z_score(rows["school_rate"], rows["community_rate"], rows["denominator"])
    rows["tau_pp"] = np.nan
    rows["z_adjusted"] = np.nan
    for _, at in rows[rows["in_series"]].groupby(["indicator", "phase", "year"]).groups.items():
        part = rows.loc[at]
        ps, pc, n = (part[c].to_numpy(dtype=float) for c in ("school_rate", "community_rate", "denominator"))
        est = stats.random_effects(ps, pc, n)
        tau2 = est["tau2"] if np.isfinite(est["tau2"]) else 0.0
        # tau is in units of the funnel's scale (logit by default): in pp at each school's community rate
        rows.loc[at, "tau_pp"] = 100 * np.sqrt(tau2) * scales.slope(est["scale"], pc)
        rows.loc[at, "z_adjusted"] = stats.adjusted_z(ps, pc, n, tau2, scale=est["scale"])
    rows["flag"] = stats.flag(rows["z_adjusted"].to_numpy(dtype=float))
    pupils = rows["denominator"].where(rows["denominator"] > 0)
    variance = rows["community_rate"] * (1 - rows["community_rate"]) / pupils
    rows["variance_binomial_pp2"] = 1e4 * variance
    rows["variance_pp2"] = rows["variance_binomial_pp2"] + rows["tau_pp"] ** 2
    return rows.sort_values(["indicator", "urn", "year"]).reset_index(drop=True)


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """Per school and indicator over the years in its series: first and last year and gap, the change with its
    95% interval, the slope (pp a year) with its z and p-value, what that says, and the definition breaks."""
    used = rows[rows["in_series"] & np.isfinite(rows["variance_pp2"]) & (rows["variance_pp2"] > 0)].copy()
    key = ["urn", "indicator"]
    g = used.groupby(key)
    first, last = g.first(), g.last()
    out = pd.DataFrame({
        "years_in_series": (used["year"].astype(int).astype(str) + ",").groupby([used[k] for k in key]).sum()
                           .str.rstrip(","),
        "n_years": g["year"].count(),
        "first_year": first["year"], "last_year": last["year"],
        "gap_first_pp": first["gap_pp"], "gap_last_pp": last["gap_pp"],
        "change_pp": last["gap_pp"] - first["gap_pp"],
    })
    change_se = np.sqrt(first["variance_pp2"] + last["variance_pp2"])
    out["change_95_low_pp"] = out["change_pp"] - Z95 * change_se
    out["change_95_high_pp"] = out["change_pp"] + Z95 * change_se
    slope, se = _slope(used, key, "variance_pp2")
    two = out["n_years"] >= 2
    out["slope_pp_per_year"] = slope.where(two)
    out["slope_se_pp"] = se.where(two)
    out["slope_z"] = (slope / se).where(two)
    out["slope_p"] = out["slope_z"].map(lambda z: 2 * (1 - NormalDist().cdf(abs(z))) if np.isfinite(z) else np.nan)
    out["trend"] = np.select([~two, out["slope_z"] > Z95, out["slope_z"] < -Z95],
                             ["too few years", "rising beyond year-to-year noise", "falling beyond year-to-year noise"],
                             "no change beyond year-to-year noise")
    plain, plain_se = _slope(used, key, "variance_binomial_pp2")
    out["slope_z_beyond_chance"] = (plain / plain_se).where(two)
    out = out.reset_index()
    out["definition_breaks"] = [breaks.describe(i, y.split(","))
                                for i, y in zip(out["indicator"], out["years_in_series"])]
    return out


def _slope(used: pd.DataFrame, key: list[str], variance: str) -> tuple[pd.Series, pd.Series]:
    """Weighted least-squares slope of gap_pp on year per KEY, weights 1 / VARIANCE, and its standard error."""
    w = 1 / used[variance]
    parts = pd.DataFrame({"w": w, "wx": w * used["year"], "wy": w * used["gap_pp"],
                          "wxx": w * used["year"] ** 2, "wxy": w * used["year"] * used["gap_pp"]})
    sums = parts.groupby([used[k] for k in key]).sum()
    spread = sums["w"] * sums["wxx"] - sums["wx"] ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return (sums["w"] * sums["wxy"] - sums["wx"] * sums["wy"]) / spread, np.sqrt(sums["w"] / spread)
