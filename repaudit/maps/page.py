"""The map page: folium renders elements whose templates hold no data, then the title, the page's own CSS
and script, the run id and every element's arguments (one JSON element, escaped so that it cannot end the
<script> element) are put in at the Setup element's marker. Nothing from an input file is ever template text."""
from __future__ import annotations

import html
from importlib.resources import files

from ..safe_text import script_json
from .layers import Setup


def asset(name: str) -> str:
    return files("repaudit.maps").joinpath(name).read_text(encoding="utf-8")


def arguments(element) -> dict:
    """{element name: arguments} of ELEMENT and everything inside it that carries arguments."""
    out = {}
    if hasattr(element, "arguments"):
        out[element.get_name()] = element.arguments
    for child in element._children.values():
        out.update(arguments(child))
    return out


def head(title: str, run_id: str, data: dict, description: str = "") -> str:
    """What goes at the marker in <head>: title, description, run id, styles, the data and the page's script."""
    script = asset("map.js")
    if "</script" in script.lower():
        raise ValueError("map.js must not contain '</script'")
    return (f"<title>{html.escape(title)}</title>\n"
            f'<meta name="description" content="{html.escape(description or title)}">\n'
            f'<meta name="repaudit-run" content="{html.escape(run_id)}">\n'
            f"<style>{asset('map.css')}</style>\n"
            f'<script type="application/json" id="repaudit-data">{script_json(data)}</script>\n'
            f"<script>{script}</script>")


def fill(fmap, marker: str, insert: str) -> str:
    """FMAP rendered by folium (constant templates only), then INSERT put at MARKER, which an element's
    template emitted exactly once: what is inserted is never seen by a template engine."""
    page = fmap.get_root().render()
    if page.count(marker) != 1:
        raise ValueError(f"the page holds {page.count(marker)} '{marker}' markers, not 1")
    return page.replace("<html>", '<html lang="en">', 1).replace(marker, insert, 1)


def _elements(element):
    yield element
    for child in element._children.values():
        yield from _elements(child)


def steady_ids(fmap, text: str) -> str:
    """TEXT with the random ids folium gives its elements replaced by their order in the page, so the same
    map gives the same bytes."""
    for k, element in enumerate(_elements(fmap.get_root())):
        text = text.replace(element._id, f"{k + 1:032x}")
    return text


def render(fmap, title: str, run_id: str, description: str = "") -> str:
    """The HTML page of FMAP, with its data put in after folium's rendering (element ids made steady)."""
    return steady_ids(fmap, fill(fmap, Setup.ASSETS, head(title, run_id, arguments(fmap), description)))
