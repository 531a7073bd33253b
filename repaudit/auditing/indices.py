"""Segregation indices across the schools of a system (METHODS §5): dissimilarity, Gorard, isolation.

Each index is a pure function of two arrays with the same names everywhere: `group` (F_i, pupils of
the group, e.g. FSM, in school i) and `total` (T_i, all pupils in school i). With F, T the totals and
P = F / T:

    D   = 1/2 sum_i | F_i/F - (T_i - F_i)/(T - F) |       (Duncan and Duncan dissimilarity)
    GS  = 1/2 sum_i | F_i/F - T_i/T |                      (Gorard segregation; GS = D (1 - P))
    xPx = sum_i (F_i/F) (F_i/T_i)                          (isolation: group share met by a group pupil)

Check values: schools (F, T) = (100,100), (60,100), (40,100), (0,100) give D = 0.6, GS = 0.3,
isolation = 0.76; equal shares everywhere give D = GS = 0; complete separation gives D = 1.
D and GS are not defined (NaN) for one school, or when the group is absent (F = 0) or everyone (F = T).

Small schools inflate D even when pupils are allocated at random (METHODS §5b), so `indices_by_area`
reports beside the raw D: the bias-corrected D_bc = 2D - mean(D*) of Allen, Burgess, Davidson and
Windmeijer (2015), with F_i* ~ Binomial(T_i, F_i/T_i), and its basic bootstrap interval from the same
draws; a school-resampling percentile interval of D; D_random, the mean D when every school's group
count is drawn as Binomial(T_i, P) (the same pupils allocated at random); and the headline, the excess
D - D_random (segregation net of chance) with an interval from the same random-allocation draws.
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
    if big_f <= 0 or big_f >= big_t or np.count_nonzero(t > 0) < 2:
        return float("nan")
    return float(0.5 * np.abs(f / big_f - (t - f) / (big_t - big_f)).sum())


def gorard(group, total) -> float:
    """GS = 1/2 sum |F_i/F - T_i/T| = D (1 - P): share of the group that would have to move to a
    school of its own with no replacement. Check: (100,60,40,0 of 100 each) -> 0.3."""
    f, t = _pair(group, total)
    big_f, big_t = f.sum(), t.sum()
    if big_f <= 0 or big_f >= big_t or np.count_nonzero(t > 0) < 2:
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
    undefined = (big_f <= 0) | (big_f >= big_t) | (np.bincount(inv, t > 0, n) < 2)
    d[undefined] = gs[undefined] = np.nan
    iso[big_f <= 0] = np.nan
    return uniq, inv, big_f, big_t, d, gs, iso


def resample(group, total, reps=200, seed=0, rate=None) -> np.ndarray:
    """REPS parametric resamples of every school's group count, F_i* ~ Binomial(T_i, p_i), as an array
    (reps, schools); p_i = F_i/T_i, or RATE (e.g. the area's P, for random allocation). Where
    T p (1-p) >= 5 the binomial is drawn from its normal approximation (rounded, kept within 0..T),
    which is indistinguishable at that size and far faster."""
    f, t = _pair(group, total)
    t = np.rint(t)
    p = np.clip(np.where(t > 0, f / np.where(t > 0, t, 1.0), 0.0) if rate is None else
                np.broadcast_to(np.asarray(rate, dtype=float), t.shape), 0.0, 1.0)
    rng = np.random.default_rng(seed)
    out = np.empty((reps, len(t)), dtype=np.float32)
    var = t * p * (1 - p)
    big = var >= 5
    if big.any():
        z = rng.standard_normal((reps, int(big.sum())), dtype=np.float32)
        z *= np.sqrt(var[big]).astype(np.float32)
        z += (t[big] * p[big]).astype(np.float32)
        np.rint(z, out=z)
        np.clip(z, 0, t[big].astype(np.float32), out=z)
        if big.all():
            return z
        out[:, big] = z
    if (~big).any():
        small = ~big
        out[:, small] = rng.binomial(np.broadcast_to(t[small].astype(np.int64), (reps, int(small.sum()))),
                                     np.broadcast_to(p[small], (reps, int(small.sum()))))
    return out


def _d_sorted(starts, counts, t, draws, chunk=25):
    """D of every group in each row of DRAWS (group counts F_i*, schools sorted by group: group g holds
    columns starts[g] .. starts[g] + counts[g] - 1): array (rows, groups). T is every school's total, or
    an array shaped like DRAWS when the schools themselves were resampled. NaN where D is not defined."""
    reps = len(draws)
    t = np.asarray(t, dtype=float)
    fixed = t.ndim == 1
    out = np.empty((reps, len(starts)))
    if fixed:
        big_t_fixed = np.add.reduceat(t, starts)
    for first in range(0, reps, chunk):
        f = np.asarray(draws[first:first + chunk], dtype=float)
        tt = t if fixed else t[first:first + chunk]
        big_f = np.add.reduceat(f, starts, axis=1)
        big_t = big_t_fixed[None, :] if fixed else np.add.reduceat(tt, starts, axis=1)
        undefined = (big_f <= 0) | (big_f >= big_t) | (counts < 2)[None, :]
        others = np.broadcast_to(big_t, big_f.shape) - big_f
        term = np.repeat(np.where(big_f > 0, big_f, np.inf), counts, axis=1)    # 0 / inf = 0: no NaN to clean
        np.divide(f, term, out=term)
        rest = np.repeat(np.where(others > 0, others, np.inf), counts, axis=1)
        np.divide(tt - f, rest, out=rest)
        np.subtract(term, rest, out=term)
        np.abs(term, out=term)
        d = 0.5 * np.add.reduceat(term, starts, axis=1)
        d[undefined] = np.nan
        out[first:first + len(f)] = d
    return out


def _school_resamples(starts, counts, reps, rng):
    """REPS resamples, with replacement, of the schools within each group (schools sorted by group):
    array (reps, schools) of positions, each school's slot filled by a school of its group at random."""
    group = np.repeat(np.arange(len(starts)), counts)
    size = counts[group]
    u = rng.random((reps, len(group)), dtype=np.float32)
    u *= size.astype(np.float32)
    offset = np.minimum(u.astype(np.int32), (size - 1).astype(np.int32))   # float32 may round up to the size
    return offset + starts[group].astype(np.int32)


def _column_mean(values):
    """The mean of each column, ignoring NaN; NaN for a column with no value."""
    valid = ~np.isnan(values)
    count = valid.sum(axis=0)
    total = np.where(valid, values, 0.0).sum(axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


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


MOSTLY_CHANCE = 0.5      # D is "mostly chance" where D_random is at least this share of D


UNDEFINED = {"one": "not defined: one school", "none": "not defined: no pupils of the group",
             "all": "not defined: every pupil is in the group"}


def undefined_reason(schools, group_pupils, pupils):
    """Why D is not defined for each area (one school, F = 0 or F = T), or None where it is."""
    schools, big_f, big_t = (np.asarray(x, dtype=float) for x in (schools, group_pupils, pupils))
    return np.select([schools < 2, big_f <= 0, big_f >= big_t], [UNDEFINED["one"], UNDEFINED["none"], UNDEFINED["all"]],
                     default=None).astype(object)


def indices_by_area(codes, group, total, reps=200, level=0.95, seed=0, resampled=None) -> pd.DataFrame:
    """D, GS and isolation for every area code, with what D would be by chance and its intervals.

    D_bc: bias-corrected D, 2D - mean(D*) over parametric resamples F_i* ~ Binomial(T_i, F_i/T_i)
    (`resample`; pass RESAMPLED to reuse one set of draws for several groupings), and its basic bootstrap
    interval (2D - q_high, 2D - q_low) from the same draws, which contains D_bc. D_school_resample95_*:
    percentile interval of D over resamples of the area's schools with replacement. D_random: mean D over
    draws F_i ~ Binomial(T_i, P) (random allocation of the same pupils). All clipped to [0, 1]; NaN where D
    is not defined (D_undefined says why). D_excess = D - D_random, segregation net of chance, with the 95%
    interval (D - q97.5, D - q2.5) of the same random-allocation draws: under random allocation D falls inside
    (q2.5, q97.5) 95% of the time, so the interval then holds 0 95% of the time; it contains D_excess.
    mostly_chance: D_random >= MOSTLY_CHANCE x D. Seeded: the same inputs and SEED give the same table.
    """
    f, t = _pair(group, total)
    uniq, inv, big_f, big_t, d, gs, iso = _grouped(codes, f, t)
    n_groups = len(uniq)
    order = np.argsort(inv, kind="stable")
    counts = np.bincount(inv, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    fs, ts = f[order], np.rint(t[order])
    d = _d_sorted(starts, counts, t[order], fs[None, :])[0]      # the same arithmetic as the resamples
    nan = np.full(n_groups, np.nan)
    d_bc, bc_low, bc_high, sr_low, sr_high, d_random = nan, nan, nan, nan, nan, nan
    random_low, random_high = nan, nan
    alpha = (1.0 - level) / 2.0
    rng = np.random.default_rng([seed, 1])
    if resampled is None and reps > 0:
        resampled = resample(f, t, reps, seed)
    if resampled is not None and len(resampled):
        boot = _d_sorted(starts, counts, ts, resampled[:, order])
        mean_boot = _column_mean(boot)
        q_low, q_high = _column_quantile(boot, alpha), _column_quantile(boot, 1.0 - alpha)
        d_bc = np.clip(2 * d - mean_boot, 0.0, 1.0)
        bc_low, bc_high = np.clip(2 * d - q_high, 0.0, 1.0), np.clip(2 * d - q_low, 0.0, 1.0)
        reps = len(resampled)
    if reps > 0:
        share = np.where(big_t > 0, big_f / np.where(big_t > 0, big_t, 1.0), 0.0)
        chance = resample(fs, t[order], reps, int(rng.integers(2 ** 31)), rate=np.repeat(share, counts))
        by_chance = _d_sorted(starts, counts, ts, chance)
        d_random = _column_mean(by_chance)
        random_low, random_high = _column_quantile(by_chance, alpha), _column_quantile(by_chance, 1.0 - alpha)
        picks = _school_resamples(starts, counts, reps, rng)
        by_school = _d_sorted(starts, counts, t[order][picks], fs[picks])
        sr_low, sr_high = _column_quantile(by_school, alpha), _column_quantile(by_school, 1.0 - alpha)
    schools = np.bincount(inv, t > 0, minlength=n_groups)
    reason = undefined_reason(schools, big_f, big_t)
    defined = pd.isna(reason)
    return pd.DataFrame({
        "code": uniq,
        "schools": np.bincount(inv, minlength=n_groups),
        "pupils": big_t,
        "group_pupils": big_f,
        "share": np.where(big_t > 0, big_f / np.where(big_t > 0, big_t, 1.0), np.nan),
        "D": np.where(defined, d, np.nan),
        "D_bc": np.where(defined, d_bc, np.nan),
        "D_bc_bootstrap95_low": np.where(defined, bc_low, np.nan),
        "D_bc_bootstrap95_high": np.where(defined, bc_high, np.nan),
        "D_school_resample95_low": np.where(defined, sr_low, np.nan),
        "D_school_resample95_high": np.where(defined, sr_high, np.nan),
        "D_random": np.where(defined, d_random, np.nan),
        "D_excess": np.where(defined, d - d_random, np.nan),
        "D_excess95_low": np.where(defined, d - random_high, np.nan),
        "D_excess95_high": np.where(defined, d - random_low, np.nan),
        "mostly_chance": np.where(defined & np.isfinite(d_random), d_random >= MOSTLY_CHANCE * d, False),
        "D_undefined": reason,
        "GS": np.where(defined, gs, np.nan),
        "isolation": iso,
    })
