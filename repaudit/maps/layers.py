"""Folium elements of the map. Their templates are constant text: each renders one call into the page's own
script (map.js) that names its arguments by the element's generated name, and the arguments themselves
(school names, trusts, areas, numbers) are put into the page after rendering, as one JSON element
(see page.py). folium renders the output of each element's template as a template again, so nothing that
came from an input file may ever be in one."""
from __future__ import annotations

from folium.elements import MacroElement
from folium.map import Layer
from folium.template import Template


class Setup(MacroElement):
    """The page's CSS, script and data (placed by page.py at ASSETS), then `repaudit.setup(map, config)`;
    add it before any layer."""

    ASSETS = "<!-- repaudit: title, styles, script and data -->"
    _template = Template("""
        {% macro header(this, kwargs) %}
            <!-- repaudit: title, styles, script and data -->
        {% endmacro %}
        {% macro script(this, kwargs) %}
            repaudit.setup({{ this._parent.get_name() }}, repaudit.data("{{ this.get_name() }}")[0]);
        {% endmacro %}
    """)

    def __init__(self, config: dict):
        super().__init__()
        self._name = "RepauditSetup"
        self.arguments = [config]


class _DataLayer(Layer):
    """A layer made by one repaudit.* call; NAME (project text, never input data) labels it in the layer control."""

    def __init__(self, name: str, overlay: bool, show: bool):
        super().__init__(name=name, overlay=overlay, control=True, show=show)


class SchoolLayer(_DataLayer):
    """All drawable schools of one indicator as ONE GeoJSON layer of circles (a base layer: one at a time); its
    data is features.indicator_columns, which the page turns into features."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = repaudit.schoolLayer.apply(null, repaudit.data("{{ this.get_name() }}"));
        {% endmacro %}
    """)

    def __init__(self, columns: dict, indicator: str, name: str, show: bool):
        super().__init__(name, overlay=False, show=show)
        self._name = "SchoolLayer"
        self.arguments = [columns, indicator]


class CommunityLayer(_DataLayer):
    """The community rate of one indicator (and phase: KEY names the rates): LSOA polygons, LSOA centroids
    or circles around schools. DATA_NAME is the name of the SharedData element holding the geometry, or None."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function (a) {
                return repaudit.communityLayer(a[0], a[1] === null ? null : repaudit.data(a[1])[0], a[2], a[3]);
            })(repaudit.data("{{ this.get_name() }}"));
        {% endmacro %}
    """)

    def __init__(self, kind: str, data_name: str | None, key: str, indicator: str, name: str, show: bool):
        super().__init__(name, overlay=True, show=show)
        self._name = "CommunityLayer"
        self.arguments = [kind, data_name, key, indicator]


class SharedData(MacroElement):
    """A GeoJSON object put in the page once, for the layers that share it (LSOA geometry); no script of its own."""

    _template = Template("")

    def __init__(self, geojson):
        super().__init__()
        self._name = "SharedData"
        self.arguments = [geojson]


class CatchmentLayer(_DataLayer):
    """Outlines of the published catchments of funnel-flagged schools."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = repaudit.catchmentLayer.apply(null, repaudit.data("{{ this.get_name() }}"));
        {% endmacro %}
    """)

    def __init__(self, geojson: dict, name: str):
        super().__init__(name, overlay=True, show=True)
        self._name = "CatchmentLayer"
        self.arguments = [geojson]


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


class AreaLayer(MacroElement):
    """The LA choropleth shown at national zoom in place of the schools (repaudit.areaLayer switches them by
    zoom); its GeoJSON is the element's argument. Add it after the school layers."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            repaudit.areaLayer({{ this._parent.get_name() }}, repaudit.data("{{ this.get_name() }}")[0]);
        {% endmacro %}
    """)

    def __init__(self, geojson: dict):
        super().__init__()
        self._name = "AreaLayer"
        self.arguments = [geojson]
