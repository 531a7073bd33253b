"""Coarse outlines of England and Wales, and of the rest of the British Isles near them (Scotland, the Isle of
Man), as longitude/latitude rings drawn from well-known coastal points and the Scottish border. They are our
own sketch, accurate to about 5 km: good enough to tell a point on land from one in the open sea, not to
place a point on the right side of a beach, which is why the checks that use them allow a margin."""
from __future__ import annotations

from functools import lru_cache

import shapely
from pyproj import Transformer

ENGLAND_WALES = [
    (-2.04, 55.81), (-1.80, 55.68), (-1.64, 55.58), (-1.58, 55.45), (-1.56, 55.33), (-1.50, 55.13),
    (-1.42, 55.02), (-1.36, 54.91), (-1.18, 54.69), (-1.06, 54.62), (-0.61, 54.49), (-0.40, 54.28),
    (-0.07, 54.12), (-0.17, 53.91), (0.11, 53.58), (0.02, 53.52), (0.26, 53.34), (0.34, 53.14),
    (0.33, 52.98), (0.20, 52.90), (0.49, 52.94), (0.85, 52.97), (1.30, 52.93), (1.73, 52.61),
    (1.76, 52.48), (1.68, 52.32), (1.58, 52.09), (1.35, 51.96), (1.28, 51.85), (1.15, 51.79),
    (0.95, 51.60), (0.80, 51.53), (0.72, 51.46), (0.90, 51.41), (1.13, 51.37), (1.45, 51.38),
    (1.37, 51.14), (1.08, 51.07), (0.98, 50.91), (0.58, 50.85), (0.25, 50.73), (-0.14, 50.81),
    (-0.79, 50.72), (-1.07, 50.69), (-1.30, 50.57), (-1.59, 50.66), (-1.76, 50.71), (-1.95, 50.59),
    (-2.06, 50.58), (-2.46, 50.51), (-2.94, 50.72), (-3.41, 50.61), (-3.48, 50.40), (-3.64, 50.22),
    (-3.79, 50.21), (-4.22, 50.31), (-4.80, 50.22), (-5.20, 49.95), (-5.68, 50.04), (-5.72, 50.06),
    (-5.71, 50.13), (-5.48, 50.21), (-5.08, 50.42), (-5.03, 50.55), (-4.55, 50.83), (-4.53, 51.02),
    (-4.26, 51.14), (-4.21, 51.19), (-3.83, 51.23), (-3.47, 51.21), (-3.13, 51.21), (-2.98, 51.34),
    (-2.70, 51.50), (-2.64, 51.61), (-2.99, 51.55), (-3.17, 51.43), (-3.40, 51.39), (-3.70, 51.48),
    (-3.80, 51.58), (-3.98, 51.57), (-4.33, 51.56), (-4.25, 51.68), (-4.70, 51.67), (-4.94, 51.60),
    (-5.07, 51.62), (-5.17, 51.68), (-5.31, 51.90), (-5.07, 52.03), (-4.70, 52.10), (-4.26, 52.24),
    (-4.09, 52.41), (-4.05, 52.54), (-4.06, 52.72), (-4.11, 52.86), (-4.41, 52.88), (-4.78, 52.80),
    (-4.57, 52.94), (-4.35, 53.10), (-4.70, 53.31), (-4.57, 53.40), (-4.29, 53.42), (-4.04, 53.31),
    (-3.86, 53.34), (-3.49, 53.32), (-3.32, 53.36), (-3.19, 53.37), (-3.04, 53.44), (-3.09, 53.56),
    (-3.02, 53.65), (-3.06, 53.82), (-3.01, 53.93), (-2.92, 54.03), (-3.26, 54.05), (-3.27, 54.21),
    (-3.41, 54.35), (-3.64, 54.51), (-3.57, 54.64), (-3.50, 54.72), (-3.40, 54.87), (-3.22, 54.95),
    (-3.07, 54.99), (-2.58, 55.20), (-2.48, 55.35), (-2.14, 55.48), (-2.25, 55.65),
]
SCILLY = [(-6.45, 49.86), (-6.20, 49.86), (-6.20, 50.00), (-6.45, 50.00)]
# Scotland with its islands as one generous ring (Solway coast, Galloway, Kintyre, the Hebrides, Shetland,
# Orkney, the east coast, the border), and the Isle of Man as a box.
SCOTLAND = [
    (-3.07, 54.99), (-3.60, 54.87), (-4.05, 54.78), (-4.39, 54.68), (-4.86, 54.63), (-5.16, 55.00),
    (-5.80, 55.29), (-6.50, 55.55), (-7.70, 56.80), (-7.70, 58.00), (-6.20, 58.55), (-5.00, 58.65),
    (-3.37, 58.70), (-3.40, 59.40), (-1.80, 60.90), (-0.70, 60.90), (-1.20, 59.80), (-2.30, 59.40),
    (-2.90, 58.64), (-3.09, 58.44), (-3.77, 57.86), (-2.96, 57.68), (-1.98, 57.70), (-1.75, 57.50),
    (-2.07, 57.14), (-2.45, 56.70), (-2.58, 56.28), (-2.52, 56.00), (-2.13, 55.92), (-2.04, 55.81),
    (-2.25, 55.65), (-2.14, 55.48), (-2.48, 55.35), (-2.58, 55.20),
]
ISLE_OF_MAN = [(-4.85, 54.04), (-4.30, 54.04), (-4.30, 54.42), (-4.85, 54.42)]


@lru_cache(maxsize=1)
def england_wales_bng() -> shapely.Geometry:
    """England and Wales (with the Isles of Scilly) as a polygon in British National Grid metres."""
    return _union([ENGLAND_WALES, SCILLY])


@lru_cache(maxsize=1)
def elsewhere_bng() -> shapely.Geometry:
    """Scotland and the Isle of Man (the land a point just outside England and Wales usually lies on)."""
    return _union([SCOTLAND, ISLE_OF_MAN])


def _union(rings) -> shapely.Geometry:
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    polygons = [shapely.Polygon(list(zip(*to_bng.transform(*zip(*ring))))) for ring in rings]
    geometry = shapely.union_all(polygons)
    shapely.prepare(geometry)
    return geometry
