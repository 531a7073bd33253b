"""`--sweep KEY=START:STOP:STEP`: one comparison per value of a policy parameter (e.g. share), the city FSM
share or a choice-model parameter (e.g. fsm_response), as a table and a chart.

The table (sweep.csv) has one row per value, unit (a school, or "all") and metric: FSM share per school,
and for all pupils the first-preference rate, mean home-school distance, directed places and D, each under
the policy with its 95% interval (and the baseline's mean). The chart (sweep.html) draws each metric
against the value as inline SVG: no script, no template engine, every name HTML-escaped.
"""
from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd

from ..errors import RepauditError
from .compare import Comparison

ALL_METRICS = (("first_pref_rate", "first preference offered", True), ("mean_km", "mean home-school distance (km)",
                                                                         False),
               ("directed", "directed places", False), ("D", "dissimilarity D (FSM)", False))
MAX_VALUES = 50
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")


def parse_sweep(text: str) -> tuple[str, list]:
    """('share', [0.0, 0.05, ...]) from 'share=0:0.4:0.05' (STOP included when the steps reach it)."""
    key, sep, spec = str(text).partition("=")
    parts = spec.split(":")
    usage = f"--sweep '{text}': expected KEY=START:STOP:STEP, e.g. share=0:0.4:0.05"
    if not sep or not key.strip() or len(parts) != 3:
        raise RepauditError(usage)
    try:
        start, stop, step = (float(p) for p in parts)
    except ValueError:
        raise RepauditError(usage + " (START, STOP and STEP must be numbers)") from None
    if not all(math.isfinite(v) for v in (start, stop, step)) or step <= 0 or stop < start:
        raise RepauditError(usage + " (STEP must be above 0 and STOP at least START)")
    count = int(math.floor((stop - start) / step + 1e-9)) + 1
    if count > MAX_VALUES:
        raise RepauditError(usage + f" ({count} values; at most {MAX_VALUES})")
    return key.strip(), [round(start + i * step, 10) for i in range(count)]


def sweep_rows(key: str, value: float, comparison: Comparison) -> list:
    """The sweep table's rows for one value."""
    rows = []
    share = comparison.school_table("fsm_share")
    for _, r in share.iterrows():
        rows.append(_row(key, value, r["urn"], r["name"], "fsm_share", r))
    summary = comparison.summary.set_index("metric")
    for metric in ("first_pref_rate", "mean_km", "directed"):
        rows.append(_row(key, value, "", "all", metric, summary.loc[metric]))
    d = comparison.areas.set_index(["area", "metric"]).loc[("all", "D")]
    rows.append(_row(key, value, "", "all", "D", d))
    return rows


def _row(key, value, urn, unit, metric, r) -> dict:
    return {"key": key, "value": value, "urn": urn, "unit": unit, "metric": metric,
            "baseline": r["baseline_mean"], "policy": r["policy_mean"], "policy_lo": r["policy_lo"],
            "policy_hi": r["policy_hi"]}


def sweep_chart(table: pd.DataFrame, title: str) -> str:
    """A self-contained HTML page: one SVG panel per metric against the swept value, 95% bands shaded."""
    key = str(table["key"].iloc[0])
    panels = [_panel(table[table["metric"] == "fsm_share"], "FSM share by school", key, percent=True)]
    for metric, label, percent in ALL_METRICS:
        panels.append(_panel(table[table["metric"] == metric], label, key, percent))
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + html.escape(title) + "</title>"
            "<style>body{font:13px sans-serif;margin:16px}svg{margin:6px;background:#fff;border:1px solid #ddd}"
            "</style></head><body><h1 style=\"font-size:16px\">" + html.escape(title) + "</h1>"
            "<p>Each line is the mean under the policy over the lottery draws (and cohorts); the shaded band is "
            "its 95% interval; the dashed line is the baseline.</p>" + "".join(panels) + "</body></html>\n")


def _panel(rows: pd.DataFrame, label: str, key: str, percent: bool, width: int = 460, height: int = 300) -> str:
    left, right, top, bottom = 56, 150, 28, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    xs = rows["value"].to_numpy(float)
    ys = rows[["policy", "policy_lo", "policy_hi", "baseline"]].to_numpy(float)
    finite = ys[np.isfinite(ys)]
    x0, x1 = (xs.min(), xs.max()) if len(xs) else (0.0, 1.0)
    y0, y1 = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    x1 = x1 if x1 > x0 else x0 + 1
    y1, y0 = (y1, y0) if y1 > y0 else (y0 + 1, y0)

    def sx(x):
        return left + (x - x0) / (x1 - x0) * plot_w

    def sy(y):
        return top + plot_h - (y - y0) / (y1 - y0) * plot_h

    digits = 1 if percent and (y1 - y0) < 0.05 else 0

    def fmt(y):
        return f"{100 * y:.{digits}f}%" if percent else f"{y:.3g}"

    out = [f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">',
           f'<text x="{left}" y="16" font-weight="bold">{html.escape(label)}</text>',
           f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#333"/>']
    for y in np.linspace(y0, y1, 5):
        out.append(f'<text x="{left - 4}" y="{sy(y) + 4:.1f}" text-anchor="end" font-size="10">{fmt(y)}</text>')
    for x in np.unique(xs)[:: max(1, len(np.unique(xs)) // 6)]:
        out.append(f'<text x="{sx(x):.1f}" y="{top + plot_h + 14}" text-anchor="middle" font-size="10">{x:g}</text>')
    out.append(f'<text x="{left + plot_w / 2}" y="{height - 6}" text-anchor="middle">{html.escape(key)}</text>')
    for i, (unit, g) in enumerate(rows.groupby("unit", sort=False)):
        colour = COLOURS[i % len(COLOURS)]
        g = g.sort_values("value")
        ok = g[["policy", "policy_lo", "policy_hi"]].notna().all(axis=1).to_numpy()
        g = g[ok]
        if g.empty:
            continue
        band = [(sx(x), sy(y)) for x, y in zip(g["value"], g["policy_hi"])] + \
               [(sx(x), sy(y)) for x, y in zip(g["value"][::-1], g["policy_lo"][::-1])]
        out.append(f'<polygon points="{_points(band)}" fill="{colour}" fill-opacity="0.15" stroke="none"/>')
        out.append(f'<polyline points="{_points(zip(map(sx, g["value"]), map(sy, g["policy"])))}" fill="none" '
                   f'stroke="{colour}" stroke-width="2"/>')
        base = g["baseline"].dropna()
        if len(base):
            out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{sy(base.mean()):.1f}" y2="{sy(base.mean()):.1f}" '
                       f'stroke="{colour}" stroke-dasharray="4 3" stroke-width="1"/>')
        out.append(f'<text x="{left + plot_w + 6}" y="{top + 12 + 13 * i}" font-size="10" fill="{colour}">'
                   f'{html.escape(str(unit)[:24])}</text>')
    out.append("</svg>")
    return "".join(out)


def _points(pairs) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in pairs)


def sweep_text(table: pd.DataFrame) -> str:
    """One line per value: first preferences, distance, directed places, D, and the largest FSM-share change."""
    key = str(table["key"].iloc[0])
    lines = [f"{key:>14} {'1st pref%':>9} {'km':>6} {'directed':>8} {'D':>6}  largest FSM share change"]
    for value, g in table.groupby("value", sort=True):
        m = g[g["unit"] == "all"].set_index("metric")
        share = g[g["metric"] == "fsm_share"].assign(change=lambda t: t["policy"] - t["baseline"])
        share = share.dropna(subset=["change"])
        top = share.loc[share["change"].abs().idxmax()] if len(share) else None
        biggest = f"{str(top['unit'])[:30]} {100 * top['change']:+.1f} pp" if top is not None else "-"
        lines.append(f"{value:>14g} {_pct(m.loc['first_pref_rate', 'policy']):>9} {m.loc['mean_km', 'policy']:>6.2f} "
                     f"{m.loc['directed', 'policy']:>8.1f} {_num(m.loc['D', 'policy']):>6}  {biggest}")
    return "\n".join(lines)


def _pct(x) -> str:
    return f"{100 * x:.1f}" if np.isfinite(x) else "n/a"


def _num(x) -> str:
    return f"{x:.3f}" if np.isfinite(x) else "n/a"
