"""Are British National Grid coordinates a place in England or Wales? Each point is usable, swapped (easting and
northing the wrong way round: corrected, with a note), or unusable with a reason: 0, 0, longitude/latitude
degrees written as metres, in Scotland or the Isle of Man, or in the sea / outside Great Britain. Polygons are checked
for lying wholly outside. The land test uses the coarse outlines in outlines.py with a margin of MARGIN metres,
so a point up to that far out to sea passes (every real LSOA centroid and school lies within 6.5 km)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from .outlines import elsewhere_bng, england_wales_bng

MARGIN = 10_000.0
OUTSIDE_REASON = ("the feature lies wholly outside England and Wales (in the sea, Scotland or further away): "
                  "is it in another CRS than the one read?")


@dataclass
class PointCheck:
    """Coordinates after the checks: x, y (swapped rows put right), why each row is unusable (None if usable),
    which rows were swapped and which lie in Scotland or the Isle of Man (unusable too)."""

    x: np.ndarray
    y: np.ndarray
    reasons: np.ndarray
    swapped: np.ndarray
    elsewhere: np.ndarray

    def swap_note(self, lines, xname: str = "easting", yname: str = "northing") -> str | None:
        """'2 rows had easting and northing swapped (rows 4, 9): put the right way round', or None."""
        if not self.swapped.any():
            return None
        rows = np.asarray(lines)[self.swapped]
        shown = ", ".join(map(str, rows[:20])) + (" ..." if len(rows) > 20 else "")
        return (f"{len(rows)} row{'s' if len(rows) > 1 else ''} had {xname} and {yname} swapped (rows {shown}): the "
                "values lie outside England and Wales as given and inside when exchanged, so they were exchanged")


def check_points(x, y, xname: str = "easting", yname: str = "northing") -> PointCheck:
    """Check each finite (x, y) in British National Grid metres; NaN rows are left to the caller."""
    x, y = np.asarray(x, dtype=float).copy(), np.asarray(y, dtype=float).copy()
    reasons = np.full(len(x), None, dtype=object)
    swapped = np.zeros(len(x), dtype=bool)
    beyond = np.zeros(len(x), dtype=bool)
    finite = np.isfinite(x) & np.isfinite(y)
    zero = finite & (x == 0) & (y == 0)
    reasons[zero] = f"{xname} 0, {yname} 0 is no location (a placeholder for a missing one)"
    degrees = finite & ~zero & (np.abs(x) <= 180) & (np.abs(y) <= 90)
    for i in np.flatnonzero(degrees):
        reasons[i] = (f"{xname} {x[i]:g}, {yname} {y[i]:g} look like longitude/latitude degrees, not British "
                      "National Grid metres: convert them to eastings and northings (EPSG:27700)")
    rest = finite & ~zero & ~degrees
    near = np.zeros(len(x), dtype=bool)
    near[rest] = shapely.dwithin(england_wales_bng(), shapely.points(x[rest], y[rest]), MARGIN)
    doubtful = np.flatnonzero(rest & ~near)
    if len(doubtful):
        points = shapely.points(x[doubtful], y[doubtful])
        elsewhere = shapely.dwithin(elsewhere_bng(), points, MARGIN)
        exchanged = shapely.contains_xy(england_wales_bng(), y[doubtful], x[doubtful])
        distance = shapely.distance(england_wales_bng(), points)
        for i, other, swap, metres in zip(doubtful, elsewhere, exchanged, distance):
            where = f"{xname} {x[i]:,.0f}, {yname} {y[i]:,.0f}"
            if other:
                reasons[i] = f"{where} lies outside England and Wales (in Scotland or the Isle of Man)"
                beyond[i] = True
            elif swap:
                x[i], y[i] = y[i], x[i]
                swapped[i] = True
            else:
                reasons[i] = (f"{where} lies in the sea or outside Great Britain ({metres / 1000:,.0f} km from the "
                              "coast of England and Wales)")
    return PointCheck(x, y, reasons, swapped, beyond)


def features_outside(geoms: np.ndarray) -> np.ndarray:
    """True for geometries lying wholly more than MARGIN metres outside England and Wales (None -> False)."""
    geoms = np.asarray(geoms, dtype=object)
    present = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    outside = np.zeros(len(geoms), dtype=bool)
    if present.any():
        outside[present] = ~shapely.dwithin(england_wales_bng(), geoms[present], MARGIN)
    return outside


def check_school_coordinates(cols, problems, notes: list[str]):
    """GIAS Easting/Northing cells checked in place. Emptied with a note: 0, 0 (GIAS's 'no location') and places
    in Scotland or the Isle of Man (GIAS lists offshore and Scottish establishments; none is in an English LA).
    Exchanged with a note: swapped pairs. Rejected with their reason: degrees, the sea, anywhere further.
    Returns COLS with the cells rewritten; cells that are not numbers are left for the loader's own note."""
    if "easting" not in cols or "northing" not in cols:
        return cols
    from .reader import parse_number

    x = np.array(parse_number(cols["easting"]), dtype=float)
    y = np.array(parse_number(cols["northing"]), dtype=float)
    zero = (x == 0) & (y == 0)
    if zero.any():
        count = int(zero.sum())
        notes.append(f"{count} school{'s have' if count > 1 else ' has'} Easting 0, Northing 0 (GIAS's placeholder for "
                     "no location, e.g. offshore schools): stored without a location")
        x[zero], y[zero] = np.nan, np.nan
    check = check_points(x, y, "Easting", "Northing")
    away = check.elsewhere & problems.ok
    if away.any():
        urns = ", ".join(map(str, cols["urn"][away].head(10))) + (" ..." if away.sum() > 10 else "")
        count = int(away.sum())
        notes.append(f"{count} school{'s lie' if count > 1 else ' lies'} in Scotland or the Isle of Man, outside "
                     f"England and Wales: stored without a location (URN {urns})")
        check.reasons[check.elsewhere] = None
        check.x[check.elsewhere], check.y[check.elsewhere] = np.nan, np.nan
    problems.flag(np.array([r is not None for r in check.reasons]), check.reasons)
    swap = check.swap_note(problems.table.line, "Easting", "Northing")
    if swap:
        notes.append(swap)
    cols = cols.copy()
    changed = zero | check.swapped | check.elsewhere
    cols.loc[changed, "easting"] = [("" if np.isnan(v) else repr(float(v))) for v in check.x[changed]]
    cols.loc[changed, "northing"] = [("" if np.isnan(v) else repr(float(v))) for v in check.y[changed]]
    return cols
