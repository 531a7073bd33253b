"""The synthetic LSOAs: a jittered 8 x 8 grid of polygons near Derby, with deprivation and people.

Neighbouring cells share their vertices exactly, so the polygons tile the region without gaps
or overlaps. Deprivation (IDACI) is a smooth field with two deprived neighbourhoods (an old
town centre-west and an estate in the south-east) and affluent suburbs to the north, plus noise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .noise import Noise, round_to_total
from .region import LA_NAME, LSOA_PREFIX, MSOA_PREFIX

NX, NY = 8, 8
CELL = 1500.0                              # metres
ORIGIN = (432000.0, 333000.0)              # south-west corner, British National Grid
VERTEX_JITTER = 0.22                       # share of a cell
MIDPOINT_JITTER = 0.12
DEPRIVED_CENTRES = (((2.6, 3.4), 0.40, 1.4), ((6.3, 1.7), 0.34, 1.1))   # (grid x, y), height, spread
AGE_BANDS = (
    ("Aged 4 years and under", 0, 4), ("Aged 5 to 9 years", 5, 9), ("Aged 10 to 14 years", 10, 14),
    ("Aged 15 to 19 years", 15, 19), ("Aged 20 to 24 years", 20, 24), ("Aged 25 to 29 years", 25, 29),
    ("Aged 30 to 34 years", 30, 34), ("Aged 35 to 39 years", 35, 39), ("Aged 40 to 44 years", 40, 44),
    ("Aged 45 to 49 years", 45, 49), ("Aged 50 to 54 years", 50, 54), ("Aged 55 to 59 years", 55, 59),
    ("Aged 60 to 64 years", 60, 64), ("Aged 65 to 69 years", 65, 69), ("Aged 70 to 74 years", 70, 74),
    ("Aged 75 to 79 years", 75, 79), ("Aged 80 to 84 years", 80, 84), ("Aged 85 years and over", 85, None),
)
AGE_SHARES = np.array([5.4, 5.9, 6.0, 5.6, 6.0, 6.7, 6.9, 6.6, 6.3, 6.4, 6.9, 6.7, 5.8, 5.0, 5.0, 3.6, 2.4, 2.4])


@dataclass
class Geography:
    """Everything known about the LSOAs, in LSOA order (index k = row * NX + column)."""

    codes: list[str]
    names: list[str]
    msoa_codes: list[str]
    msoa_names: list[str]
    vertices: np.ndarray            # (v, 2) coordinates of every lattice vertex and edge midpoint
    rings: list[list[int]]          # per LSOA, vertex ids of its counter-clockwise ring (not closed)
    centre: np.ndarray              # (n, 2) mean of each cell's corner vertices
    pwc: np.ndarray                 # (n, 2) population-weighted centroid
    idaci: np.ndarray               # 0-1 proportions, 3 decimals as IoD publishes
    income: np.ndarray
    idaopi: np.ndarray
    population: np.ndarray          # (n, 18) residents by AGE_BANDS

    def ring_coords(self, k: int) -> np.ndarray:
        """Closed ring of LSOA k as an (m + 1, 2) array."""
        ids = self.rings[k] + self.rings[k][:1]
        return self.vertices[ids]

    def children(self, age_min: int, age_max: int) -> np.ndarray:
        """Residents aged AGE_MIN..AGE_MAX per LSOA, spreading each five-year band evenly over its ages."""
        out = np.zeros(len(self.codes))
        for b, (_, lo, hi) in enumerate(AGE_BANDS):
            hi = 89 if hi is None else hi
            overlap = max(0, min(hi, age_max) - max(lo, age_min) + 1)
            out += self.population[:, b] * overlap / (hi - lo + 1)
        return out


def build_geography(noise: Noise) -> Geography:
    """Draw the grid, deprivation and population; all draws happen here, in a fixed order."""
    vertices, corner_id, h_mid, v_mid = _lattice(noise)
    rings, centre = [], []
    for j in range(NY):
        for i in range(NX):
            rings.append([corner_id[i, j], h_mid[i, j], corner_id[i + 1, j], v_mid[i + 1, j],
                          corner_id[i + 1, j + 1], h_mid[i, j + 1], corner_id[i, j + 1], v_mid[i, j]])
            centre.append(vertices[[corner_id[i, j], corner_id[i + 1, j], corner_id[i + 1, j + 1],
                                    corner_id[i, j + 1]]].mean(axis=0))
    centre = np.round(np.array(centre), 1)
    n = NX * NY
    pwc = np.round(centre + noise.uniform((n, 2), -0.10, 0.10) * CELL, 4)
    idaci = _idaci(noise)
    income = np.round(np.clip(0.72 * idaci + 0.02 + noise.normal(n, 0.01), 0.01, 0.6), 3)
    idaopi = np.round(np.clip(0.55 * idaci + 0.05 + noise.normal(n, 0.015), 0.01, 0.6), 3)
    population = _population(noise, idaci)
    codes, names, msoa_codes, msoa_names = _names()
    return Geography(codes, names, msoa_codes, msoa_names, vertices, rings, centre, pwc,
                     idaci, income, idaopi, population)


def _lattice(noise: Noise):
    """Jittered corner vertices plus one jittered midpoint per edge, each with an integer id."""
    gx, gy = np.meshgrid(np.arange(NX + 1, dtype=float), np.arange(NY + 1, dtype=float), indexing="ij")
    jitter = noise.uniform((NX + 1, NY + 1, 2), -VERTEX_JITTER, VERTEX_JITTER)
    jitter[[0, -1], :, 0] = 0.0            # the outline stays a rectangle: boundary vertices
    jitter[:, [0, -1], 1] = 0.0            # only slide along their own side
    jitter[[0, -1], :, 1] *= 0.5
    jitter[:, [0, -1], 0] *= 0.5
    corners = np.stack([gx, gy], axis=-1) + jitter
    coords = [c for c in corners.reshape(-1, 2)]
    corner_id = np.arange((NX + 1) * (NY + 1)).reshape(NX + 1, NY + 1)

    def midpoint(a, b, boundary, offset):
        mid = (corners[a] + corners[b]) / 2.0
        if not boundary:
            d = corners[b] - corners[a]
            mid = mid + offset * np.array([-d[1], d[0]]) / np.hypot(*d)
        coords.append(mid)
        return len(coords) - 1

    h_off = noise.uniform((NX, NY + 1), -MIDPOINT_JITTER, MIDPOINT_JITTER)
    v_off = noise.uniform((NX + 1, NY), -MIDPOINT_JITTER, MIDPOINT_JITTER)
    h_mid = np.zeros((NX, NY + 1), dtype=int)
    v_mid = np.zeros((NX + 1, NY), dtype=int)
    for i in range(NX):
        for j in range(NY + 1):
            h_mid[i, j] = midpoint((i, j), (i + 1, j), j in (0, NY), h_off[i, j])
    for i in range(NX + 1):
        for j in range(NY):
            v_mid[i, j] = midpoint((i, j), (i, j + 1), i in (0, NX), v_off[i, j])
    vertices = np.round(np.array(coords) * CELL + np.array(ORIGIN), 1)
    return vertices, corner_id, h_mid, v_mid


def _idaci(noise: Noise) -> np.ndarray:
    gx, gy = np.meshgrid(np.arange(NX) + 0.5, np.arange(NY) + 0.5, indexing="xy")
    field = np.full(gx.shape, 0.06)
    for (cx, cy), height, spread in DEPRIVED_CENTRES:
        field += height * np.exp(-((gx - cx) ** 2 + (gy - cy) ** 2) / (2 * spread ** 2))
    field = field.reshape(-1) * np.exp(noise.normal(NX * NY, 0.18))
    return np.round(np.clip(field, 0.02, 0.62), 3)


def _population(noise: Noise, idaci: np.ndarray) -> np.ndarray:
    """Residents by age band: deprived LSOAs are younger, as in England."""
    n = len(idaci)
    totals = np.round(noise.uniform(n, 1300, 2100)).astype(int)
    tilt = np.ones((n, len(AGE_BANDS)))
    tilt[:, :4] += 0.9 * (idaci[:, None] - 0.2)
    tilt[:, 13:] -= 0.8 * (idaci[:, None] - 0.2)
    shares = AGE_SHARES[None, :] * tilt * np.exp(noise.normal((n, len(AGE_BANDS)), 0.08))
    return np.array([round_to_total(shares[k], totals[k]) for k in range(n)])


def _names():
    codes, names, msoa_codes, msoa_names = [], [], [], []
    for j in range(NY):
        for i in range(NX):
            k = j * NX + i
            msoa = (j // 2) * (NX // 2) + (i // 2) + 1
            letter = "ABCD"[(j % 2) * 2 + (i % 2)]
            codes.append(f"{LSOA_PREFIX}{k + 1:03d}")
            names.append(f"{LA_NAME} {msoa:03d}{letter}")
            msoa_codes.append(f"{MSOA_PREFIX}{msoa:03d}")
            msoa_names.append(f"{LA_NAME} {msoa:03d}")
    return codes, names, msoa_codes, msoa_names


def contains(ring: np.ndarray, point) -> bool:
    """Point-in-polygon by ray casting on a closed ring (boundary points may go either way)."""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(ring[:-1], ring[1:]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def lsoa_at(geo: Geography, point) -> int:
    """Index of the LSOA containing POINT; a point outside every LSOA is a programming error."""
    for k in range(len(geo.codes)):
        if contains(geo.ring_coords(k), point):
            return k
    raise ValueError(f"point {point} lies outside the synthetic region")
