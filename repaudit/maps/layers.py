"""Folium elements of the map. Each renders one call into the page's own script (map.js): data goes in
as HTML-safe JSON, so nothing from an input file can close a <script> element or run as code."""
from __future__ import annotations

import html
from importlib.resources import files

from folium.elements import MacroElement
from folium.map import Layer
from folium.template import Template

from .features import safe_json


def _asset(name: str) -> str:
    return files("repaudit.maps").joinpath(name).read_text(encoding="utf-8")


class Setup(MacroElement):
    """The page's CSS and script, then `repaudit.setup(map, config)`; add it before any layer."""

    _template = Template("""
        {% macro header(this, kwargs) %}
            <style>{{ this.css }}</style>
            <script>{{ this.js }}</script>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            repaudit.setup({{ this._parent.get_name() }}, {{ this.config }});
        {% endmacro %}
    """)

    def __init__(self, config: dict):
        super().__init__()
        self._name = "RepauditSetup"
        self.css, self.js = _asset("map.css"), _asset("map.js")
        self.config = safe_json(config)


class _DataLayer(Layer):
    """A layer made by one repaudit.* call; its name in the layer control is escaped (Leaflet uses innerHTML)."""

    def __init__(self, name: str, overlay: bool, show: bool):
        super().__init__(name=html.escape(name), overlay=overlay, control=True, show=show)


class SchoolLayer(_DataLayer):
    """All drawable schools of one indicator as ONE GeoJSON layer of circles (a base layer: one at a time)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = repaudit.schoolLayer({{ this.data }}, {{ this.indicator }});
        {% endmacro %}
    """)

    def __init__(self, geojson: dict, indicator: str, name: str, show: bool):
        super().__init__(name, overlay=False, show=show)
        self._name = "SchoolLayer"
        self.data, self.indicator = safe_json(geojson), safe_json(indicator)


class CommunityLayer(_DataLayer):
    """The community rate of one indicator (and phase: KEY names the rates): LSOA polygons, LSOA centroids
    or circles around schools."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = repaudit.communityLayer({{ this.kind }}, {{ this.data }}, {{ this.key }}, {{ this.indicator }});
        {% endmacro %}
    """)

    def __init__(self, kind: str, data_name: str, key: str, indicator: str, name: str, show: bool):
        super().__init__(name, overlay=True, show=show)
        self._name = "CommunityLayer"
        self.kind, self.key, self.indicator, self.data = safe_json(kind), safe_json(key), safe_json(indicator), data_name


class SharedData(MacroElement):
    """A GeoJSON object declared once as a page variable, for layers that share it (LSOA geometry)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = {{ this.data }};
        {% endmacro %}
    """)

    def __init__(self, geojson):
        super().__init__()
        self._name = "SharedData"
        self.data = safe_json(geojson)


class CatchmentLayer(_DataLayer):
    """Outlines of the published catchments of funnel-flagged schools."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = repaudit.catchmentLayer({{ this.data }});
        {% endmacro %}
    """)

    def __init__(self, geojson: dict, name: str):
        super().__init__(name, overlay=True, show=True)
        self._name = "CatchmentLayer"
        self.data = safe_json(geojson)


class Controls(MacroElement):
    """Search, trust filter and legend; add it after the LayerControl."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            repaudit.controls({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "RepauditControls"
