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

import warnings

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
    """Each index for every code at once (np.bincount sums): a frame indexed by code."""
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


def indices_by_area(codes, group, total, reps=200, level=0.95, seed=0) -> pd.DataFrame:
    """D, GS and isolation for every area code, with a bias-corrected bootstrap interval for D.

    The interval resamples each school's group count from Binomial(T_i, F_i/T_i) `reps` times and
    reports the basic bootstrap interval (2D - q_high, 2D - q_low): small schools inflate D, and the
    interval shifts down by that bias, so in small systems it may lie below the point estimate.
    Returns columns code, schools, pupils, group_pupils, share, D, GS, isolation, D_low, D_high.
    """
    f, t = _pair(group, total)
    uniq, inv, big_f, big_t, d, gs, iso = _grouped(codes, f, t)
    rng = np.random.default_rng(seed)
    n_int = np.rint(t).astype(np.int64)
    p = np.where(t > 0, f / np.where(t > 0, t, 1.0), 0.0)
    boot = np.full((max(reps, 1), len(uniq)), np.nan)
    for r in range(reps):
        f_star = rng.binomial(n_int, np.clip(p, 0.0, 1.0)).astype(float)
        boot[r] = _grouped(inv, f_star, n_int.astype(float))[4]
    alpha = (1.0 - level) / 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)     # all-NaN columns: areas with no group at all
        q_low = np.nanquantile(boot, alpha, axis=0)
        q_high = np.nanquantile(boot, 1.0 - alpha, axis=0)
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
