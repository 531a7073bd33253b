"""Scales for funnel limits on proportions (docs/methodology.md §4.1): a rate p is judged on g(p), where the
between-school spread tau is added, and limits are transformed back.

- `logit` (default): g(p) = log(p / (1 - p)), school rates as the empirical logit (x + 0.5) / (n + 1),
  standard error 1 / sqrt(n t (1 - t)) at the community rate t (delta method). Chosen on evidence: on the
  national FSM data the between-school spread estimated within each band of community FSM is about the same
  on this scale (gaps are proportional, like odds ratios), while on the arcsine scale it rises about 1.5-fold
  and on the raw scale 2.5-fold from the poorest-FSM band to the richest (docs/methodology.md §4.1).
- `arcsine`: g(p) = asin(sqrt(p)), binomial standard error 1/(2 sqrt(n)) whatever the rate
  (variance-stabilising), defined at 0 and 1; back-transform sin(v)^2 with v clipped to [0, pi/2].
- `raw`: g(p) = p, standard error sqrt(t (1 - t) / n): the additive allowance in percentage points
  (Spiegelhalter 2005 as first published; lower limits can fall below 0%).
"""
from __future__ import annotations

import numpy as np

SCALES = ("arcsine", "logit", "raw")
DEFAULT = "logit"


def _arr(x):
    return np.asarray(x, dtype=float)


def transform(scale: str, rate, pupils=None):
    """g(RATE); on the logit scale a school rate needs PUPILS for the empirical logit (None: plain logit)."""
    p = _arr(rate)
    if scale == "arcsine":
        return np.arcsin(np.sqrt(np.clip(p, 0.0, 1.0)))
    if scale == "logit":
        if pupils is not None:
            n = _arr(pupils)
            p = (p * n + 0.5) / (n + 1.0)
        with np.errstate(divide="ignore"):
            return np.log(p) - np.log1p(-p)
    return p


def inverse(scale: str, value):
    """The rate whose g is VALUE (arcsine values clipped to [0, pi/2])."""
    v = _arr(value)
    if scale == "arcsine":
        return np.sin(np.clip(v, 0.0, np.pi / 2)) ** 2
    if scale == "logit":
        return 1.0 / (1.0 + np.exp(-v))
    return v


def standard_error(scale: str, community_rate, pupils):
    """The binomial standard error of g(school rate) around g(community rate); NaN where there is none
    (no pupils, or a community rate of 0 or 1 on the logit and raw scales)."""
    t, n = np.broadcast_arrays(_arr(community_rate), _arr(pupils))
    safe_n = np.where(n > 0, n, 1.0)
    if scale == "arcsine":
        se = 0.5 / np.sqrt(safe_n)
        return np.where((n > 0) & (t > 0) & (t < 1), se, np.nan)
    variance = t * (1.0 - t)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = 1.0 / np.sqrt(safe_n * variance) if scale == "logit" else np.sqrt(variance / safe_n)
    return np.where((n > 0) & (t > 0) & (t < 1), se, np.nan)


def slope(scale: str, rate):
    """dp/dg at RATE: how a spread on the scale maps to percentage points near that rate."""
    p = _arr(rate)
    if scale == "arcsine":
        return 2.0 * np.sqrt(p * (1.0 - p))
    if scale == "logit":
        return p * (1.0 - p)
    return np.ones_like(p)


def limits(scale: str, community_rate, pupils, tau2, k):
    """The normal-theory funnel limits g^-1(g(t) -/+ k sqrt(s^2 + tau^2)), inside [0, 1]."""
    centre = transform(scale, community_rate)
    width = k * np.sqrt(standard_error(scale, community_rate, pupils) ** 2 + _arr(tau2))
    low, high = inverse(scale, centre - width), inverse(scale, centre + width)
    return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)
