"""The one reader for geometry files (GeoJSON, GeoPackage, Shapefile, gzipped or zipped): opens them (see
geometry_open), checks the CRS against the coordinates, reprojects to British National Grid (EPSG:27700),
repairs invalid polygons with make_valid, and rejects empty polygons and polygons lying wholly outside England
and Wales with their feature numbers."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError

from ..errors import GeometryError, InputFileError, WrongSourceError
from .coordinates import OUTSIDE_REASON, features_outside
from .geometry_open import Dataset, open_dataset
from .reader import RawTable

BNG = CRS.from_epsg(27700)
# British National Grid covers Great Britain within these metres (with a margin for islands and the sea).
GB_EXTENT = (-50_000.0, -50_000.0, 750_000.0, 1_300_000.0)
POLYGON_TYPES = {"Polygon", "MultiPolygon"}
POINT_TYPES = {"Point"}
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
GEOMETRY_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".zip", ".fgb", ".gml", ".kml"}


@dataclass
class GeometryLayer:
    """A geometry file's features: their properties as text cells (line = feature number, first = 1), their
    geometries in EPSG:27700, why any feature's geometry is unusable (None where it is fine), and notes."""

    path: Path
    attributes: RawTable
    geoms: np.ndarray
    source_crs: str
    unusable: pd.Series
    notes: list[str] = field(default_factory=list)

    def wkb(self, mask) -> np.ndarray:
        """The geometries selected by MASK as WKB bytes, in feature order (for TableRows.geometry_columns);
        an object array even when empty, so that a file whose every feature was rejected stores nothing."""
        mask = np.asarray(mask, dtype=bool)
        return np.asarray(list(shapely.to_wkb(self.geoms[mask])) if mask.any() else [], dtype=object)


def looks_like_geometry_file(path: str | Path) -> bool:
    """True when PATH is a GeoJSON, GeoPackage or Shapefile by its name or first bytes."""
    path = Path(path)
    suffixes = [s.lower() for s in path.suffixes]
    if any(s in GEOMETRY_SUFFIXES for s in suffixes):
        return True
    try:
        head = _head(path)
    except OSError:
        return False
    return head.lstrip().startswith(b"{") or head.startswith(b"SQLite format 3")


def parse_crs(text: str, path) -> CRS:
    """A CRS from what the user typed after --crs (EPSG:27700, 27700, EPSG:4326, OGC:CRS84, WKT)."""
    text = str(text).strip()
    try:
        return CRS.from_user_input(int(text) if text.isdigit() else text)
    except CRSError:
        raise InputFileError(path, f"--crs '{text}' is not a coordinate reference system; expected e.g. "
                                   "EPSG:27700 (British National Grid) or EPSG:4326 (longitude/latitude)") from None


def read_geometry_file(path: str | Path, *, kind: str, source: str, crs: str | None = None) -> GeometryLayer:
    """Read a geometry file whose features should be KIND ('polygon' or 'point'), in EPSG:27700."""
    path = Path(path)
    dataset = open_dataset(path, kind, crs_given=bool(crs))
    geoms = _geometries(path, dataset)
    crs_in, notes = _source_crs(path, dataset, geoms, crs)
    _check_coordinates(path, crs_in, geoms, given=bool(crs))
    geoms, crs_notes = _to_bng(path, crs_in, geoms)
    notes += crs_notes
    _check_kind(path, geoms, kind, source)
    geoms, unusable, fix_notes = _repair(geoms, kind)
    if dataset.unreadable is not None:
        unusable[dataset.unreadable] = ("the geometry cannot be built (a ring that is not closed, has fewer than "
                                        "four points or holds NaN coordinates)")
    if kind == "polygon":
        unusable = _outside_england_wales(path, geoms, unusable, crs_in)
    attributes, text_notes = _attributes(path, dataset.fields)
    return GeometryLayer(path, attributes, geoms, crs_in.to_string(), unusable, notes + fix_notes + text_notes)


def _head(path: Path, size: int = 64) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def _outside_england_wales(path, geoms, unusable: pd.Series, crs: CRS) -> pd.Series:
    """Features lying wholly outside England and Wales get a reason; when all do, the file is refused."""
    outside = features_outside(geoms)
    usable = unusable.isna().to_numpy()
    if usable.any() and outside[usable].all():
        bounds = _bounds(geoms)
        raise GeometryError(path, f"every feature lies outside England and Wales ({_describe(bounds)} in British "
                                  f"National Grid, read in the CRS {_crs_text(crs)}): is the CRS right? Pass "
                                  "--crs to say which CRS the coordinates are in")
    reasons = unusable.copy()
    reasons[outside & usable] = OUTSIDE_REASON
    return reasons


def _geometries(path: Path, dataset: Dataset) -> np.ndarray:
    if len(dataset.geoms) == 0:
        raise GeometryError(path, "has no features: expected at least one polygon or point")
    return dataset.geoms


def _bounds(geoms: np.ndarray) -> np.ndarray | None:
    present = [g for g in geoms if g is not None and not g.is_empty]
    if not present:
        return None
    return shapely.total_bounds(np.asarray(present, dtype=object))


def _looks_lonlat(bounds) -> bool:
    return bounds is not None and -180 <= bounds[0] and bounds[2] <= 180 and -90 <= bounds[1] and bounds[3] <= 90


def _describe(bounds) -> str:
    return f"x {bounds[0]:.6g} to {bounds[2]:.6g}, y {bounds[1]:.6g} to {bounds[3]:.6g}"


def _source_crs(path, dataset: Dataset, geoms, crs_option) -> tuple[CRS, list[str]]:
    declared = dataset.crs
    if crs_option:
        given = parse_crs(crs_option, path)
        notes = list(dataset.notes)
        if declared is not None and not _same(declared, given):
            notes.append(f"the file declares {_declared_text(declared)}; --crs {crs_option} used instead")
        return given, notes
    if declared is None:
        bounds = _bounds(geoms)
        guess = ("they look like longitude/latitude, so pass --crs EPSG:4326" if _looks_lonlat(bounds)
                 else "they look like British National Grid metres, so pass --crs EPSG:27700")
        where = f" (no {path.stem}.prj beside it)" if path.suffix.lower() == ".shp" else ""
        raise GeometryError(path, f"has no coordinate reference system (CRS){where}; the coordinates range "
                                  f"{_describe(bounds)}: {guess}")
    try:
        return CRS.from_user_input(declared), list(dataset.notes)
    except CRSError as exc:
        raise GeometryError(path, f"declares a coordinate reference system that cannot be read ({exc}); pass --crs "
                                  "to say which CRS the coordinates are in, e.g. --crs EPSG:27700") from None


def _declared_text(declared: str) -> str:
    try:
        return _crs_text(CRS.from_user_input(declared))
    except CRSError:
        return declared[:80]


def _same(declared: str, given: CRS) -> bool:
    try:
        return CRS.from_user_input(declared).equals(given, ignore_axis_order=True)
    except CRSError:
        return False


def _check_coordinates(path, crs: CRS, geoms, given: bool = False):
    """A CRS that contradicts the coordinates (lon/lat declared but metres found, or the reverse)."""
    bounds = _bounds(geoms)
    if bounds is None:
        return
    said = f"--crs {_crs_text(crs)} was given" if given else "declares the {kind} CRS " + _crs_text(crs)
    if crs.is_geographic and not _looks_lonlat(bounds):
        fix = "if they are British National Grid metres pass --crs EPSG:27700"
        raise GeometryError(path, f"{said.format(kind='longitude/latitude')} but the coordinates range "
                                  f"{_describe(bounds)}, which are not degrees; {fix}")
    if not crs.is_geographic and _looks_lonlat(bounds):
        raise GeometryError(path, f"{said.format(kind='projected')} (metres) but the coordinates range "
                                  f"{_describe(bounds)}, which look like longitude/latitude degrees; pass "
                                  "--crs EPSG:4326")


def _is_bng(crs: CRS) -> bool:
    return crs.equals(BNG, ignore_axis_order=True) or crs.to_epsg(min_confidence=25) == 27700


def _to_bng(path, crs: CRS, geoms) -> tuple[np.ndarray, list[str]]:
    notes = []
    if not _is_bng(crs):
        try:
            to_bng = Transformer.from_crs(crs, BNG, always_xy=True)
            geoms = shapely.transform(geoms, lambda xy: np.column_stack(to_bng.transform(xy[:, 0], xy[:, 1])))
        except (ProjError, CRSError) as exc:
            raise GeometryError(path, f"cannot be converted from its CRS {_crs_text(crs)} to British National Grid "
                                      f"({exc}){_prj_hint(path)}; pass --crs to say which CRS the coordinates are "
                                      "in, e.g. --crs EPSG:27700") from None
        notes.append(f"reprojected from {_crs_text(crs)} to EPSG:27700")
    bounds = _bounds(geoms)
    if bounds is not None:
        x0, y0, x1, y1 = GB_EXTENT
        if bounds[0] < x0 or bounds[1] < y0 or bounds[2] > x1 or bounds[3] > y1 or not np.isfinite(bounds).all():
            raise GeometryError(path, f"lies outside Great Britain in British National Grid ({_describe(bounds)}) "
                                      f"when read in its CRS {_crs_text(crs)}: is the CRS right? "
                                      "Pass --crs to say which CRS the coordinates are in")
    return geoms, notes


def _crs_text(crs: CRS, limit: int = 80) -> str:
    """The CRS as EPSG:nnnn when it has a code, else its name or WKT cut to LIMIT characters."""
    text = crs.to_string()
    if len(text) > limit:
        text = f"'{crs.name}'" if crs.name and len(crs.name) <= limit else text[:limit] + "..."
    return text


def _prj_hint(path: Path) -> str:
    return f" (the CRS comes from {path.stem}.prj)" if path.suffix.lower() == ".shp" else ""


def _check_kind(path, geoms, kind: str, source: str):
    """A file whose geometries are all of another kind is the wrong kind of file: say which SOURCE fits."""
    types = {g.geom_type for g in geoms if g is not None and not g.is_empty}
    wanted = POLYGON_TYPES if kind == "polygon" else POINT_TYPES
    if types and not (types & wanted):
        hint = ("points: LSOA centroids load with `repaudit load lsoa-centroids`" if types <= {"Point", "MultiPoint"}
                else "polygons: LSOA boundaries load with `repaudit load lsoa-boundaries`, catchments with "
                     "`repaudit load catchments`" if types <= POLYGON_TYPES
                else f"{', '.join(sorted(types))} geometries")
        raise WrongSourceError(path, f"holds {hint}; '{source}' expects {kind}s")


def _repair(geoms: np.ndarray, kind: str) -> tuple[np.ndarray, pd.Series, list[str]]:
    """Invalid polygons made valid (polygonal parts kept); missing, empty or unrepairable ones rejected;
    Z coordinates dropped (areas, containment and maps are all two-dimensional)."""
    out = shapely.force_2d(geoms)
    reasons: dict[int, str] = {}
    repaired = []
    wanted = POLYGON_TYPES if kind == "polygon" else POINT_TYPES
    for i, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            reasons[i] = "the feature has no geometry (null or empty)"
        elif geom.geom_type not in wanted:
            reasons[i] = f"a {geom.geom_type} where a {kind} was expected"
        elif kind == "polygon" and not geom.is_valid:
            why = shapely.is_valid_reason(geom)
            fixed = _polygonal(shapely.make_valid(geom))
            if fixed is None:
                reasons[i] = f"invalid polygon ({why}) that make_valid cannot turn into an area"
            else:
                out[i] = fixed
                repaired.append(i + 1)
    for i in reasons:
        out[i] = None
    notes = []
    if repaired:
        shown = ", ".join(map(str, repaired[:20])) + (" ..." if len(repaired) > 20 else "")
        notes.append(f"{len(repaired)} invalid geometries repaired with make_valid (features {shown})")
    unusable = pd.Series([reasons.get(i) for i in range(len(geoms))], dtype=object)
    return out, unusable, notes


def _polygonal(geom):
    """The polygon parts of a make_valid result as one (Multi)Polygon, or None when nothing has area."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in POLYGON_TYPES and p.area > 0]
    if not parts:
        return None
    merged = shapely.union_all(parts)
    return merged if merged.geom_type in POLYGON_TYPES and merged.area > 0 else None


def _attributes(path: Path, fields: pd.DataFrame) -> tuple[RawTable, list[str]]:
    """The features' properties as text cells, like the CSV reader gives, so resolve_columns applies; control
    characters (NUL, ESC, vertical tab...) are removed from them, with a note."""
    cells = pd.DataFrame({c: fields[c].map(_text).to_numpy(dtype=object) for c in fields.columns}, dtype=object)
    cells.index = range(len(fields))
    notes = []
    if len(cells.columns):
        dirty = cells.apply(lambda column: column.str.contains(CONTROL.pattern, regex=True))
        if dirty.to_numpy().any():
            cells = cells.apply(lambda column: column.str.replace(CONTROL.pattern, "", regex=True))
            features = np.flatnonzero(dirty.any(axis=1).to_numpy()) + 1
            shown = ", ".join(map(str, features[:20])) + (" ..." if len(features) > 20 else "")
            notes.append(f"control characters (NUL, ESC, ...) removed from the properties of {len(features)} "
                         f"feature{'s' if len(features) > 1 else ''} ({shown})")
    return RawTable(path, cells, np.arange(1, len(fields) + 1, dtype=np.int64), "geometry", 0, 0), notes


def _text(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
