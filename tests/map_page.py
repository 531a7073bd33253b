"""Read the data of a written map page back: the arguments of its elements, from its one JSON element."""
from __future__ import annotations

import json
import re

DATA_ELEMENT = '<script type="application/json" id="repaudit-data">'


def page_data(html: str) -> dict:
    """{element name: arguments} as the page's script reads them (JSON.parse of the element's text)."""
    start = html.index(DATA_ELEMENT) + len(DATA_ELEMENT)
    return json.loads(html[start:html.index("</script>", start)])


def element_arguments(html: str, element: str) -> list:
    """The arguments of the first element of folium class ELEMENT (e.g. 'SchoolLayer') in the page."""
    prefix = re.sub(r"(?<!^)([A-Z])", r"_\1", element).lower() + "_"
    data = page_data(html)
    return data[next(k for k in data if k.startswith(prefix))]


def _cell(column, k):
    if isinstance(column, list):
        return column[k]
    return int(column["digits"][k]) if isinstance(column, dict) else column


def _unscale(value, decimals):
    return value / 10 ** decimals if decimals and value is not None else value


def school_rows(table: dict) -> list[dict]:
    """The map's school table (features.school_table: one array per field) as one dict per school, decoded
    as the page decodes it: categories by position + 1 (0: none), lon/lat unscaled."""
    return [{field: ((table["categories"][field][v - 1] if v else None) if field in table["categories"] else
                     _unscale(v, table["scale"].get(field)))
             for field in table["fields"] for v in [_cell(table["columns"][field], k)]}
            for k in range(table["count"])]


def layer_features(layer: dict, table: dict) -> list[dict]:
    """One indicator's schools (features.indicator_columns) as the GeoJSON features the page builds from them:
    properties in the units of the result (rates as fractions, gaps in pp), at the school's location."""
    rows = school_rows(table)
    hidden = set(layer["suppressed"])
    out = []
    for k in range(layer["count"]):
        props = {"i": k if layer["i"] is None else layer["i"][k]}
        for key, column in layer["columns"].items():
            value = _cell(column, k)
            if value is not None:
                props[key] = _unscale(value, layer["scale"].get(key))
        if layer["rank_is_order"]:
            props["rk"] = k + 1
        if k in hidden:
            props["x"] = 1
        school = rows[props["i"]]
        out.append({"type": "Feature", "properties": props,
                    "geometry": {"type": "Point", "coordinates": [school["lon"], school["lat"]]}})
    return out


def school_features(html: str, indicator: int = 0) -> tuple[list[dict], list[dict]]:
    """(features of the page's INDICATOR-th school layer, decoded school table rows) of a written map page."""
    table = element_arguments(html, "RepauditSetup")[0]["schools"]
    data = page_data(html)
    layers = [v for k, v in data.items() if k.startswith("school_layer_")]
    return layer_features(layers[indicator][0], table), school_rows(table)
