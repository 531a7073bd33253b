"""An HTML map (folium) of what a policy changes: each school coloured by its change in FSM share.

Reads the comparison tables only. Circles are sized by PAN; the popup shows baseline and policy FSM
share with the 95% interval of the change, first-preference rate and directed places; catchment areas,
when known, are drawn as outlines. Like the audit map, the page loads only Leaflet (folium's pinned
version) from its CDN, and no text from the data is ever part of a template: folium renders constant
templates, then the data go into the page as one JSON element that maps/change_map.js reads and shows
as text.
"""
from __future__ import annotations

import html
from importlib.resources import files

import folium
import numpy as np
from folium.elements import MacroElement
from folium.template import Template
from pyproj import Transformer

from ..maps.build import leaflet_assets
from ..maps.page import fill
from ..output_set import new_run_id
from ..safe_text import script_json
from .compare import Comparison
from .framing import opening_lines
from .game import Game

TO_WGS84 = Transformer.from_crs(27700, 4326, always_xy=True)


class ChangeLayer(MacroElement):
    """Marks where the title, script and data go (filled in after rendering) and calls the script."""

    ASSETS = "<!-- repaudit: change map title, script and data -->"
    _template = Template("""
        {% macro header(this, kwargs) %}
            <!-- repaudit: change map title, script and data -->
        {% endmacro %}
        {% macro script(this, kwargs) %}
            repauditChangeMap({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "ChangeLayer"


STEPS = (-6.0, -3.0, -1.0, 1.0, 3.0, 6.0)                          # class edges of the change, in pp
COLOURS = ("#b35806", "#f1a340", "#fee0b6", "#f7f7f7", "#d8daeb", "#998ec3", "#542788")   # ColorBrewer PuOr
NO_INTAKE = "#bdbdbd"


def colour(change_pp: float) -> str:
    """Colour-blind-safe diverging class of a change in FSM share: orange falls, purple rises, pale within 1 pp."""
    if not np.isfinite(change_pp):
        return NO_INTAKE
    return COLOURS[int(np.searchsorted(STEPS, change_pp, side="right"))]


def legend() -> list[dict]:
    """The colour classes with their labels, falls first."""
    edges = [-np.inf, *STEPS, np.inf]
    labels = [f"{lo:+g} to {hi:+g} pp" for lo, hi in zip(edges[:-1], edges[1:])]
    labels[0], labels[-1], labels[3] = f"below {STEPS[0]:+g} pp", f"{STEPS[-1]:+g} pp or more", "within 1 pp"
    return [{"colour": c, "label": t} for c, t in zip(COLOURS, labels)] + [{"colour": NO_INTAKE, "label": "no intake"}]


def _pct(x, decimals: int) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:.{decimals}f}%"


def _signed(x, scale: float = 100, decimals: int = 1) -> str:
    """'+6.7', '-0.4' or '0.0' (never '+0.0' or '-0.0'); 'n/a' when undefined."""
    if not np.isfinite(x):
        return "n/a"
    text = f"{scale * x:+.{decimals}f}"
    return text[1:] if float(text) == 0 else text


def change_text(mean, lo, hi, scale: float = 100, decimals: int = 1, unit: str = "") -> str:
    """A change with its 95% interval: '+5.7 pp (95% -2.8 to +14.1)', 'no change' when it and its interval
    round to zero, '+6.7 pp (one cohort: no interval)' when the interval has no width; 'n/a' when undefined."""
    if not np.isfinite(mean):
        return "n/a"
    m, a, b = (_signed(v, scale, decimals) for v in (mean, lo, hi))
    if m == a == b == f"{0:.{decimals}f}" or (m == f"{0:.{decimals}f}" and not np.isfinite(lo)):
        return "no change"
    if a == b or not (np.isfinite(lo) and np.isfinite(hi)):
        return f"{m}{unit} (one cohort: no interval)"
    return f"{m}{unit} (95% {a} to {b})"


def _places(x) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:.1f}"


def map_data(game: Game, comparison: Comparison) -> dict:
    """The page's data: {title, schools: [{urn, name, pan, lat, lon, radius, colour, change, lines}],
    catchments: [{name, geometry}]}; names as they are (the page shows them as text)."""
    lon, lat = TO_WGS84.transform(game.schools.xy[:, 0], game.schools.xy[:, 1])
    share = comparison.school_table("fsm_share").set_index("urn")
    first = comparison.school_table("first_pref_rate").set_index("urn")
    directed = comparison.school_table("directed").set_index("urn")
    schools = []
    for j, urn in enumerate(game.schools.urn):
        row = share.loc[urn]
        change = 100 * row["change_mean"]
        schools.append({
            "urn": int(urn), "name": str(game.schools.name[j]), "pan": int(game.schools.pan[j]),
            "lat": float(lat[j]), "lon": float(lon[j]), "radius": float(5 + np.sqrt(game.schools.pan[j]) / 2),
            "colour": colour(change),
            "change": "n/a" if not np.isfinite(change) else
                      "no change" if _signed(row["change_mean"]) == "0.0" else f"{_signed(row['change_mean'])} pp",
            "order": float(change) if np.isfinite(change) else 0.0,
            "cells": [_pct(row["baseline_mean"], 1), _pct(row["policy_mean"], 1),
                      change_text(row["change_mean"], row["change_lo"], row["change_hi"]),
                      _pct(first.loc[urn, "policy_mean"], 0), _places(directed.loc[urn, "policy_mean"])],
            "lines": [
                f"FSM share: {_pct(row['baseline_mean'], 1)} \u2192 {_pct(row['policy_mean'], 1)} "
                f"({change_text(row['change_mean'], row['change_lo'], row['change_hi'], unit=' pp')})",
                f"First-preference rate: {_pct(first.loc[urn, 'baseline_mean'], 0)} \u2192 "
                f"{_pct(first.loc[urn, 'policy_mean'], 0)}",
                f"Directed places: {_places(directed.loc[urn, 'baseline_mean'])} \u2192 "
                f"{_places(directed.loc[urn, 'policy_mean'])}"],
        })
    catchments = []
    if game.catchments is not None and game.catchments.geometry is not None:
        shapes = game.catchments.geometry.set_crs(27700, allow_override=True).to_crs(4326)
        catchments = [{"name": str(name), "geometry": geom.__geo_interface__}
                      for name, geom in zip(game.catchments.names, shapes)]
    m = comparison.meta
    title = (f"{m['policy']} vs {m['baseline']}: change in FSM share ({m.get('cohorts', 1)} cohort"
             f"{'' if m.get('cohorts', 1) == 1 else 's'}, {m['runs']} lottery runs)")
    synthetic = bool(game.meta.get("synthetic"))
    caveat = ("Synthetic cohort: the applicants are modelled from open data, not real applications, so the changes "
              "show what the rules do to a modelled cohort." if synthetic else
              "Applicants from the applications file given.")
    schools.sort(key=lambda school: -school["order"])
    bounds = [[float(np.min(lat)), float(np.min(lon))], [float(np.max(lat)), float(np.max(lon))]]
    return {"title": title, "schools": schools, "catchments": catchments, "legend": legend(), "caveat": caveat,
            "bounds": bounds, "headline": headline(comparison), "offline": OFFLINE,
            "intervals": f"95% intervals over {comparison.meta.get('intervals', 'lottery draws')}",
            "columns": ["School", "FSM share before", "FSM share after", "Change, pp (95%)",
                        "First preference after", "Directed places after"]}


OFFLINE = ("The background map could not load (no internet connection?): schools, labels and the table are "
           "all here; only the streets are missing.")


def headline(comparison: Comparison) -> list[str]:
    """The box above the table: what the policy can bind, like with like, the change in D with its interval,
    first preferences offered and, when facts were given, the model against reality."""
    m = comparison.meta
    d = comparison.areas.set_index(["area", "metric"]).loc[("all", "D")]
    s = comparison.summary.set_index("metric").loc["first_pref_rate"]
    lines = [*opening_lines(m),
             f"Segregation of FSM pupils (dissimilarity D): {_index(d['baseline_mean'])} \u2192 "
             f"{_index(d['policy_mean'])}, "
             f"{change_text(d['change_mean'], d['change_lo'], d['change_hi'], scale=1, decimals=3)}",
             f"Offered their first preference: {_pct(s['baseline_mean'], 1)} \u2192 {_pct(s['policy_mean'], 1)}, "
             f"{change_text(s['change_mean'], s['change_lo'], s['change_hi'], unit=' pp')}"]
    if comparison.reality is not None and not comparison.reality.empty:
        lines.append("Model against reality (under the policy):")
        for _, r in comparison.reality.iterrows():
            share = r["metric"] in ("fsm_share", "first_pref_rate")
            show = (lambda x: _pct(x, 1)) if share else _places
            lines.append(f"{r['school']}, {r['metric'].replace('_', ' ')}: model {show(r['model'])} "
                         f"({show(r['model_lo'])} to {show(r['model_hi'])}), real {show(r['reality'])}")
    return lines


def _index(x) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:.3f}"


def change_map(game: Game, comparison: Comparison) -> folium.Map:
    """The folium map of a comparison (schools located from the game), before its data are put in."""
    lon, lat = TO_WGS84.transform(game.schools.xy[:, 0], game.schools.xy[:, 1])
    fmap = folium.Map(location=[float(np.mean(lat)), float(np.mean(lon))], zoom_start=12, tiles="OpenStreetMap")
    fmap.default_js, fmap.default_css = leaflet_assets()          # Leaflet only, as the audit map loads
    ChangeLayer().add_to(fmap)
    _number_elements(fmap.get_root())
    return fmap


def _number_elements(root) -> None:
    """Give every element of the page a numbered id in tree order (folium draws random ones), so the same
    comparison always renders the same bytes."""
    todo, count = [root], 0
    while todo:
        element = todo.pop(0)
        element._id = f"{count:032x}"
        count += 1
        todo.extend(element._children.values())


def change_map_page(game: Game, comparison: Comparison, run_id: str | None = None) -> str:
    """The HTML page of the change map, carrying RUN_ID."""
    data = map_data(game, comparison)
    script = files("repaudit.maps").joinpath("change_map.js").read_text(encoding="utf-8")
    head = (f"<title>{html.escape(data['title'])}</title>\n"
            f'<meta name="repaudit-run" content="{html.escape(run_id or new_run_id())}">\n'
            f'<script type="application/json" id="repaudit-change-data">{script_json(data)}</script>\n'
            f"<script>{script}</script>")
    return fill(change_map(game, comparison), ChangeLayer.ASSETS, head)
