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
