"""Compact SVG for thousands of points: one <path> per colour whose zero-length, round-capped segments
draw as dots (about 14 bytes a point instead of a <circle> element each)."""
from __future__ import annotations

from collections import defaultdict

MANY = 2000        # above this many points, unflagged ones are drawn as dot paths without tooltips


def dot_paths(points, radius: float, css_class: str = "dots") -> str:
    """POINTS is an iterable of (x, y, colour); returns one <path> per colour."""
    by_colour = defaultdict(list)
    for x, y, colour in points:
        by_colour[colour].append(f"M{x:.1f} {y:.1f}h0")
    return "\n".join(
        f'<path class="{css_class}" d="{"".join(moves)}" stroke="{colour}" stroke-width="{2 * radius:g}" '
        f'stroke-linecap="round" fill="none"/>'
        for colour, moves in sorted(by_colour.items()))
