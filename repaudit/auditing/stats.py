"""Per-school representativeness statistics (METHODS §4, §5b): gap, ratio, z, funnel limits (binomial and
with Spiegelhalter's additive over-dispersion on a proportion scale, repaudit/auditing/scales.py; exact mid-p
for small expected counts, small_counts.py), flags, shortfall and the empirical-Bayes (shrunken) gap.

Pure functions on numbers or numpy arrays, shared by the audit and the admissions simulator.
Notation: p_s the school's rate, p_c the community rate, n pupils, all rates 0-1 proportions.
"""
from __future__ import annotations

from statistics import NormalDist

import numpy as np

from . import scales, small_counts

Z95 = NormalDist().inv_cdf(0.975)      # 1.959964: two-sided 95% funnel limit
Z998 = NormalDist().inv_cdf(0.999)     # 3.090232: two-sided 99.8% funnel limit

FLAGS = ("below_998", "below_95", "within", "above_95", "above_998")


def _arr(x):
    return np.asarray(x, dtype=float)


def gap_pp(school_rate, community_rate):
    """`100 (p_s - p_c)` in percentage points; negative = the school under-represents the group."""
    return 100.0 * (_arr(school_rate) - _arr(community_rate))


def ratio(school_rate, community_rate):
    """`p_s / p_c` (Gorard's segregation ratio when p_c is the system rate); NaN when p_c is 0."""
    p_c = _arr(community_rate)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p_c > 0, _arr(school_rate) / np.where(p_c > 0, p_c, 1.0), np.nan)


def standard_error(community_rate, pupils, dispersion=1.0):
    """`sqrt(phi p_c (1 - p_c) / n)`: the binomial spread of a school rate around p_c, times phi."""
    p_c, n = _arr(community_rate), _arr(pupils)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, np.sqrt(_arr(dispersion) * p_c * (1.0 - p_c) / np.where(n > 0, n, 1.0)), np.nan)


def z_score(school_rate, community_rate, pupils, dispersion=1.0):
    """`z = (p_s - p_c) / sqrt(phi p_c (1 - p_c) / n)`; NaN when p_c is 0 or 1 or n is 0 (no spread)."""
    se = standard_error(community_rate, pupils, dispersion)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(se > 0, (_arr(school_rate) - _arr(community_rate)) / np.where(se > 0, se, 1.0), np.nan)


def funnel_limits(community_rate, pupils, level=0.95, dispersion=1.0):
    """Lower and upper funnel-plot limits `p_c -/+ z_level * se`, clipped to [0, 1] (Spiegelhalter 2005)."""
    k = NormalDist().inv_cdf(0.5 + level / 2.0)
    se = standard_error(community_rate, pupils, dispersion)
    p_c = _arr(community_rate)
    return np.clip(p_c - k * se, 0.0, 1.0), np.clip(p_c + k * se, 0.0, 1.0)


def flag(z):
    """Funnel band of each z: below_998 (z < -3.09), below_95 (z < -1.96), within, above_95, above_998.

    None where z is NaN (no spread to judge against)."""
    z = _arr(z)
    bands = np.select(
        [z < -Z998, z < -Z95, z <= Z95, z <= Z998, z > Z998],
        list(FLAGS),
        default="",
    )
    out = bands.astype(object)
    out[np.isnan(z)] = None
    return out


def shortfall(school_rate, community_rate, pupils):
    """`n (p_c - p_s)`: pupils of the group the school would need to admit to match its community."""
    return _arr(pupils) * (_arr(community_rate) - _arr(school_rate))


def winsorised_phi(z, trim=0.1) -> float:
    """phi = mean of z^2 after z-scores below the TRIM / above the 1 - TRIM quantile are set to those
    quantiles (Spiegelhalter 2005), so a few extreme schools cannot inflate it. NaN with no finite z."""
    z = _arr(z)
    z = z[np.isfinite(z)]
    if len(z) == 0:
        return float("nan")
    lo, hi = np.quantile(z, [trim, 1.0 - trim])
    return float(np.mean(np.clip(z, lo, hi) ** 2))


def overdispersion(z, trim=0.1):
    """Multiplicative over-dispersion factor: the winsorised phi, at least 1 (1 with no finite z).
    Divide z by sqrt(phi) (or pass `dispersion=phi`) to allow for it."""
    phi = winsorised_phi(z, trim)
    return 1.0 if not np.isfinite(phi) else max(1.0, phi)


def tau_squared(phi, se) -> float:
    """DerSimonian-Laird between-school variance from phi and the schools' standard errors:
    tau^2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w) with w = 1/s^2, or 0 when I phi <= I - 1."""
    s = _arr(se)
    s = s[np.isfinite(s) & (s > 0)]
    n = len(s)
    if n < 2 or not np.isfinite(phi) or n * phi <= n - 1:
        return 0.0
    w = 1.0 / s ** 2
    return float((n * phi - (n - 1)) / (w.sum() - (w ** 2).sum() / w.sum()))


def random_effects(school_rate, community_rate, pupils, trim=0.1, scale=scales.DEFAULT) -> dict:
    """Spiegelhalter's additive over-dispersion (docs/methodology.md §4.1) for one set of schools, on SCALE
    (repaudit/auditing/scales.py): phi from the winsorised z-scores (g(y) - g(t)) / s, the DerSimonian-Laird
    tau^2 (in squared units of the scale), tau, the prior mean mu of the gaps on the scale (precision-weighted
    with weights 1/(s^2 + tau^2)) and the number of schools I used."""
    se, gap = np.broadcast_arrays(scales.standard_error(scale, community_rate, pupils),
                                  _scaled_gap(school_rate, community_rate, pupils, scale))
    ok = np.isfinite(se) & (se > 0) & np.isfinite(gap)
    phi = winsorised_phi(gap[ok] / se[ok], trim)
    tau2 = tau_squared(phi, se[ok])
    w = 1.0 / (se[ok] ** 2 + tau2)
    mu = float((w * gap[ok]).sum() / w.sum()) if ok.any() else float("nan")
    return {"schools": int(ok.sum()), "scale": scale, "phi": phi, "tau2": tau2, "tau": float(np.sqrt(tau2)),
            "mu": mu}


def _scaled_gap(school_rate, community_rate, pupils, scale):
    """g(y) - g(t) on SCALE (the school's rate as an empirical logit on the logit scale)."""
    return scales.transform(scale, school_rate, pupils) - scales.transform(scale, community_rate)


def adjusted_z(school_rate, community_rate, pupils, tau2=0.0, scale=scales.DEFAULT):
    """`(g(y) - g(t)) / sqrt(s^2 + tau^2)` on SCALE: z against the spread schools genuinely show; comparing
    it with -/+1.96 is comparing y with the limits of random_effects_limits. Schools expecting fewer than
    small_counts.SMALL pupils of the group (or of the rest) get the exact mid-p score instead."""
    se = scales.standard_error(scale, community_rate, pupils)
    total = np.sqrt(se ** 2 + _arr(tau2))
    gap = _scaled_gap(school_rate, community_rate, pupils, scale)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(total > 0, gap / np.where(total > 0, total, 1.0), np.nan)
    return _exact_where_small(z, school_rate, community_rate, pupils, float(tau2), scale)


def chance_z(school_rate, community_rate, pupils, scale=scales.DEFAULT):
    """The z of `beyond_chance_flag`: adjusted_z with tau = 0 (binomial noise alone, on the same SCALE as the
    default flag, so a school flagged among schools is also beyond chance; exact mid-p for small counts)."""
    return adjusted_z(school_rate, community_rate, pupils, 0.0, scale)


def _exact_where_small(z, school_rate, community_rate, pupils, tau2, scale):
    y, t, n, z = (np.array(v, dtype=float) for v in np.broadcast_arrays(_arr(school_rate), _arr(community_rate),
                                                                         _arr(pupils), _arr(z)))
    small = small_counts.is_small(t, n) & np.isfinite(z) & np.isfinite(y)
    if small.any():
        whole = np.maximum(1, np.rint(n[small]))
        z[small] = small_counts.normal_score(small_counts.mid_p(y[small] * whole, whole, t[small], tau2, scale))
    return z if z.ndim else float(z)


def random_effects_limits(community_rate, pupils, tau2, level=0.95, scale=scales.DEFAULT):
    """Lower and upper normal-theory funnel limits g^-1(g(t) -/+ z_level sqrt(s^2 + tau^2)) in [0, 1]
    (schools expecting few pupils of the group are judged by the exact mid-p score instead: adjusted_z)."""
    k = NormalDist().inv_cdf(0.5 + level / 2.0)
    return scales.limits(scale, community_rate, pupils, tau2, k)


def shrunken_gap(school_rate, community_rate, pupils, tau2, mu, level=0.95, scale=scales.DEFAULT):
    """Empirical-Bayes gap (proportions) with prior N(mu, tau^2) for the true gap on SCALE: posterior mean
    mu + B (d - mu) of d = g(y) - g(t), B = tau^2 / (tau^2 + s^2), posterior sd sqrt(B) s, and the LEVEL
    posterior interval, each transformed back to a rate and given as that rate minus t.
    Returns (mean, low, high); a small school is pulled towards mu, a large one barely moves."""
    se = scales.standard_error(scale, community_rate, pupils)
    d = _scaled_gap(school_rate, community_rate, pupils, scale)
    total = se ** 2 + _arr(tau2)
    with np.errstate(divide="ignore", invalid="ignore"):
        b = np.where(total > 0, _arr(tau2) / np.where(total > 0, total, 1.0), np.nan)
    mean = mu + b * (d - mu)
    sd = np.sqrt(b) * se
    k = NormalDist().inv_cdf(0.5 + level / 2.0)
    centre = scales.transform(scale, community_rate)
    back = lambda v: scales.inverse(scale, centre + v) - _arr(community_rate)  # noqa: E731
    return back(mean), back(mean - k * sd), back(mean + k * sd)


def pooled_z(observed, expected, variance):
    """`(O - E) / sqrt(V)` for a group of schools: O and E summed counts, V the summed n p_c (1 - p_c)."""
    o, e, v = _arr(observed), _arr(expected), _arr(variance)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(v > 0, (o - e) / np.sqrt(np.where(v > 0, v, 1.0)), np.nan)
