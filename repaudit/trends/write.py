"""Write a TrendResult: its tables in the project's formats (trend_schools.csv, trend_years.csv, ...), meta.json,
and when asked trend.html (England, every LA and the schools whose gap moved) and a site folder with a page
per LA showing every school's chart. All files of a run appear together or not at all (repaudit.output_set)."""
from __future__ import annotations

import json
from pathlib import Path

from ..output_set import OutputSet
from ..results import _plain, _write_table, parse_formats
from . import page


def file_names() -> list[str]:
    from ..results import FORMATS
    from .run import TrendResult
    return [f"{t}.{f}" for t in TrendResult.TABLES for f in FORMATS if f not in ("geojson", "gpkg")] + ["trend.html"]


def write(result, out_dir, formats=("csv",), *, report_html: bool = False, origin: dict | None = None) -> list[Path]:
    """Write RESULT's tables into OUT_DIR in FORMATS (geojson and gpkg are school points: not for trends), meta.json
    and, with REPORT_HTML, trend.html; returns the paths written."""
    formats = [f for f in parse_formats(formats) if f not in ("geojson", "gpkg")] or ["csv"]
    with OutputSet(out_dir, origin=origin, family=file_names()) as files:
        for name in result.TABLES:
            for fmt in formats:
                _write_table(result.table(name), name, fmt, files, result.meta)
        if report_html:
            files.write_text("trend.html", page.report(result))
        files.set_meta(json.loads(json.dumps(result.meta, default=_plain)))
    return files.written


def write_site(result, folder) -> list[Path]:
    """A folder with index.html (England and every LA, each with its chart) and la/<n>.html per LA (every
    audited school's chart); file names are numbers, never input text."""
    with OutputSet(folder, family=["index.html"]) as files:
        for name, html_text in page.site(result).items():
            files.write_text(Path(folder) / name, html_text)
    return files.written
