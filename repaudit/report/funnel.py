"""Funnel plot of one indicator as inline SVG: school rate against pupils with the 95% and 99.8% limits.
Flagged schools are outlined circles with a tooltip (the most extreme are labelled); with more than MANY
schools, all but the TOOLTIPS most extreme are drawn as compact dot paths (flagged ones with a dark ring).

Schools are compared with different community rates, so each is drawn at the rate it would show around
the pupil-weighted mean community rate P with the same z, on the scale of the flags (repaudit/auditing/
scales.py): y = g^-1(g(P) + z sqrt(s(P, n)^2 + TAU2)), with the limits g^-1(g(P) -/+ k sqrt(s(P, n)^2 + TAU2)).
The z drawn is the flags' own (`z_adjusted`: allowing for over-dispersion, exact mid-p for small counts), so
a school is outside a drawn limit exactly when its flag says so; with one community rate for all and no
allowance, y is the school's rate.
"""
from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd

from ..auditing import scales
from ..auditing.stats import Z95, Z998
from ..maps.features import FLAGGED
from ..maps.palette import gap_colour
from .svg import MANY, dot_paths

WIDTH, HEIGHT = 720, 420
MARGIN = {"left": 64, "right": 24, "top": 20, "bottom": 48}
LIMITS = (("95", Z95, "#555555", "5 4"), ("998", Z998, "#111111", "none"))
TOOLTIPS = 200       # with many schools, only this many of the most extreme flagged ones get a circle with a tooltip


def plotted(schools: pd.DataFrame) -> pd.DataFrame:
    """Rows that can be placed: audited, not suppressed, with pupils and a finite z; adds column y."""
    rows = schools[(schools["status"] == "audited") & schools["z"].notna() & (schools["pupils"] > 0)].copy()
    if "suppressed" in rows:
        rows = rows[~rows["suppressed"].astype(bool)]
    return rows


def centre(rows: pd.DataFrame) -> float:
    """P: the pupil-weighted mean community rate."""
    return float((rows["pupils"] * rows["community_rate"]).sum() / rows["pupils"].sum())


def standardised_rate(z, pupils, p_bar, tau2=0.0, scale="raw"):
    """g^-1(g(P) + z sqrt(s(P, n)^2 + tau^2)) on SCALE: the school's position on a funnel centred on P
    (on the raw scale P + z sqrt(P (1 - P) / n + tau^2)); with z = -/+k, the funnel limits."""
    pupils = np.asarray(pupils, float)
    spread = np.sqrt(scales.standard_error(scale, p_bar, pupils) ** 2 + tau2)
    return scales.inverse(scale, scales.transform(scale, p_bar) + np.asarray(z, float) * spread)


def flags_z(rows: pd.DataFrame) -> pd.Series:
    """The z the flags compare with the limits (`z_adjusted`), or the plain z where it is missing."""
    if "z_adjusted" in rows and rows["z_adjusted"].notna().all():
        return rows["z_adjusted"]
    return rows["z"]


def _nice_ticks(lo, hi, count=5):
    span = hi - lo
    if span <= 0:
        return [lo]
    step = 10 ** math.floor(math.log10(span / count))
    for m in (1, 2, 2.5, 5, 10):
        if span / (step * m) <= count:
            step *= m
            break
    first = math.ceil(lo / step) * step
    return [round(first + k * step, 10) for k in range(int((hi - first) / step + 1e-9) + 1)]


def _place_label(placed, x, y, chars, char_width=6.2, line=12.0):
    """Where a label of CHARS characters next to the point (x, y) fits without overlapping PLACED labels
    (x0, x1, baseline): to the right (left near the edge), nudged up or down a line; None if nowhere."""
    width = chars * char_width
    left = x + 6 + width > WIDTH - MARGIN["right"]
    x0, x1 = (x - 6 - width, x - 6) if left else (x + 6, x + 6 + width)
    for dy in (0, -line, line, -2 * line, 2 * line):
        base = y + 4 + dy
        if all(x1 < a or x0 > b or abs(base - c) >= line for a, b, c in placed):
            placed.append((x0, x1, base))
            return (x0 if not left else x1), base, ("end" if left else "start")
    return None


def funnel_svg(schools: pd.DataFrame, indicator_label: str, plot_id: str = "funnel", labels: int = 12,
               tau2: float = 0.0, scale: str = "raw") -> str:
    """The SVG markup (every name escaped) of the funnel plot of SCHOOLS (one indicator's rows); PLOT_ID
    keeps its clip path unique in the page; TAU2 > 0 draws the limits allowing for over-dispersion on SCALE."""
    rows = plotted(schools)
    esc = html.escape
    if rows.empty:
        return f'<p class="empty">No schools with a z-score to plot for {esc(indicator_label)}.</p>'
    p_bar = centre(rows)
    z = flags_z(rows)
    if z is rows["z"]:
        tau2, scale = 0.0, "raw"
    rows["y"] = standardised_rate(z, rows["pupils"], p_bar, tau2, scale)
    n_max = float(rows["pupils"].max()) * 1.05
    n_grid = np.linspace(max(5.0, float(rows["pupils"].min()) * 0.8), n_max, 80)
    edge = standardised_rate([-1.5 * Z998, 1.5 * Z998], [n_max, n_max], p_bar, tau2, scale)
    y_lo = max(0.0, min(float(rows["y"].min()), float(edge[0])))
    y_hi = min(1.0, max(float(rows["y"].max()), float(edge[1])))
    pad = (y_hi - y_lo) * 0.05 or 0.01
    y_lo, y_hi = max(0.0, y_lo - pad), min(1.0, y_hi + pad)
    rows["y"] = rows["y"].clip(y_lo, y_hi)          # beyond 0% or 100%: drawn on the edge of the plot
    plot_w = WIDTH - MARGIN["left"] - MARGIN["right"]
    plot_h = HEIGHT - MARGIN["top"] - MARGIN["bottom"]

    def sx(n):
        return MARGIN["left"] + plot_w * float(n) / n_max

    def sy(y):
        return MARGIN["top"] + plot_h * (1 - (float(y) - y_lo) / (y_hi - y_lo))

    out = [f'<svg class="funnel" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
           f'width="{WIDTH}" height="{HEIGHT}" role="img" data-centre="{p_bar:.6f}" '
           f'aria-label="Funnel plot: {esc(indicator_label)}">',
           f'<clipPath id="clip-{esc(plot_id)}"><rect x="{MARGIN["left"]}" y="{MARGIN["top"]}" '
           f'width="{plot_w}" height="{plot_h}"/></clipPath>',
           f'<rect x="{MARGIN["left"]}" y="{MARGIN["top"]}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#999"/>']
    for t in _nice_ticks(y_lo, y_hi):
        out.append(f'<line x1="{MARGIN["left"] - 4}" x2="{MARGIN["left"]}" y1="{sy(t):.1f}" y2="{sy(t):.1f}" stroke="#333"/>'
                   f'<text x="{MARGIN["left"] - 6}" y="{sy(t) + 4:.1f}" text-anchor="end" font-size="11">{100 * t:.0f}%</text>')
    for t in _nice_ticks(0, n_max):
        out.append(f'<line x1="{sx(t):.1f}" x2="{sx(t):.1f}" y1="{HEIGHT - MARGIN["bottom"]}" '
                   f'y2="{HEIGHT - MARGIN["bottom"] + 4}" stroke="#333"/><text x="{sx(t):.1f}" '
                   f'y="{HEIGHT - MARGIN["bottom"] + 16}" text-anchor="middle" font-size="11">{t:,.0f}</text>')
    out.append(f'<text x="{MARGIN["left"] + plot_w / 2}" y="{HEIGHT - 10}" text-anchor="middle" font-size="12">'
               f'Pupils</text><text transform="translate(14 {MARGIN["top"] + plot_h / 2}) rotate(-90)" '
               f'text-anchor="middle" font-size="12">{esc(indicator_label)} rate (adjusted to average community)</text>')
    clip = f'clip-path="url(#clip-{esc(plot_id)})"'
    out.append(f'<line data-limit="centre" x1="{sx(n_grid[0]):.1f}" x2="{sx(n_max):.1f}" y1="{sy(p_bar):.1f}" '
               f'y2="{sy(p_bar):.1f}" stroke="#777" {clip}/>')
    for name, k, colour, dash in LIMITS:
        for side, sign in (("lower", -1), ("upper", 1)):
            ys = np.clip(standardised_rate(np.full(len(n_grid), sign * k), n_grid, p_bar, tau2, scale), 0, 1)
            pts = " ".join(f"{sx(n):.1f},{sy(y):.1f}" for n, y in zip(n_grid, ys))
            out.append(f'<polyline data-limit="{side}-{name}" points="{pts}" fill="none" stroke="{colour}" '
                       f'stroke-dasharray="{dash}" {clip}/>')
    flagged = rows[rows["flag"].isin(FLAGGED)]
    labelled = set(flagged.reindex(flagged["z"].abs().sort_values(ascending=False).index).head(labels)["urn"])
    many = len(rows) > MANY
    placed: list[tuple[float, float, float]] = []
    if many:
        shown = set(flagged.reindex(flagged["z"].abs().sort_values(ascending=False).index).head(TOOLTIPS)["urn"])
        dots = rows[~rows["urn"].isin(shown)]
        ring = dots[dots["flag"].isin(FLAGGED)]
        colours = dots["gap_pp"].map(gap_colour)
        out.append(f'<g {clip}>'
                   + dot_paths(zip(ring["pupils"].map(sx), ring["y"].map(sy), ["#222222"] * len(ring)), 2.4, "ring")
                   + dot_paths(zip(dots["pupils"].map(sx), dots["y"].map(sy), colours), 1.6) + "</g>")
        rows = rows[rows["urn"].isin(shown)]
    for row in rows.sort_values("pupils", ascending=False).itertuples(index=False):
        strong = row.flag in ("below_998", "above_998")
        stroke = "#000" if strong else "#333" if row.flag in ("below_95", "above_95") else "#777"
        width = (2 if strong else 1.2 if row.flag in ("below_95", "above_95") else 0.5) * (0.4 if many else 1)
        tip = (f"{row.name} (URN {row.urn}): rate {100 * row.school_rate:.1f}%, community "
               f"{100 * row.community_rate:.1f}%, gap {row.gap_pp:+.1f} pp, z {row.z:.2f}, {row.pupils:,.0f} pupils")
        out.append(f'<circle data-urn="{int(row.urn)}" data-flag="{esc(str(row.flag))}" cx="{sx(row.pupils):.1f}" '
                   f'cy="{sy(row.y):.1f}" r="{2.5 if many else 4}" fill="{gap_colour(row.gap_pp)}" stroke="{stroke}" '
                   f'stroke-width="{width}" {clip}><title>{esc(tip)}</title></circle>')
        if row.urn in labelled:
            place = _place_label(placed, sx(row.pupils), sy(row.y), len(str(row.name)))
            if place is not None:
                x, y, anchor = place
                out.append(f'<text class="label" data-urn="{int(row.urn)}" x="{x:.1f}" y="{y:.1f}" font-size="11" '
                           f'text-anchor="{anchor}">{esc(str(row.name))}</text>')
    out.append("</svg>")
    return "\n".join(out)
