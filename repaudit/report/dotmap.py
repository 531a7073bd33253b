"""A small static overview map for the report: every drawn school as an SVG dot coloured by its gap,
so the report shows the geography even offline (the interactive map is a separate file). Above MANY
schools the dots are compact paths without outlines or tooltips."""
from __future__ import annotations

import html
import math

import pandas as pd

from ..maps.palette import gap_colour
from .svg import MANY, dot_paths

WIDTH = 640


def dotmap_svg(drawn: pd.DataFrame, caption: str) -> str:
    """Equirectangular dots (x scaled by cos latitude) of DRAWN rows (lon, lat, gap_pp, flag, name, urn)."""
    rows = drawn.dropna(subset=["lon", "lat"])
    if rows.empty:
        return '<p class="empty">No school has a location to draw.</p>'
    lat0 = math.radians(float(rows["lat"].mean()))
    xs, ys = rows["lon"] * math.cos(lat0), rows["lat"]
    span = max(float(xs.max() - xs.min()), float(ys.max() - ys.min()), 1e-3)
    scale = (WIDTH - 40) / span
    height = int((float(ys.max() - ys.min())) * scale) + 40
    out = [f'<svg class="dotmap" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
           f'height="{height}" role="img" aria-label="{html.escape(caption)}">',
           f'<rect width="{WIDTH}" height="{height}" fill="#f4f4f0"/>']
    radius = 4 if len(rows) < 500 else 2 if len(rows) < 5000 else 1.2
    x_of = lambda x: 20 + (x - xs.min()) * scale
    y_of = lambda y: 20 + (ys.max() - y) * scale
    hidden = rows["suppressed"].astype(bool) if "suppressed" in rows else pd.Series(False, rows.index)
    colours = [gap_colour(None if h else g) for g, h in zip(rows["gap_pp"], hidden)]
    if len(rows) > MANY:
        out.append(dot_paths(zip(x_of(xs), y_of(ys), colours), radius))
        out.append("</svg>")
        return "\n".join(out)
    for row, x, y, colour in zip(rows.itertuples(index=False), xs, ys, colours):
        strong = row.flag in ("below_998", "above_998")
        stroke = ' stroke="#000" stroke-width="1.5"' if strong else ' stroke="#333" stroke-width="0.8"' if row.flag in (
            "below_95", "above_95") else ""
        out.append(f'<circle data-urn="{int(row.urn)}" cx="{x_of(x):.1f}" cy="{y_of(y):.1f}" r="{radius}" '
                   f'fill="{colour}"{stroke}><title>{html.escape(str(row.name))}</title></circle>')
    out.append("</svg>")
    return "\n".join(out)
