"""Intervals for a fresh cohort, and the check that they cover what they claim.

A synthetic cohort is one draw of who applies where; next year's real cohort is another draw, settled by
another lottery. The interval a simulation reports should hold a fresh cohort's value (one cohort, one
lottery) about 95% of the time. Percentiles of the runs of one cohort leave out how cohorts differ, and
the min-max of a few cohorts is too narrow (n cohorts: the min-max holds a fresh one with probability
(n - 1) / (n + 1)), so with two or more cohorts the interval is a prediction interval from a one-way
random-effects model: run j of cohort i is y_ij = mu + b_i + e_ij, a fresh value is mu + b + e, and

    mean +- t(n - 1) * sqrt(s_b^2 (1 + 1/n) + s_w^2 (1 - 1/k))

with n cohorts of k runs each, s_b^2 the variance of the cohort means and s_w^2 the mean variance of the
runs within a cohort (s_b^2 estimates var(b) + var(e) / k, so the second term restores the lottery
variance a single run has); t's degrees of freedom are Satterthwaite's for the two terms, from n - 1
(cohort variation dominates) up to n k - 1 (the lottery does). With k = 1 it is the textbook normal
prediction interval mean +- t(n - 1) sd sqrt(1 + 1/n), exact for normal values. Many figures are not
normal: a small school's FSM share moves in steps of one pupil, and a change is often exactly zero with
an occasional jump, so the interval is widened to the range of one run of each cohort where that is wider
(n such draws hold a fresh one with probability at least (n - 1) / (n + 1) whatever the distribution; one
run each, so the range does not grow with the number of lottery runs). A figure that moves a pupil at a
time (a share, a change of a share, a count) lands on one of a lattice of values: the normal interval of
such a figure gets the continuity correction, half a step (half a pupil) beyond each end, so that a value
whose half-step cell reaches into the normal interval counts as inside it, as the normal approximation to
a discrete distribution requires (a change that is 0, -1 or -2 pupils is otherwise cut between -1 and -2).

The spread of one figure is estimated from n cohorts only (19 degrees of freedom at the default 20), so a
single simulation's interval for some figure comes out narrow by chance: under normality 1 figure in 10 holds
fewer than 90% of fresh cohorts at n = 20, though each holds 95% on average over simulations. Where the
figures of one kind share a reference variance (a school's FSM share: p(1 - p) / intake, the share of a
binomial intake), their variances are pooled: the ratio of each
figure's variance to its reference is moderated towards the ratio common to all (empirical Bayes, Smyth
2004: a scaled inverse chi-square prior whose degrees of freedom d0 are estimated from how much the ratios
scatter beyond their sampling noise), and t takes d0 more degrees of freedom. Where the ratios differ far
more than sampling explains d0 is small and little is pooled.

`coverage` is the check: the share of fresh values inside each reported interval. `fresh_values` draws
them with a caller's function (bench/coverage_bench.py runs it on Brighton and Kent).
"""
from __future__ import annotations

import functools
import math
import warnings

import numpy as np

LEVEL = 0.95
MAX_DF = 1000          # t with more degrees of freedom is the normal quantile to three decimals


@functools.lru_cache(maxsize=None)
def t_quantile(df: int, level: float = LEVEL) -> float:
    """Two-sided Student t critical value: P(|T| <= t) = LEVEL for T with DF (whole) degrees of freedom,
    by bisection on the closed-form distribution function (Abramowitz and Stegun 26.7.3-4)."""
    if df < 1:
        return math.nan
    lo, hi = 0.0, 1e6
    for _ in range(200):
        mid = (lo + hi) / 2
        if _t_central(mid, df) < level:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _t_central(t: float, df: int) -> float:
    """P(|T| <= t) for Student's t with DF whole degrees of freedom."""
    theta = math.atan(t / math.sqrt(df))
    c2, s = math.cos(theta) ** 2, math.sin(theta)
    if df % 2:                                   # odd: 2/pi (theta + sin cos (1 + 2/3 c^2 + 2.4/3.5 c^4 + ...))
        term, total = 1.0, 1.0 if df > 1 else 0.0
        for k in range(1, (df - 1) // 2):
            term *= c2 * (2 * k) / (2 * k + 1)
            total += term
        return 2 / math.pi * (theta + s * math.cos(theta) * total)
    term, total = 1.0, 1.0                       # even: sin (1 + 1/2 c^2 + 1.3/2.4 c^4 + ...)
    for k in range(1, df // 2):
        term *= c2 * (2 * k - 1) / (2 * k)
        total += term
    return s * total


def prediction_interval(values: np.ndarray, cohort: np.ndarray, level: float = LEVEL, hull: bool = True,
                        reference: np.ndarray | None = None, step: np.ndarray | None = None) -> tuple:
    """Mean and LEVEL prediction interval for a fresh cohort's value, per column of VALUES (runs x units;
    COHORT: each run's cohort, at least two distinct), widened with HULL to the range of the first run of each
    cohort. REFERENCE: per unit a variance the units' variances are proportional to, roughly; given, the
    variances are pooled (`moderated`). STEP: per unit the step between the values a discrete figure takes
    (one pupil); given, the normal interval gets the continuity correction, half a step beyond each end. NaN
    runs are left out; a column with fewer than two cohorts holding a value gets NaN bounds."""
    values = np.asarray(values, dtype=float)
    cohort = np.asarray(cohort)
    labels = np.unique(cohort)
    squeeze = values.ndim == 1
    v = values[:, None] if squeeze else values
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        means = np.array([np.nanmean(v[cohort == c], axis=0) for c in labels])          # cohorts x units
        within = np.array([np.nanvar(v[cohort == c], axis=0, ddof=1) if (cohort == c).sum() > 1
                           else np.zeros(v.shape[1]) for c in labels])
        n = np.sum(np.isfinite(means), axis=0)
        k = np.sum(np.isfinite(v), axis=0) / np.maximum(n, 1)              # runs per cohort (on average)
        centre = np.nanmean(means, axis=0)
        between = np.nanvar(means, axis=0, ddof=1)
        s_w2 = np.nan_to_num(np.nanmean(within, axis=0))
        part_b, part_w = between * (1 + 1 / n), s_w2 * np.maximum(1 - 1 / k, 0)
        spread = np.sqrt(part_b + part_w)
        df_w = np.maximum(n * (k - 1), 1)
        df = (part_b + part_w) ** 2 / (part_b ** 2 / np.maximum(n - 1, 1) + part_w ** 2 / df_w)
        df = np.where(np.isfinite(df), np.clip(np.floor(df), n - 1, n * k - 1), n - 1)
        if reference is not None:
            ratio, prior_df = moderated((part_b + part_w) / np.asarray(reference, dtype=float), df)
            pooled = np.isfinite(ratio)
            spread = np.where(pooled, np.sqrt(ratio * np.asarray(reference, dtype=float)), spread)
            df = np.where(pooled, np.minimum(df + prior_df, MAX_DF), df)
    t = np.array([t_quantile(int(d), level) if m >= 2 else math.nan for d, m in zip(df, n)])
    gap = 0.0 if step is None else np.asarray(step, dtype=float)
    half = t * spread + np.where(np.isfinite(gap), gap, 0.0) / 2        # no step known (no intake): none added
    lo, hi = centre - half, centre + half
    if hull:                         # never narrower than the values the runs took (discrete, lumpy figures)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            first = v[[int(np.flatnonzero(cohort == c)[0]) for c in labels]]      # one run of each cohort
            lo, hi = np.fmin(lo, np.nanmin(first, axis=0)), np.fmax(hi, np.nanmax(first, axis=0))
        lo, hi = np.where(n >= 2, lo, np.nan), np.where(n >= 2, hi, np.nan)
    if squeeze:
        return centre[0], lo[0], hi[0]
    return centre, lo, hi


def moderated(ratio: np.ndarray, df: np.ndarray) -> tuple:
    """Empirical-Bayes pooled variance ratios (Smyth 2004, limma's squeezeVar without a trend): RATIO (per unit,
    a variance over its reference, with DF degrees of freedom) is taken as s0^2 chi2_df / df around a true ratio
    drawn from s0^2 d0 / chi2_d0; d0 and s0^2 come from the mean and variance of log RATIO (digamma and trigamma
    of df/2 remove the sampling part). Returns the posterior ratios (d0 s0^2 + df RATIO) / (d0 + df) (NaN where
    RATIO is not positive and finite: those units keep their own) and d0 (MAX_DF when the ratios scatter no
    more than sampling explains, 0 when fewer than three units can be pooled)."""
    ratio, df = np.asarray(ratio, dtype=float), np.broadcast_to(np.asarray(df, dtype=float), np.shape(ratio))
    ok = np.isfinite(ratio) & (ratio > 0) & (df > 0)
    if ok.sum() < 3:
        return np.full(ratio.shape, np.nan), 0.0
    half = df[ok] / 2
    e = np.log(ratio[ok]) - digamma(half) + np.log(half)
    excess = float(np.var(e, ddof=1) - np.mean(trigamma(half)))
    if excess <= 0:
        prior_df, s0 = float(MAX_DF), math.exp(float(np.mean(e)))
    else:
        prior_df = min(2 * trigamma_inverse(excess), float(MAX_DF))
        s0 = math.exp(float(np.mean(e)) + digamma(prior_df / 2) - math.log(prior_df / 2))
    return np.where(ok, (prior_df * s0 + df * ratio) / (prior_df + df), np.nan), prior_df


def digamma(x):
    """psi(x) for x > 0 (arrays too): recurrence up to 6, then the asymptotic series."""
    x, shift = np.asarray(x, dtype=float), 0.0
    while np.any(x < 6):
        shift = shift - np.where(x < 6, 1 / x, 0)
        x = np.where(x < 6, x + 1, x)
    f = 1 / (x * x)
    return shift + np.log(x) - 0.5 / x - f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))))


def trigamma(x):
    """psi'(x) for x > 0 (arrays too): recurrence up to 6, then the asymptotic series."""
    x, shift = np.asarray(x, dtype=float), 0.0
    while np.any(x < 6):
        shift = shift + np.where(x < 6, 1 / (x * x), 0)
        x = np.where(x < 6, x + 1, x)
    f = 1 / (x * x)
    return shift + 1 / x + f / 2 + f / x * (1 / 6 - f * (1 / 30 - f * (1 / 42 - f / 30)))


def trigamma_inverse(y: float) -> float:
    """The x > 0 with trigamma(x) = Y (decreasing in x), by bisection on the log scale."""
    lo, hi = 1e-8, 1e8
    for _ in range(120):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if float(trigamma(mid)) > y else (lo, mid)
    return math.sqrt(lo * hi)


def coverage(lo: np.ndarray, hi: np.ndarray, fresh: np.ndarray) -> np.ndarray:
    """Per unit, the share of FRESH values (fresh draws x units) inside [LO, HI]; draws where the unit has no
    value are left out, NaN where no draw has one or the interval is undefined."""
    fresh = np.asarray(fresh, dtype=float)
    valid = np.isfinite(fresh)
    inside = valid & (fresh >= np.asarray(lo) - 1e-12) & (fresh <= np.asarray(hi) + 1e-12)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = inside.sum(axis=0) / valid.sum(axis=0)
    return np.where(np.isfinite(lo) & np.isfinite(hi) & (valid.sum(axis=0) > 0), share, np.nan)


def fresh_values(draw, seeds) -> np.ndarray:
    """Fresh draws x units: DRAW(seed) returns one fresh cohort's values (one lottery) for each unit."""
    return np.array([np.asarray(draw(int(s)), dtype=float) for s in seeds])


def checked(comparison) -> list[tuple]:
    """What the coverage check looks at, as (unit, quantity, mean, lo, hi): each school's FSM share under
    the policy and its change, and D across all schools under the policy and its change."""
    out = []
    share = comparison.school_table("fsm_share")
    for _, r in share.iterrows():
        out.append((str(r["name"]), "FSM share", r["policy_mean"], r["policy_lo"], r["policy_hi"]))
        out.append((str(r["name"]), "change in FSM share", r["change_mean"], r["change_lo"], r["change_hi"]))
    d = comparison.areas.set_index(["area", "metric"]).loc[("all", "D")]
    out.append(("all schools", "D", d["policy_mean"], d["policy_lo"], d["policy_hi"]))
    out.append(("all schools", "change in D", d["change_mean"], d["change_lo"], d["change_hi"]))
    return out
