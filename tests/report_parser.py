"""Read the report's tables back out of its HTML (standard-library parser), so tests compare its numbers
with the audit result rather than trusting the template."""
from __future__ import annotations

from html.parser import HTMLParser


class ReportTables(HTMLParser):
    """Collects every <tr> with its attributes, the attributes of its <table> and section, and its cells
    keyed by data-col; also every SVG <circle>/<polyline>/<text> with attributes and text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows, self.shapes = [], []
        self._section = self._table = self._row = self._cell = self._shape = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self._section = attrs
        elif tag == "table":
            self._table = attrs
        elif tag == "tr":
            self._row = {"attrs": attrs, "table": self._table, "section": self._section, "cells": {}, "texts": []}
        elif tag in ("td", "th") and self._row is not None:
            self._cell = [attrs.get("data-col"), ""]
        elif tag in ("circle", "polyline", "text", "line"):
            self._shape = {"tag": tag, "attrs": attrs, "section": self._section, "text": ""}
            self.shapes.append(self._shape)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("circle", "polyline", "text", "line"):
            self._shape = None

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            if self._cell[0]:
                self._row["cells"][self._cell[0]] = self._cell[1].strip()
            self._row["texts"].append(self._cell[1].strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag in ("circle", "text", "polyline", "line"):
            self._shape = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data
        elif self._shape is not None and self._shape["tag"] == "text":
            self._shape["text"] += data


def parse(html: str) -> ReportTables:
    parser = ReportTables()
    parser.feed(html)
    return parser


def table_rows(report: ReportTables, cls: str, indicator: str) -> list[dict]:
    """Rows of <table class=CLS data-indicator=INDICATOR> (schools or trusts), in page order."""
    return [r for r in report.rows if r["table"] and r["table"].get("class") == cls
            and r["table"].get("data-indicator") == indicator and r["cells"]]


def polyline_y(points: str, x: float) -> float:
    """The y of an SVG polyline's points ('x,y x,y ...') at X, by linear interpolation (funnel-plot limit lines)."""
    pts = [tuple(map(float, p.split(","))) for p in points.split()]
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        if x0 <= x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    raise AssertionError(f"x={x} outside the limit line")
