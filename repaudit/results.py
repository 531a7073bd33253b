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
from .errors import RepauditError

FORMATS = ("csv", "xlsx", "parquet", "geojson")
TABLES = ("schools", "trusts", "areas")


def parse_formats(text) -> tuple[str, ...]:
    """'csv,xlsx' -> ('csv', 'xlsx'), checked against FORMATS."""
    items = [t.strip().lower() for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    bad = [t for t in items if t not in FORMATS]
    if bad or not items:
        raise RepauditError(f"unknown output format {', '.join(bad) or '(none)'}; choose from {', '.join(FORMATS)}")
    return tuple(dict.fromkeys(items))


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


def _write_table(frame: pd.DataFrame, name: str, fmt: str, out: Path) -> Path | None:
    path = out / f"{name}.{fmt}"
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "xlsx":
        frame.to_excel(path, index=False, sheet_name=name)
    elif fmt == "parquet":
        frame.to_parquet(path, index=False)
    elif fmt == "geojson":
        if name != "schools":
            return None
        _geojson(frame, path)
    return path


def write(result, out_dir, formats=("csv",), unsuppressed: bool = False) -> list[Path]:
    """Write RESULT's tables into OUT_DIR in each of FORMATS, plus meta.json; returns the paths written."""
    formats = parse_formats(formats)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RepauditError(f"cannot create the output folder {out}: {exc.strerror}") from None
    shared = for_sharing(result, unsuppressed)
    written = []
    for name in TABLES:
        frame = getattr(shared, name)
        for fmt in formats:
            path = _write_table(frame, name, fmt, out)
            if path is not None:
                written.append(path)
    meta_path = out / "meta.json"
    meta_path.write_text(json.dumps(shared.meta, indent=2, default=_plain), encoding="utf-8")
    written.append(meta_path)
    return written
