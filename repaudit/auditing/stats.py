"""Per-school representativeness statistics (METHODS §4): gap, ratio, z, funnel limits, flags, shortfall.

Pure functions on numbers or numpy arrays, shared by the audit and the admissions simulator.
Notation: p_s the school's rate, p_c the community rate, n pupils, all rates 0-1 proportions.
"""
from __future__ import annotations

from statistics import NormalDist

import numpy as np

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


def overdispersion(z, trim=0.1):
    """Multiplicative over-dispersion factor phi = mean of the winsorised z^2 (Spiegelhalter 2005), at least 1.

    The `trim` share of z-scores at each end is pulled in to the trimmed range first, so a few extreme
    schools cannot inflate phi. Divide z by sqrt(phi) (or pass `dispersion=phi`) to allow for it.
    """
    z = _arr(z)
    z = z[np.isfinite(z)]
    if len(z) == 0:
        return 1.0
    lo, hi = np.quantile(z, [trim, 1.0 - trim])
    return float(max(1.0, np.mean(np.clip(z, lo, hi) ** 2)))


def pooled_z(observed, expected, variance):
    """`(O - E) / sqrt(V)` for a group of schools: O and E summed counts, V the summed n p_c (1 - p_c)."""
    o, e, v = _arr(observed), _arr(expected), _arr(variance)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(v > 0, (o - e) / np.sqrt(np.where(v > 0, v, 1.0)), np.nan)
