"""Colours for the map and report: a diverging, colour-blind-safe scale for gaps centred on 0, and a
sequential scale for community rates. The browser gets the same breaks and colours as JSON."""
from __future__ import annotations

import math

# ColorBrewer RdBu, 9 classes (colour-blind safe): red = the school under-represents the group,
# blue = over-represents, the pale middle class is "within 2 percentage points".
GAP_COLOURS = ("#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#f7f7f7",
               "#d1e5f0", "#92c5de", "#4393c3", "#2166ac")
GAP_BREAKS = (-15.0, -10.0, -5.0, -2.0, 2.0, 5.0, 10.0, 15.0)   # percentage points
NO_DATA = "#bdbdbd"

# ColorBrewer Purples, 5 classes, for community rates (LSOA choropleth and fallbacks).
RATE_COLOURS = ("#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f")


def _bin(value, breaks) -> int:
    """Index of the class holding VALUE: class k holds breaks[k-1] <= value < breaks[k]."""
    return sum(1 for b in breaks if value >= b)


def gap_colour(gap_pp) -> str:
    """Fill colour for a gap in percentage points (grey when the gap is missing or suppressed)."""
    if gap_pp is None or (isinstance(gap_pp, float) and math.isnan(gap_pp)):
        return NO_DATA
    return GAP_COLOURS[_bin(float(gap_pp), GAP_BREAKS)]


def gap_legend() -> list[tuple[str, str]]:
    """(colour, label) pairs from most under-representing to most over-representing."""
    b = GAP_BREAKS
    labels = [f"below {b[0]:+.0f}"]
    labels += [f"{lo:+.0f} to {hi:+.0f}" for lo, hi in zip(b[:-1], b[1:])]
    labels += [f"{b[-1]:+.0f} and above"]
    labels[len(b) // 2] = f"within ±{b[len(b) // 2]:.0f}"
    return list(zip(GAP_COLOURS, labels))


def rate_edges(rates, classes: int = len(RATE_COLOURS)) -> list[float]:
    """Equal-interval class edges from the smallest to the largest rate, rounded to 0.1 percentage points."""
    values = [float(r) for r in rates if r is not None and not math.isnan(float(r))]
    if not values:
        return []
    lo, hi = min(values), max(values)
    if hi - lo < 1e-9:
        return [round(lo, 3), round(hi, 3)]
    step = (hi - lo) / classes
    return [round(lo + step * k, 3) for k in range(classes + 1)]


def rate_breaks(rates, classes: int = len(RATE_COLOURS)) -> list[float]:
    """The inner edges: class k holds breaks[k-1] <= rate < breaks[k]."""
    return rate_edges(rates, classes)[1:-1]


def rate_colour(rate, breaks) -> str:
    """Fill colour of a community rate on the sequential scale with the given breaks."""
    if rate is None or math.isnan(float(rate)):
        return NO_DATA
    return RATE_COLOURS[_bin(float(rate), breaks)]


def palette_json() -> dict:
    """What the browser needs to colour features exactly as `gap_colour` and `rate_colour` do."""
    return {"gap_breaks": list(GAP_BREAKS), "gap_colours": list(GAP_COLOURS),
            "rate_colours": list(RATE_COLOURS), "no_data": NO_DATA, "gap_legend": gap_legend()}
