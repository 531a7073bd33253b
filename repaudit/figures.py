"""Static figures for slides and social posts, drawn with matplotlib (no browser): the map of an area's
schools coloured by their gap, and the funnel plot of one indicator, as PNG or SVG (by the file's suffix).
Each carries a title, a legend, the data years, a source line and, for synthetic data, a banner.

Names from input files are drawn as plain text (parse_math=False: a '$' in a name is not mathematics) and
SVG text is kept as text (svg.fonttype none), which the SVG writer escapes."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from . import describe
from .disclosure import for_sharing
from .errors import RepauditError

SIZE = (12.0, 6.75)          # inches: 16:9, 1200 x 675 pixels at DPI
DPI = 100
FORMATS = ("png", "svg")
SOURCE = "Source: repaudit audit of DfE school census and GIAS data"


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise RepauditError("static figures (--png, --svg) need matplotlib, which is not installed: run "
                            "`pip install matplotlib` in repaudit's environment") from None
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"
    import matplotlib.pyplot as plt
    return plt


def figure_format(path) -> str:
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise RepauditError(f"{path}: a figure is written as .png or .svg, not '{Path(path).suffix or 'no suffix'}'; "
                            "name the file e.g. map.png or funnel.svg")
    return fmt


def _frame(plt, meta, title: str):
    fig = plt.figure(figsize=SIZE, dpi=DPI)
    fig.suptitle(title, x=0.02, ha="left", fontsize=16, fontweight="bold", parse_math=False)
    sub = f"{describe.area_text(meta)} · {describe.years_text(meta.get('years'))} · community model: " \
          f"{meta.get('community_model', 'not stated')}"
    fig.text(0.02, 0.905, sub, fontsize=10, color="#333333", parse_math=False)
    fig.text(0.02, 0.015, f"{SOURCE} ({describe.vintage_text(meta) or 'files not listed'}). Disclosure control applied "
             "to private data.", fontsize=7.5, color="#555555", parse_math=False, wrap=True)
    if meta.get("synthetic"):
        fig.text(0.98, 0.905, "SYNTHETIC SAMPLE DATA: not real schools", fontsize=10, ha="right", color="#7a4b00",
                 fontweight="bold", bbox={"facecolor": "#fff3cd", "edgecolor": "#c69500"})
    return fig


def _save(fig, plt, path, fmt) -> Path:
    path = Path(path)
    fig.savefig(path, format=fmt or figure_format(path), dpi=DPI, metadata={"Date": None} if (fmt or figure_format(path)) == "svg" else None)
    plt.close(fig)
    return path


def map_figure(result, path, indicator: str | None = None, unsuppressed: bool = False, fmt: str | None = None) -> Path:
    """The schools of RESULT (one INDICATOR, the first by default) on a plain map coloured by gap, flagged
    schools outlined, with the area outlines dissolved from the schools (repaudit.maps.areas)."""
    from .maps.areas import outlines
    from .maps.features import FLAGGED, drawable
    from .maps.palette import gap_colour, gap_legend
    plt = _pyplot()
    shared = for_sharing(result, unsuppressed)
    indicator = indicator or str((shared.meta.get("indicators") or shared.schools["indicator"].unique())[0])
    rows = drawable(shared.schools)
    rows = rows[(rows["indicator"] == indicator) & rows["easting"].notna()] if "easting" in rows else rows.iloc[0:0]
    fig = _frame(plt, shared.meta, f"{describe.indicator_label(indicator)}: how each school compares with its community")
    ax = fig.add_axes((0.02, 0.07, 0.66, 0.8))
    ax.set_aspect("equal")
    ax.set_axis_off()
    for shape in outlines(shared.schools).values():
        for poly in getattr(shape, "geoms", [shape]):
            if hasattr(poly, "exterior"):
                x, y = poly.exterior.xy
                ax.fill(x, y, facecolor="#f2f2f2", edgecolor="#999999", linewidth=0.5)
    hidden = rows["suppressed"].astype(bool) if "suppressed" in rows else np.zeros(len(rows), bool)
    colours = [gap_colour(None if h else g) for g, h in zip(rows["gap_pp"], hidden)]
    flagged = rows["flag"].isin(FLAGGED).to_numpy() & ~np.asarray(hidden)
    sizes = np.clip(np.sqrt(rows["pupils"].fillna(0).to_numpy(float)) * 1.6, 8, 120)
    ax.scatter(rows["easting"], rows["northing"], s=sizes, c=colours, linewidths=np.where(flagged, 1.4, 0),
               edgecolors="#000000", zorder=3)
    handles = [plt.Line2D([], [], marker="o", linestyle="", markersize=9, markerfacecolor=c, markeredgewidth=0,
                          label=f"{label} pp") for c, label in gap_legend()]
    handles.append(plt.Line2D([], [], marker="o", linestyle="", markersize=9, markerfacecolor="#ffffff",
                              markeredgecolor="#000000", markeredgewidth=1.4, label="flagged by the funnel plot"))
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(0.7, 0.5), frameon=False, fontsize=9,
               title="Gap: school rate minus community rate", title_fontsize=9)
    return _save(fig, plt, path, fmt)


def funnel_figure(result, path, indicator: str | None = None, unsuppressed: bool = False,
                  fmt: str | None = None) -> Path:
    """The funnel plot of one INDICATOR of RESULT (as the report draws it: every school placed against the
    pupil-weighted mean community rate with its own z), with the 95% and 99.8% limits."""
    from .auditing.stats import Z95, Z998
    from .maps.palette import gap_colour
    from .report.build import funnel_allowance
    from .report.funnel import centre, flags_z, plotted, standardised_rate
    plt = _pyplot()
    shared = for_sharing(result, unsuppressed)
    indicator = indicator or str((shared.meta.get("indicators") or shared.schools["indicator"].unique())[0])
    rows = plotted(shared.schools[shared.schools["indicator"] == indicator])
    short = describe.indicator_short(indicator)
    fig = _frame(plt, shared.meta, f"{describe.indicator_label(indicator)}: funnel plot of schools against their communities")
    ax = fig.add_axes((0.08, 0.12, 0.62, 0.74))
    if not rows.empty:
        p_bar = centre(rows)
        z = flags_z(rows)
        tau2, scale = funnel_allowance(shared.meta, indicator, rows) if z is not rows["z"] else (0.0, "raw")
        y = standardised_rate(z, rows["pupils"], p_bar, tau2, scale)
        n = np.linspace(max(5.0, float(rows["pupils"].min()) * 0.8), float(rows["pupils"].max()) * 1.05, 200)
        for k, style, label in ((Z95, "--", "95% limits"), (Z998, "-", "99.8% limits")):
            for sign in (-1, 1):
                ax.plot(n, np.clip(standardised_rate(np.full(len(n), sign * k), n, p_bar, tau2, scale), 0, 1) * 100,
                        style, color="#333333", linewidth=1, label=label if sign < 0 else None)
        ax.axhline(p_bar * 100, color="#777777", linewidth=0.8, label="average community rate")
        ax.scatter(rows["pupils"], np.clip(y, 0, 1) * 100, s=14, c=[gap_colour(g) for g in rows["gap_pp"]],
                   edgecolors="#555555", linewidths=0.3, zorder=3)
    ax.set_xlabel("Pupils")
    ax.set_ylabel(f"{short} rate, % (adjusted to the average community)", parse_math=False)
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False, fontsize=9,
              title="Outside a limit: unlikely to be chance", title_fontsize=9)
    return _save(fig, plt, path, fmt)
