"""An HTML map (folium) of what a policy changes: each school coloured by its change in FSM share.

Reads the comparison tables only. Circles are sized by PAN; the popup shows baseline and policy FSM
share with the 95% interval of the change, first-preference rate and directed places; catchment areas,
when known, are drawn as outlines. Every text from the data is HTML-escaped. Like the audit map, the
page loads only Leaflet (folium's pinned version) from its CDN.
"""
from __future__ import annotations

import html

import folium
import numpy as np
from branca.element import MacroElement
from jinja2 import Template
from pyproj import Transformer

from ..maps.build import leaflet_assets
from .compare import Comparison
from .game import Game

TO_WGS84 = Transformer.from_crs(27700, 4326, always_xy=True)


class LeafletPopup(MacroElement):
    """A popup bound with Leaflet's own bindPopup (folium's Popup needs jQuery, which the page does not
    load); the HTML travels as a JSON string, so nothing in it can end the script."""

    _template = Template("""{% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindPopup({{ this.html|tojson }}, {maxWidth: 360});
    {% endmacro %}""")

    def __init__(self, html_text: str):
        super().__init__()
        self._name = "LeafletPopup"
        self.html = html_text


def colour(change_pp: float) -> str:
    """Diverging colour: blue when the FSM share rises, red when it falls, grey when within 1 pp."""
    if not np.isfinite(change_pp) or abs(change_pp) < 1:
        return "#9e9e9e"
    strength = min(abs(change_pp) / 10.0, 1.0)
    if change_pp > 0:
        return f"#{int(200 - 170 * strength):02x}{int(220 - 120 * strength):02x}ff"
    return f"#ff{int(200 - 160 * strength):02x}{int(200 - 160 * strength):02x}"


def _share(x: float, digits: int) -> str:
    """A rate as a percentage, or 'no intake' where it is undefined (a school nobody attends)."""
    return f"{100 * x:.{digits}f}%" if np.isfinite(x) else "no intake"


def change_map(game: Game, comparison: Comparison) -> folium.Map:
    """The map of a comparison (schools located from the game)."""
    lon, lat = TO_WGS84.transform(game.schools.xy[:, 0], game.schools.xy[:, 1])
    fmap = folium.Map(location=[float(np.mean(lat)), float(np.mean(lon))], zoom_start=12, tiles="OpenStreetMap")
    fmap.default_js, fmap.default_css = leaflet_assets()          # Leaflet only, as the audit map loads
    if game.catchments is not None and game.catchments.geometry is not None:
        shapes = game.catchments.geometry.set_crs(27700, allow_override=True).to_crs(4326)
        for name, geom in zip(game.catchments.names, shapes):
            folium.GeoJson(geom.__geo_interface__, tooltip=html.escape(str(name)),
                           style_function=lambda _: {"color": "#555", "weight": 1, "fillOpacity": 0.03}).add_to(fmap)
    share = comparison.school_table("fsm_share").set_index("urn")
    first = comparison.school_table("first_pref_rate").set_index("urn")
    directed = comparison.school_table("directed").set_index("urn")
    for j, urn in enumerate(game.schools.urn):
        row = share.loc[urn]
        change = 100 * row["change_mean"]
        interval = (f"({change:+.1f} pp, 95% {100 * row['change_lo']:+.1f} to {100 * row['change_hi']:+.1f})"
                    if np.isfinite(row["change_lo"]) and np.isfinite(row["change_hi"]) else "")
        popup = (
            f"<b>{html.escape(str(game.schools.name[j]))}</b> (URN {int(urn)}, PAN {int(game.schools.pan[j])})<br>"
            f"FSM share: {_share(row['baseline_mean'], 1)} &rarr; {_share(row['policy_mean'], 1)} {interval}<br>"
            f"First-preference rate: {_share(first.loc[urn, 'baseline_mean'], 0)} &rarr; "
            f"{_share(first.loc[urn, 'policy_mean'], 0)}<br>"
            f"Directed places: {directed.loc[urn, 'baseline_mean']:.1f} &rarr; {directed.loc[urn, 'policy_mean']:.1f}"
        )
        marker = folium.CircleMarker(
            location=[float(lat[j]), float(lon[j])], radius=float(5 + np.sqrt(game.schools.pan[j]) / 2),
            color="#333", weight=1, fill=True, fill_color=colour(change), fill_opacity=0.9,
            tooltip=html.escape(f"{game.schools.name[j]}: " + (f"{change:+.1f} pp FSM" if np.isfinite(change)
                                                                else "no intake")),
        ).add_to(fmap)
        LeafletPopup(popup).add_to(marker)
    title = html.escape(f"{comparison.meta['policy']} vs {comparison.meta['baseline']}: change in FSM share "
                        f"({comparison.meta['runs']} lottery runs)")
    legend = (f'<div style="position:fixed;top:10px;left:50px;z-index:9999;background:white;padding:6px 10px;'
              f'border:1px solid #999;font:13px sans-serif"><b>{title}</b><br>'
              '<span style="color:#1e64ff">&#9679;</span> FSM share rises '
              '<span style="color:#ff2828">&#9679;</span> falls <span style="color:#9e9e9e">&#9679;</span> '
              'within 1 pp</div>')
    fmap.get_root().html.add_child(folium.Element(legend))
    return fmap
