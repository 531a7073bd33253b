"""Audit-wide settings (everything in `params` that is not a community-model parameter) and the
conversion of parameter values given as text (from the command line) to numbers or booleans."""
from __future__ import annotations

import math

import pandas as pd

from ..errors import RepauditError

GENERAL = {
    "overdispersion": ("additive", "allowance for over-dispersion in `flag`: additive (random-effects tau^2, "
                                   "Spiegelhalter 2005), multiplicative (z / sqrt(phi)) or none (plain binomial)"),
    "funnel_scale": ("logit", "scale on which the additive allowance is added: logit (default), arcsine "
                              "(asin sqrt p) or raw (percentage points: lower limits can fall below 0%)"),
    "conserve": (True, "rescale the community rates (on the odds, per phase and year) so that the schools' "
                       "pupil-weighted mean gap over all the schools the model covers is zero"),
    "min_trust_schools": (3, "audited schools a trust needs to be ranked"),
    "calibration_level": ("region", "finest level of the IDACI -> FSM fit: la (centres each LA on zero), "
                                    "region or england"),
    "calibration_min_schools": (10, "schools an LA (or region) needs for its own fit"),
    "calibrate_selective": (False, "let selective schools into the IDACI -> FSM fit"),
    "bootstrap_reps": (100, "replicates for the intervals of D and for D under random allocation"),
    "seed": (0, "random seed of the replicates"),
    "rank_draws": (200, "draws from each school's posterior gap for its rank interval (rank_low, rank_high)"),
}


MINIMUM = {"min_trust_schools": 1, "calibration_min_schools": 1, "bootstrap_reps": 0, "seed": 0, "rank_draws": 0}


def general(params: dict) -> dict:
    """The audit-wide settings: defaults, overridden by PARAMS (text converted to the default's type;
    the counts in MINIMUM must be whole numbers of at least their minimum)."""
    out = {k: v for k, (v, _) in GENERAL.items()}
    for key, value in params.items():
        if key in MINIMUM:
            out[key] = whole_number(key, value, MINIMUM[key])
        elif key in GENERAL:
            default = GENERAL[key][0]
            out[key] = coerce(key, value, type(default))
    levels = ("la", "region", "england")
    if out["calibration_level"] not in levels:
        raise RepauditError(f"parameter calibration_level must be one of {', '.join(levels)}; "
                            f"got '{out['calibration_level']}'")
    return out


def whole_number(key, value, minimum: int) -> int:
    """VALUE as an int of at least MINIMUM, or a RepauditError naming the parameter."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not math.isfinite(number) or number != int(number) or number < minimum:
        raise RepauditError(f"parameter {key} must be a whole number of {minimum} or more; got '{value}'")
    return int(number)


def coerce(key, value, kind):
    """VALUE as KIND (bool accepts true/false/yes/no/1/0), or a RepauditError naming the parameter."""
    if kind is bool and isinstance(value, str):
        if value.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if value.strip().lower() in ("0", "false", "no", "off"):
            return False
        raise RepauditError(f"parameter {key} must be true or false; got '{value}'")
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise RepauditError(f"parameter {key} must be a {kind.__name__}; got '{value}'") from None


def numeric_or_text(values: pd.Series) -> pd.Series:
    """Parameter values as floats when they all read as numbers, else as text (None stays None)."""
    present = values.dropna()
    try:
        pd.to_numeric(present)
        return pd.to_numeric(values).astype(float)
    except (TypeError, ValueError):
        return values.astype(object).where(values.notna(), None).map(lambda v: None if v is None else str(v))
