"""Small inline SVG charts (no JavaScript needed to read them): a school's gap by year with its intervals, and
an area's D by year beside the D random allocation gives. Each carries alt text stating the trend in words."""
from __future__ import annotations

import html
import math

from ..auditing.indicators import INDICATORS, label_years
from . import breaks

WIDTH, HEIGHT, PAD = 240, 90, 22


def _scale(values, low_pad=0.0):
    finite = [v for v in values if v is not None and math.isfinite(v)]
    low, high = (min(finite + [low_pad]), max(finite + [low_pad])) if finite else (0.0, 1.0)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    return lambda v: HEIGHT - PAD / 2 - (v - low) / (high - low) * (HEIGHT - PAD)


def _x(years):
    first, last = min(years), max(years)
    span = max(last - first, 1)
    return lambda y: PAD + (y - first) / span * (WIDTH - 2 * PAD)


def _svg(alt: str, body: list[str], years) -> str:
    x = _x(years)
    labels = "".join(f'<text x="{x(y):.1f}" y="{HEIGHT - 1}" font-size="9" text-anchor="middle">{y + 1}</text>'
                     for y in sorted(set(years)))
    text = html.escape(alt)
    return (f'<svg class="trend" role="img" aria-label="{text}" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg"><title>{text}</title>'
            + "".join(body) + labels + "</svg>")


def school_alt(name: str, indicator: str, summary: dict) -> str:
    """'Dorothy Stringer School, FSM gap: -3.1 pp in January 2018, -1.2 pp in January 2024; change +1.9 pp
    (95% interval -0.8 to +4.6); no change beyond year-to-year noise.' (plus the breaks crossed)."""
    label = INDICATORS[indicator].label
    text = (f"{name}, {label} gap: {summary['gap_first_pp']:+.1f} pp in January {int(summary['first_year']) + 1}, "
            f"{summary['gap_last_pp']:+.1f} pp in January {int(summary['last_year']) + 1}; change "
            f"{summary['change_pp']:+.1f} pp (95% interval {summary['change_95_low_pp']:+.1f} to "
            f"{summary['change_95_high_pp']:+.1f}); {summary['trend']}.")
    if summary.get("continuity"):
        text += f" Series: {summary['continuity']}."
    crossed = breaks.describe(indicator, str(summary.get("years_in_series") or "").split(",")[:1]
                              + str(summary.get("years_in_series") or "").split(",")[-1:], short=True)
    if crossed:
        text += f" Crosses definition breaks: {crossed}."
    return text


def school_chart(rows, alt: str) -> str:
    """ROWS: the school's in-series years (year, gap_pp, variance_pp2), gap with its 95% bar and a zero line."""
    rows = sorted(rows, key=lambda r: r["year"])
    years = [r["year"] for r in rows]
    if not years:
        return ""
    half = [1.96 * math.sqrt(r["variance_pp2"]) for r in rows]
    y = _scale([r["gap_pp"] + h for r, h in zip(rows, half)] + [r["gap_pp"] - h for r, h in zip(rows, half)])
    x = _x(years)
    body = [f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#999" '
            'stroke-dasharray="3 2"/>']
    for r, h in zip(rows, half):
        body.append(f'<line x1="{x(r["year"]):.1f}" x2="{x(r["year"]):.1f}" y1="{y(r["gap_pp"] - h):.1f}" '
                    f'y2="{y(r["gap_pp"] + h):.1f}" stroke="#7aa6c2"/>')
    points = " ".join(f"{x(r['year']):.1f},{y(r['gap_pp']):.1f}" for r in rows)
    body.append(f'<polyline points="{points}" fill="none" stroke="#1f4e79" stroke-width="1.5"/>')
    body += [f'<circle cx="{x(r["year"]):.1f}" cy="{y(r["gap_pp"]):.1f}" r="2.5" fill="#1f4e79"/>' for r in rows]
    body += _end_labels(x, y, rows, "gap_pp", "{:+.1f}")
    return _svg(alt, body, years)


def _end_labels(x, y, rows, column, spec) -> list[str]:
    """The first and last values written beside their points, so the chart reads without hovering."""
    ends = [(rows[0], "start", 2), (rows[-1], "end", -2)] if len(rows) > 1 else [(rows[0], "start", 2)]
    return [f'<text x="{x(r["year"]) + dx:.1f}" y="{max(y(r[column]) - 5, 8):.1f}" font-size="9" '
            f'text-anchor="{anchor}">{spec.format(r[column])}</text>' for r, anchor, dx in ends]


def area_alt(name: str, indicator: str, phase: str, rows) -> str:
    """'England, secondary FSM: D 0.352 in January 2018, 0.331 in January 2024; random allocation gives 0.03-0.03.'"""
    rows = sorted(rows, key=lambda r: r["year"])
    first, last = rows[0], rows[-1]
    return (f"{name}, {phase} {INDICATORS[indicator].label}: D {first['D']:.3f} in January {first['year'] + 1}, "
            f"{last['D']:.3f} in January {last['year'] + 1} (excess over random allocation "
            f"{first['excess_over_random']:+.3f} then {last['excess_over_random']:+.3f}); years "
            f"{label_years([r['year'] for r in rows][:1])} to {label_years([last['year']])}.")


def area_chart(rows, alt: str) -> str:
    """ROWS: the area's years (year, D, D_random): D solid, random allocation dashed."""
    rows = sorted([r for r in rows if r["D"] is not None and math.isfinite(r["D"])], key=lambda r: r["year"])
    if not rows:
        return ""
    years = [r["year"] for r in rows]
    y = _scale([r["D"] for r in rows] + [r["D_random"] for r in rows], 0.0)
    x = _x(years)
    body = []
    styles = (("D_random", 'stroke="#999" stroke-dasharray="3 2"'), ("D", 'stroke="#1f4e79" stroke-width="1.5"'))
    for column, style in styles:
        points = " ".join(f"{x(r['year']):.1f},{y(r[column]):.1f}" for r in rows if math.isfinite(r[column]))
        body.append(f'<polyline points="{points}" fill="none" {style}/>')
    body += _end_labels(x, y, rows, "D", "{:.3f}")
    return _svg(alt, body, years)
