"""Exact (mid-p) funnel positions for schools expecting few pupils of the group (docs/methodology.md §4.1).

Where a school expects fewer than SMALL pupils of the group (n t < SMALL, or n (1 - t) < SMALL), the normal
approximation is poor, so its flag comes from the count itself. Under the random-effects model the true
rate is theta = g^-1(g(t) + tau u), u ~ N(0, 1), and the count X ~ Binomial(n, theta); the predictive
distribution of X mixes the binomial over u (Gauss-Hermite quadrature, NODES points). The school's
position is the mid-p value F(x) = P(X < x) + P(X = x) / 2 (linear between whole counts, since pooled
counts per year need not be whole), reported as the equivalent normal score z = Phi^-1(F(x)): comparing
it with -/+1.96 and -/+3.09 is the mid-p test at 2.5% and 0.1% in each tail. With tau = 0 it is the plain
exact binomial mid-p test.
"""
from __future__ import annotations

from statistics import NormalDist

import numpy as np

from . import scales

SMALL = 5.0
NODES = 40
_CLIP = 1e-300


def is_small(community_rate, pupils):
    """True where the expected count of the group, or of the rest, is below SMALL."""
    t, n = np.asarray(community_rate, float), np.asarray(pupils, float)
    with np.errstate(invalid="ignore"):
        return np.isfinite(t) & (n > 0) & (np.minimum(n * t, n * (1.0 - t)) < SMALL)


def mid_p(count, pupils, community_rate, tau2=0.0, scale=scales.DEFAULT):
    """F(x) = P(X < x) + P(X = x) / 2 under the random-effects predictive distribution (module docstring),
    for every school; pupils rounded to whole children (at least 1), count a real number in [0, n].
    Where the group is the large part (t > 1/2) the rest is counted instead: F(x) = 1 - F_rest(n - x)."""
    n = np.maximum(1, np.rint(np.asarray(pupils, float))).astype(int)
    x = np.clip(np.asarray(count, float), 0.0, n)
    t = np.asarray(community_rate, float)
    out = np.empty(len(n))
    flip = t > 0.5
    if (~flip).any():
        out[~flip] = _mid_p(x[~flip], n[~flip], t[~flip], tau2, scale)
    if flip.any():
        out[flip] = 1.0 - _mid_p(n[flip] - x[flip], n[flip], 1.0 - t[flip], tau2, scale)
    return out


def _mid_p(x, n, t, tau2, scale):
    nodes, weights = np.polynomial.hermite_e.hermegauss(NODES if tau2 > 0 else 1)
    weights = weights / weights.sum()
    theta = scales.inverse(scale, scales.transform(scale, t)[:, None] + np.sqrt(tau2) * nodes[None, :])
    theta = np.clip(theta, 1e-12, 1 - 1e-12)
    top = int(np.ceil(x.max())) + 1 if len(x) else 0
    pmf = np.exp(n[:, None] * np.log1p(-theta))            # P(X = 0 | theta)
    below = np.zeros_like(pmf)                              # P(X < k | theta)
    mids = np.zeros((len(n), top + 1))                      # mid-p at k = 0 .. top, mixed over theta
    ratio = theta / (1.0 - theta)
    for k in range(top + 1):
        mids[:, k] = (below + 0.5 * pmf) @ weights
        below = below + pmf
        pmf = pmf * np.where(k < n, (n - k) / (k + 1.0), 0.0)[:, None] * ratio
    mids[np.arange(top + 1)[None, :] > n[:, None]] = 1.0
    low = np.floor(x).astype(int)
    high = np.minimum(low + 1, top)
    rows = np.arange(len(n))
    frac = x - low
    return np.clip(mids[rows, low] * (1 - frac) + mids[rows, high] * frac, 0.0, 1.0)


def normal_score(p):
    """Phi^-1(P) for each value (P clipped away from 0 and 1)."""
    inv = NormalDist().inv_cdf
    return np.array([inv(v) for v in np.clip(np.asarray(p, float), _CLIP, 1 - 1e-16)], dtype=float)
