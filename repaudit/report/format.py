"""How numbers are written in the report (and read back by its tests): one function per kind of value."""
from __future__ import annotations

import math

MISSING = "n/a"
SUPPRESSED = "suppressed"


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x != x


def pct(rate, hidden=False) -> str:
    """0.1234 -> '12.3%'."""
    return SUPPRESSED if hidden else MISSING if _missing(rate) else f"{100 * float(rate):.1f}%"


def gap(pp, hidden=False) -> str:
    """-10 -> '-10.0', 2.345 -> '+2.3' (percentage points)."""
    return SUPPRESSED if hidden else MISSING if _missing(pp) else f"{float(pp):+.1f}"


def num(x, decimals=2, hidden=False) -> str:
    return SUPPRESSED if hidden else MISSING if _missing(x) else f"{float(x):.{decimals}f}"


def count(x, hidden=False) -> str:
    """1296.0 -> '1,296'."""
    return SUPPRESSED if hidden else MISSING if _missing(x) else f"{round(float(x)):,}"


def text(x) -> str:
    return "" if _missing(x) else str(x)
