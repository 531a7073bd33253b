"""Merge LSOA cells into one outline (a catchment) without a geometry library.

Cells share vertex ids along common edges, so an edge inside the group appears once in each
direction and cancels; the edges left over are the outline. Walking them, always taking the
left-most turn, separates rings that only touch at a corner. Doing this by hand (rather than
with GEOS) keeps the output's vertex order identical on every machine.
"""
from __future__ import annotations

import math

import numpy as np

from .geography import contains


def merge_cells(vertices: np.ndarray, rings: list[list[int]]) -> list[list[np.ndarray]]:
    """Polygons (exterior ring, then holes; rings closed) covering the union of counter-clockwise RINGS."""
    edges = set()
    for ring in rings:
        for a, b in zip(ring, ring[1:] + ring[:1]):
            if (b, a) in edges:
                edges.remove((b, a))
            else:
                edges.add((a, b))
    outgoing: dict[int, list[int]] = {}
    for a, b in sorted(edges):
        outgoing.setdefault(a, []).append(b)
    loops = []
    while outgoing:
        start = min(outgoing)
        loop = [start, _take(outgoing, start, None, vertices)]
        while loop[-1] != start:
            loop.append(_take(outgoing, loop[-1], loop[-2], vertices))
        loops.append(vertices[loop])
    shells = [r for r in loops if signed_area(r) > 0]
    holes = [r for r in loops if signed_area(r) < 0]
    polygons = [[s] for s in shells]
    for hole in holes:
        owner = next(p for p in polygons if contains(p[0], hole[0]))
        owner.append(hole)
    return polygons


def _take(outgoing: dict[int, list[int]], at: int, came_from: int | None, vertices: np.ndarray) -> int:
    """Remove and return the next vertex from AT: the left-most turn when there is a choice."""
    options = outgoing[at]
    if len(options) == 1 or came_from is None:
        nxt = options[0]
    else:
        d_in = vertices[at] - vertices[came_from]
        nxt = max(options, key=lambda b: _turn(d_in, vertices[b] - vertices[at]))
    options.remove(nxt)
    if not options:
        del outgoing[at]
    return nxt


def _turn(d_in, d_out) -> float:
    return math.atan2(d_in[0] * d_out[1] - d_in[1] * d_out[0], d_in[0] * d_out[0] + d_in[1] * d_out[1])


def signed_area(ring: np.ndarray) -> float:
    """Shoelace area of a closed ring: positive when counter-clockwise."""
    x, y = ring[:, 0], ring[:, 1]
    return float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]) / 2.0)

