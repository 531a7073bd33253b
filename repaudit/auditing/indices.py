"""Segregation indices across the schools of a system (METHODS §5): dissimilarity, Gorard, isolation.

Each index is a pure function of two arrays with the same names everywhere: `group` (F_i, pupils of
the group, e.g. FSM, in school i) and `total` (T_i, all pupils in school i). With F, T the totals and
P = F / T:

    D   = 1/2 sum_i | F_i/F - (T_i - F_i)/(T - F) |       (Duncan and Duncan dissimilarity)
    GS  = 1/2 sum_i | F_i/F - T_i/T |                      (Gorard segregation; GS = D (1 - P))
    xPx = sum_i (F_i/F) (F_i/T_i)                          (isolation: group share met by a group pupil)

Check values: schools (F, T) = (100,100), (60,100), (40,100), (0,100) give D = 0.6, GS = 0.3,
isolation = 0.76; equal shares everywhere give D = GS = 0; complete separation gives D = 1.
The indices are NaN when the group is absent (F = 0) or everyone (F = T).
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def _pair(group, total):
    f = np.asarray(group, dtype=float)
    t = np.asarray(total, dtype=float)
    if f.shape != t.shape:
        raise ValueError(f"group and total differ in length ({f.shape} vs {t.shape})")
    if np.any(f < 0) or np.any(f > t + 1e-9):
        raise ValueError("every school needs 0 <= group <= total")
    return f, t


def dissimilarity(group, total) -> float:
    """D = 1/2 sum |F_i/F - (T_i-F_i)/(T-F)|: share of the group that would have to move school for
    every school to have the system's rate. Check: (100,60,40,0 of 100 each) -> 0.6."""
    f, t = _pair(group, total)
    big_f, big_t = f.sum(), t.sum()
    if big_f <= 0 or big_f >= big_t:
        return float("nan")
    return float(0.5 * np.abs(f / big_f - (t - f) / (big_t - big_f)).sum())


def gorard(group, total) -> float:
    """GS = 1/2 sum |F_i/F - T_i/T| = D (1 - P): share of the group that would have to move to a
    school of its own with no replacement. Check: (100,60,40,0 of 100 each) -> 0.3."""
    f, t = _pair(group, total)
    big_f, big_t = f.sum(), t.sum()
    if big_f <= 0 or big_f >= big_t:
        return float("nan")
    return float(0.5 * np.abs(f / big_f - t / big_t).sum())


def isolation(group, total) -> float:
    """xPx = sum (F_i/F)(F_i/T_i): the group rate in the school of the average group pupil.
    Check: (100,60,40,0 of 100 each) -> 0.76; equals P when every school has rate P."""
    f, t = _pair(group, total)
    big_f = f.sum()
    keep = t > 0
    if big_f <= 0:
        return float("nan")
    return float(((f[keep] / big_f) * (f[keep] / t[keep])).sum())


def _grouped(codes, f, t):
    """Each index for every code at once (np.bincount sums): codes, their index, F, T, D, GS, xPx."""
    uniq, inv = np.unique(np.asarray(codes), return_inverse=True)
    n = len(uniq)
    big_f = np.bincount(inv, f, n)
    big_t = np.bincount(inv, t, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = 0.5 * np.bincount(inv, np.abs(f / big_f[inv] - (t - f) / (big_t - big_f)[inv]), n)
        gs = 0.5 * np.bincount(inv, np.abs(f / big_f[inv] - t / big_t[inv]), n)
        iso = np.bincount(inv, np.where(t > 0, (f / big_f[inv]) * (f / np.where(t > 0, t, 1.0)), 0.0), n)
    undefined = (big_f <= 0) | (big_f >= big_t)
    d[undefined] = gs[undefined] = np.nan
    iso[big_f <= 0] = np.nan
    return uniq, inv, big_f, big_t, d, gs, iso


def resample(group, total, reps=200, seed=0) -> np.ndarray:
    """REPS parametric resamples of every school's group count, F_i* ~ Binomial(T_i, F_i/T_i), as an
    array (reps, schools). Where T p (1-p) >= 5 the binomial is drawn from its normal approximation
    (rounded, kept within 0..T), which is indistinguishable at that size and far faster."""
    f, t = _pair(group, total)
    t = np.rint(t)
    p = np.clip(np.where(t > 0, f / np.where(t > 0, t, 1.0), 0.0), 0.0, 1.0)
    rng = np.random.default_rng(seed)
    out = np.empty((reps, len(t)), dtype=np.float32)
    var = t * p * (1 - p)
    big = var >= 5
    if big.any():
        z = rng.standard_normal((reps, int(big.sum())), dtype=np.float32)
        mean, sd = (t[big] * p[big]).astype(np.float32), np.sqrt(var[big]).astype(np.float32)
        out[:, big] = np.clip(np.rint(mean + sd * z), 0, t[big].astype(np.float32))
    if (~big).any():
        small = ~big
        out[:, small] = rng.binomial(np.broadcast_to(t[small].astype(np.int64), (reps, int(small.sum()))),
                                     np.broadcast_to(p[small], (reps, int(small.sum()))))
    return out


def _bootstrap_d(inv, n_groups, t, resampled, chunk=25):
    """D of every group in each resample (rows of RESAMPLED): array (reps, n_groups)."""
    reps, n = resampled.shape
    big_t = np.bincount(inv, t, n_groups)
    out = np.empty((reps, n_groups))
    for start in range(0, reps, chunk):
        f = resampled[start:start + chunk].astype(float)
        c = len(f)
        key = (np.arange(c)[:, None] * n_groups + inv[None, :]).ravel()
        big_f = np.bincount(key, f.ravel(), c * n_groups).reshape(c, n_groups)
        fg = big_f[:, inv]
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.abs(f / fg - (t - f) / (big_t[inv] - fg))
        term[~np.isfinite(term)] = 0.0
        d = 0.5 * np.bincount(key, term.ravel(), c * n_groups).reshape(c, n_groups)
        d[(big_f <= 0) | (big_f >= big_t[None, :])] = np.nan
        out[start:start + c] = d
    return out


def _column_quantile(values, q):
    """The q-quantile of each column, ignoring NaN (linear interpolation, as numpy's default)."""
    ordered = np.sort(values, axis=0)                 # NaN sort last
    valid = np.sum(~np.isnan(values), axis=0)
    pos = q * np.maximum(valid - 1, 0)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, np.maximum(valid - 1, 0))
    lo_v = np.take_along_axis(ordered, lo[None, :], axis=0)[0]
    hi_v = np.take_along_axis(ordered, hi[None, :], axis=0)[0]
    out = lo_v + (hi_v - lo_v) * (pos - lo)
    out[valid == 0] = np.nan
    return out


def indices_by_area(codes, group, total, reps=200, level=0.95, seed=0, resampled=None) -> pd.DataFrame:
    """D, GS and isolation for every area code, with a bias-corrected bootstrap interval for D.

    The interval resamples each school's group count (see `resample`; pass RESAMPLED to reuse one set
    of resamples for several groupings) and reports the basic bootstrap interval (2D - q_high,
    2D - q_low): small schools inflate D, and the interval shifts down by that bias, so in small
    systems it may lie below the point estimate.
    Returns columns code, schools, pupils, group_pupils, share, D, GS, isolation, D_low, D_high.
    """
    f, t = _pair(group, total)
    uniq, inv, big_f, big_t, d, gs, iso = _grouped(codes, f, t)
    if resampled is None and reps > 0:
        resampled = resample(f, t, reps, seed)
    if resampled is not None and len(resampled):
        boot = _bootstrap_d(inv, len(uniq), np.rint(t), resampled)
        alpha = (1.0 - level) / 2.0
        q_low, q_high = _column_quantile(boot, alpha), _column_quantile(boot, 1.0 - alpha)
    else:
        q_low = q_high = np.full(len(uniq), np.nan)
    return pd.DataFrame({
        "code": uniq,
        "schools": np.bincount(inv, minlength=len(uniq)),
        "pupils": big_t,
        "group_pupils": big_f,
        "share": np.where(big_t > 0, big_f / np.where(big_t > 0, big_t, 1.0), np.nan),
        "D": d,
        "GS": gs,
        "isolation": iso,
        "D_low": np.clip(2 * d - q_high, 0.0, 1.0),
        "D_high": np.clip(2 * d - q_low, 0.0, 1.0),
    })
