"""Write an AuditResult to files: schools.*, trusts.*, areas.* (csv, xlsx, parquet; geojson for schools)
and meta.json. What is written is for sharing, so it passes through disclosure control
(repaudit.disclosure, METHODS §8) unless the caller asks for unsuppressed output for internal use."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from .disclosure import for_sharing
from .errors import RepauditError, explain
from .output_set import OutputSet
from .safe_text import for_csv

FORMATS = ("csv", "xlsx", "parquet", "geojson", "gpkg")
POINT_FORMATS = ("geojson", "gpkg")      # school points only
TABLES = ("schools", "trusts", "areas")


def parse_formats(text) -> tuple[str, ...]:
    """'csv,xlsx' -> ('csv', 'xlsx'), checked against FORMATS."""
    items = [t.strip().lower() for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    bad = [t for t in items if t not in FORMATS]
    if bad or not items:
        raise RepauditError(f"unknown output format {', '.join(bad) or '(none)'}; choose from {', '.join(FORMATS)}")
    return tuple(dict.fromkeys(items))


def file_names() -> list[str]:
    """Every file name `write` can produce (meta.json aside)."""
    return [f"{t}.{f}" for t in TABLES for f in FORMATS if f not in POINT_FORMATS or t == "schools"]


def _plain(value):
    """A JSON-ready scalar: NaN/NaT -> None, numpy numbers -> Python numbers."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _geojson(schools: pd.DataFrame, path: Path) -> None:
    """Points in WGS84 (lon, lat); schools without a location keep a null geometry, so none is missing."""
    features = []
    columns = list(schools.columns)
    for row in schools.itertuples(index=False):
        props = {c: _plain(v) for c, v in zip(columns, row)}
        lon, lat = props.get("lon"), props.get("lat")
        geometry = {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]} if lon is not None and \
            lat is not None else None
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, default=str), encoding="utf-8")


def _gpkg(schools: pd.DataFrame, path: Path) -> dict:
    """A GeoPackage layer 'schools' of points in British National Grid (EPSG:27700), for QGIS; schools without
    a location keep an empty geometry. Text cells are cleaned as for CSV (control characters, formulas). GDAL
    builds the file in memory and Python writes it, so a full disk is reported as such, naming the file."""
    import io

    import geopandas as gpd
    clean, counts = for_csv(schools)
    e = pd.to_numeric(clean.get("easting"), errors="coerce") if "easting" in clean else pd.Series(np.nan, clean.index)
    n = pd.to_numeric(clean.get("northing"), errors="coerce") if "northing" in clean else pd.Series(np.nan, clean.index)
    geometry = gpd.points_from_xy(e, n)
    geometry = [None if pd.isna(x) or pd.isna(y) else g for g, x, y in zip(geometry, e, n)]
    frame = gpd.GeoDataFrame(clean.reset_index(drop=True), geometry=geometry, crs="EPSG:27700")
    for column in frame.columns:
        if column != "geometry" and frame[column].dtype == object:
            frame[column] = frame[column].map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    buffer = io.BytesIO()
    frame.to_file(buffer, layer="schools", driver="GPKG")
    path.write_bytes(buffer.getvalue())
    return counts


def _write_table(frame: pd.DataFrame, name: str, fmt: str, files: OutputSet, meta: dict) -> tuple[str, dict] | None:
    """Write one table in one format to its temporary path in FILES; returns (file name, cleaning counts).
    The workbook is laid out for people (repaudit.workbook); the other formats hold the table as it is."""
    if fmt in POINT_FORMATS and name != "schools":
        return None
    file_name = f"{name}.{fmt}"
    path, counts = files.path(file_name), {}
    try:
        if fmt == "csv":
            clean, counts = for_csv(frame)
            clean.to_csv(path, index=False)
        elif fmt == "xlsx":
            from . import workbook              # openpyxl: imported only for a spreadsheet
            from .xlsx import write_book
            counts = write_book(path, workbook.sheets(name, frame), workbook.readme(name, meta))
        elif fmt == "parquet":
            frame.to_parquet(path, index=False)
        elif fmt == "geojson":
            _geojson(frame, path)
        elif fmt == "gpkg":
            counts = _gpkg(frame, path)
    except OSError as exc:
        raise explain(exc, files.final(path)) from None
    return file_name, counts


def _cleaning_notes(cleaned: dict[str, dict]) -> list[str]:
    """What the writers changed in text cells, per file (meta.json `text_cleaned`)."""
    says = {"formulas neutralised": "text cell(s) that began like a formula (= + - @ tab CR) written with a "
                                    "leading ' so that spreadsheets show them as text",
            "control characters removed": "text cell(s) with control characters (NUL, ESC...) removed"}
    return [f"{name}: " + "; ".join(f"{n} {says[what]}" for what, n in counts.items())
            for name, counts in cleaned.items() if counts]


def write(result, out_dir, formats=("csv",), unsuppressed: bool = False, *, files: OutputSet | None = None,
          origin: dict | None = None) -> list[Path]:
    """Write RESULT's tables into OUT_DIR in each of FORMATS, plus meta.json; returns the paths written.

    All files of the run appear together or not at all (see OutputSet): pass FILES to add them to a set that
    the caller commits (with the map and report), else they are committed here. Text cells are written so
    that no spreadsheet runs them (see repaudit.safe_text and repaudit.xlsx); meta.json says what was changed."""
    formats = parse_formats(formats)
    own = files is None
    files = files if files is not None else OutputSet(out_dir, origin=origin, kind="audit")
    try:
        shared = for_sharing(result, unsuppressed)
        cleaned = {}
        for name in TABLES:
            frame = getattr(shared, name)
            for fmt in formats:
                done = _write_table(frame, name, fmt, files, shared.meta)
                if done is not None:
                    cleaned[done[0]] = done[1]
        files.set_meta(json.loads(json.dumps({**shared.meta, "text_cleaned": _cleaning_notes(cleaned)},
                                             default=_plain)))
    except BaseException:
        if own:
            files.discard()
        raise
    return files.commit() if own else files.planned()
