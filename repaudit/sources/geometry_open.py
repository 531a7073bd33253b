"""Open a geometry file and give back its features as they are written: a Shapefile with its companion files
(.shx, .dbf, .prj), a zip holding one geometry file, gzip, the layer to read when there are several, and the
CRS the file declares as its own text (a GeoJSON 'crs' member or a .prj), so that a CRS no one knows is named
in an error instead of being replaced by a default."""
from __future__ import annotations

import gzip
import json
import re
import shutil
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from ..errors import GeometryError, InputFileError
from . import limits

SHAPEFILE_PARTS = {".shx": "shape index", ".dbf": "attribute table"}
MEMBER_SUFFIXES = (".shp", ".geojson", ".json", ".gpkg")
POLYGON_NAMES = ("Polygon", "MultiPolygon")


@dataclass
class Dataset:
    """A layer's attribute cells, its geometries (shapely, None where missing), the CRS GDAL read (None when
    the file has none) and notes on choices made while opening (which layer, which zip member)."""

    fields: pd.DataFrame
    geoms: np.ndarray
    crs: str | None
    notes: list[str] = field(default_factory=list)
    unreadable: np.ndarray | None = None     # True where a feature's geometry is stored but cannot be built


def open_dataset(path: Path, kind: str, crs_given: bool = False) -> Dataset:
    """The features of PATH's layer of KIND geometries; a clear error for a file that cannot be opened."""
    limits.check_regular(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(64)
    except OSError as exc:
        raise InputFileError(path, f"cannot be read ({exc.strerror})") from None
    if not head.strip():
        raise InputFileError(path, "is empty: expected a GeoJSON, GeoPackage or Shapefile with features")
    notes: list[str] = []
    if head[:2] == b"PK" or path.suffix.lower() == ".zip":
        gdal_path, member, notes = _zip_member(path)
    elif head[:2] == b"\x1f\x8b":
        limits.check_gzip(path)
        gdal_path, member = f"/vsigzip/{path}", None
    else:
        limits.check_size(path)
        gdal_path, member = str(path), None
    if path.suffix.lower() == ".shp":
        _check_companions(path)
    _check_declared_crs(path, head, member, crs_given)
    with tempfile.TemporaryDirectory() as scratch:
        prj = _prj_text(path) if path.suffix.lower() == ".shp" else None
        if crs_given and prj is not None and not _known(prj):
            gdal_path = _without_prj(path, Path(scratch))
        # a GeoJSON has one layer, and GDAL would read the whole file to list it
        geojson = (member or path.name).lower().endswith((".geojson", ".json", ".geojson.gz", ".json.gz"))
        layer, layer_notes = (0, []) if geojson else _choose_layer(path, gdal_path, kind)
        return _read(path, gdal_path, layer, notes + layer_notes)


def _read(path: Path, gdal_path: str, layer, notes: list[str]) -> Dataset:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            meta, _, wkb, columns = pyogrio.raw.read(gdal_path, layer=layer, max_features=limits.current().features + 1)
    except pyogrio.errors.CRSError as exc:
        raise GeometryError(path, f"declares a coordinate reference system that cannot be read ({exc})"
                                  f"{_prj_hint(path)}; pass --crs to say which CRS the coordinates are in, e.g. "
                                  "--crs EPSG:27700") from None
    except Exception as exc:  # pyogrio raises DataSourceError and GDAL errors of several kinds
        raise InputFileError(path, f"cannot be opened as a GeoJSON, GeoPackage or Shapefile ({gdal_message(exc)})"
                             ) from None
    if wkb is not None and len(wkb) > limits.current().features:
        limits.check_count(path, len(wkb), "features", f"{limits.current().features:,}")
    names = [str(n) for n in meta["fields"]]
    fields = pd.DataFrame({n: np.asarray(c, dtype=object) for n, c in zip(names, columns)})
    fields.index = range(len(fields))
    if wkb is None:
        raise GeometryError(path, "has no geometries: it is a table, not a GeoJSON, GeoPackage or Shapefile layer. "
                                  f"Columns found: {', '.join(names)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        geoms = np.asarray(shapely.from_wkb(wkb, on_invalid="ignore"), dtype=object)
    limits.check_count(path, int(shapely.get_num_coordinates(geoms).sum()), "vertices")
    unreadable = np.array([g is None and w is not None for g, w in zip(geoms, wkb)], dtype=bool)
    return Dataset(fields, geoms, meta.get("crs"), notes, unreadable)


def gdal_message(exc: Exception) -> str:
    """GDAL's message without its source-file location and its advice about driver prefixes."""
    text = re.sub(r"In file \S+, at line \d+, ", "", str(exc).split(";")[0])
    return _shorten(text, 200)


def _check_companions(path: Path):
    """A Shapefile is several files kept side by side: name the one that is missing."""
    present = {p.name.lower() for p in path.parent.glob(f"{glob_escape(path.stem)}.*")}
    for suffix, role in SHAPEFILE_PARTS.items():
        if f"{path.stem}{suffix}".lower() not in present:
            raise InputFileError(path, f"the Shapefile's {role} {path.stem}{suffix} is missing from {path.parent}: a "
                                       "Shapefile is several files (.shp, .shx, .dbf and usually .prj) that must "
                                       f"be kept together; copy {path.stem}{suffix} next to {path.name} (or load "
                                       "the zip they came in)")


def glob_escape(text: str) -> str:
    """TEXT with glob wildcards quoted, so a file name holding [ ] * ? finds its own companions."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def _prj_text(path: Path) -> str | None:
    for candidate in path.parent.glob(f"{glob_escape(path.stem)}.*"):
        if candidate.suffix.lower() == ".prj" and candidate.stem == path.stem:
            return candidate.read_text(encoding="utf-8", errors="replace")
    return None


def _prj_hint(path: Path) -> str:
    return f" in {path.stem}.prj" if path.suffix.lower() == ".shp" else ""


def _without_prj(path: Path, scratch: Path) -> str:
    """A copy of the Shapefile without its .prj, read when --crs overrides a .prj that may not parse."""
    for part in path.parent.glob(f"{glob_escape(path.stem)}.*"):
        if part.suffix.lower() != ".prj" and part.stem == path.stem:
            shutil.copy(part, scratch / part.name)
    return str(scratch / path.name)


def _check_declared_crs(path: Path, head: bytes, member: str | None, crs_given: bool):
    """A CRS the file declares but no one knows (GeoJSON 'crs' EPSG:999999, a made-up .prj) is an error naming
    it; GDAL would otherwise read the GeoJSON as longitude/latitude or fail with a PROJ message."""
    if crs_given:
        return
    if path.suffix.lower() == ".shp":
        text = _prj_text(path)
        if text is not None and text.strip() and not _known(text):
            shown = _shorten(text)
            raise GeometryError(path, f"its projection file {path.stem}.prj describes a coordinate reference system "
                                      f"that cannot be read ('{shown}'); pass --crs to say which CRS the "
                                      "coordinates are in, e.g. --crs EPSG:27700 (British National Grid)")
        return
    if member is None and head.lstrip()[:1] == b"{":
        name = _geojson_crs_name(path)
        if name is not None and not _known(name):
            raise GeometryError(path, f"declares the coordinate reference system '{_shorten(name)}', which is unknown; "
                                      "pass --crs to say which CRS the coordinates are in, e.g. --crs EPSG:27700 "
                                      "(British National Grid) or --crs EPSG:4326 (longitude/latitude)")


def _known(text: str) -> bool:
    try:
        CRS.from_user_input(text)
    except (CRSError, TypeError, ValueError):
        return False
    return True


def _shorten(text: str, limit: int = 80) -> str:
    flat = " ".join(str(text).split())
    flat = "".join(ch for ch in flat if ch.isprintable())
    return flat if len(flat) <= limit else flat[:limit] + "..."


def _geojson_crs_name(path: Path, limit: int = 1 << 16) -> str | None:
    """The name in a GeoJSON's 'crs' member, read from the start of the file (where writers put it)."""
    with open(path, "rb") as handle:
        magic = handle.read(2)
        handle.seek(0)
        data = gzip.open(handle).read(limit) if magic == b"\x1f\x8b" else handle.read(limit)
    text = data.decode("utf-8", errors="replace")
    found = re.search(r'"crs"\s*:\s*(\{\s*"type"\s*:\s*"name"\s*,\s*"properties"\s*:\s*\{[^{}]*\}\s*\})', text)
    if not found:
        return None
    try:
        name = json.loads(found.group(1))["properties"].get("name")
    except (ValueError, KeyError, AttributeError):
        return None
    return str(name) if name is not None else None


def _zip_member(path: Path) -> tuple[str, str, list[str]]:
    """The one geometry file inside a zip (a Shapefile with its companions, a GeoJSON or a GeoPackage)."""
    try:
        with zipfile.ZipFile(path) as archive:
            limits.check_zip(path, archive)
            names = [i.filename for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputFileError(path, f"is a damaged zip file ({exc})") from None
    unsafe = [n for n in names if n.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", n)]
    if unsafe:
        raise InputFileError(path, f"holds a file whose path leads outside the zip ('{_shorten(unsafe[0], 60)}'); "
                                   "such a zip is refused: unzip it yourself and load the geometry file")
    members = [n for n in names if n.lower().endswith(MEMBER_SUFFIXES) and not Path(n).name.startswith(".")]
    if not members:
        shown = ", ".join(_shorten(n, 60) for n in names[:10])
        raise InputFileError(path, f"holds no Shapefile, GeoJSON or GeoPackage (files in the zip: {shown or 'none'})")
    if len(members) > 1:
        shown = ", ".join(_shorten(n, 60) for n in members[:10])
        raise InputFileError(path, f"holds {len(members)} geometry files ({shown}); put one in each zip, or unzip "
                                   "it and load the one you mean")
    member = members[0]
    if member.lower().endswith(".shp"):
        stem = member[:-4].lower()
        lowered = {n.lower() for n in names}
        for suffix, role in SHAPEFILE_PARTS.items():
            if stem + suffix not in lowered:
                raise InputFileError(path, f"the Shapefile {_shorten(member, 60)} in the zip has no {role} "
                                           f"({Path(member).stem}{suffix}): a Shapefile needs its .shx and .dbf")
    return f"/vsizip/{path}/{member}", member, [f"read {_shorten(member, 60)} from the zip"] if "/" in member else []


def _choose_layer(path: Path, gdal_path: str, kind: str):
    """Layer 0 when there is one; with several, the only one holding KIND geometries, else an error."""
    try:
        layers = [(str(n), str(t)) for n, t in pyogrio.list_layers(gdal_path)]
    except Exception as exc:  # pyogrio raises DataSourceError and GDAL errors of several kinds
        raise InputFileError(path, f"cannot be opened as a GeoJSON, GeoPackage or Shapefile ({gdal_message(exc)})"
                             ) from None
    if len(layers) <= 1:
        return 0, []
    wanted = [n for n, t in layers if (t in POLYGON_NAMES if kind == "polygon" else t in ("Point", "MultiPoint"))]
    shown = ", ".join(f"'{_shorten(n, 40)}' ({t})" for n, t in layers[:10])
    if len(wanted) == 1:
        return wanted[0], [f"{len(layers)} layers in the file ({shown}): read '{_shorten(wanted[0], 40)}', the only "
                           f"one of {kind}s"]
    raise InputFileError(path, f"holds {len(layers)} layers ({shown}) and {len(wanted) or 'none'} of them hold "
                               f"{kind}s; save the layer you mean as a file of its own and load that")
