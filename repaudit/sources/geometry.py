"""The one reader for geometry files (GeoJSON, GeoPackage, Shapefile, gzipped or zipped): opens them with
pyogrio, checks the CRS against the coordinates, reprojects to British National Grid (EPSG:27700),
repairs invalid polygons with make_valid and rejects empty ones with their feature numbers."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from ..errors import GeometryError, InputFileError, WrongSourceError
from .reader import RawTable

BNG = CRS.from_epsg(27700)
# British National Grid covers Great Britain within these metres (with a margin for islands and the sea).
GB_EXTENT = (-50_000.0, -50_000.0, 750_000.0, 1_300_000.0)
POLYGON_TYPES = {"Polygon", "MultiPolygon"}
POINT_TYPES = {"Point"}
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

    def wkb(self, mask) -> list:
        """The geometries selected by MASK as WKB bytes, in feature order (for TableRows.geometry_columns)."""
        mask = np.asarray(mask, dtype=bool)
        return list(shapely.to_wkb(self.geoms[mask])) if mask.any() else []


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
    frame = _open(path)
    geoms = _geometries(path, frame)
    crs_in, notes = _source_crs(path, frame, geoms, crs)
    _check_coordinates(path, crs_in, geoms)
    geoms, crs_notes = _to_bng(path, crs_in, geoms)
    notes += crs_notes
    _check_kind(path, geoms, kind, source)
    geoms, unusable, fix_notes = _repair(geoms, kind)
    return GeometryLayer(path, _attributes(path, frame), geoms, crs_in.to_string(), unusable, notes + fix_notes)


def _head(path: Path, size: int = 64) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def _open(path: Path) -> pd.DataFrame:
    """The file's first layer as a (Geo)DataFrame; a clear error for empty, unreadable or multi-layer files."""
    try:
        head = _head(path)
    except OSError as exc:
        raise InputFileError(path, f"cannot be read ({exc.strerror})") from None
    if not head.strip():
        raise InputFileError(path, "is empty: expected a GeoJSON, GeoPackage or Shapefile with features")
    gdal_path = f"/vsigzip/{path}" if head[:2] == b"\x1f\x8b" else str(path)
    try:
        layers = pyogrio.list_layers(gdal_path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = pyogrio.read_dataframe(gdal_path, layer=0)
    except Exception as exc:  # pyogrio raises DataSourceError and GDAL errors of several kinds
        raise InputFileError(path, "cannot be opened as a GeoJSON, GeoPackage or Shapefile "
                                   f"({str(exc).split(';')[0]})") from None
    if len(layers) > 1:
        frame.attrs["note"] = f"{len(layers)} layers in the file: read the first, '{layers[0][0]}'"
    return frame


def _geometries(path: Path, frame: pd.DataFrame) -> np.ndarray:
    if "geometry" not in getattr(frame, "columns", []) or not hasattr(frame, "geometry"):
        raise GeometryError(path, "has no geometries: it is a table, not a GeoJSON, GeoPackage or Shapefile layer. "
                                  f"Columns found: {', '.join(map(str, frame.columns))}")
    if len(frame) == 0:
        raise GeometryError(path, "has no features: expected at least one polygon or point")
    return np.asarray(frame.geometry.values, dtype=object)


def _bounds(geoms: np.ndarray) -> np.ndarray | None:
    present = [g for g in geoms if g is not None and not g.is_empty]
    if not present:
        return None
    return shapely.total_bounds(np.asarray(present, dtype=object))


def _looks_lonlat(bounds) -> bool:
    return bounds is not None and -180 <= bounds[0] and bounds[2] <= 180 and -90 <= bounds[1] and bounds[3] <= 90


def _describe(bounds) -> str:
    return f"x {bounds[0]:.6g} to {bounds[2]:.6g}, y {bounds[1]:.6g} to {bounds[3]:.6g}"


def _source_crs(path, frame, geoms, crs_option) -> tuple[CRS, list[str]]:
    declared = frame.crs
    if crs_option:
        given = parse_crs(crs_option, path)
        notes = []
        if declared is not None and not CRS(declared).equals(given, ignore_axis_order=True):
            notes.append(f"the file declares {CRS(declared).to_string()}; --crs {crs_option} used instead")
        return given, notes
    if declared is None:
        bounds = _bounds(geoms)
        guess = ("they look like longitude/latitude, so pass --crs EPSG:4326" if _looks_lonlat(bounds)
                 else "they look like British National Grid metres, so pass --crs EPSG:27700")
        raise GeometryError(path, f"has no coordinate reference system (CRS); the coordinates range "
                                  f"{_describe(bounds)}: {guess}")
    return CRS(declared), list(filter(None, [frame.attrs.get("note")]))


def _check_coordinates(path, crs: CRS, geoms):
    """A declared CRS that contradicts the coordinates (lon/lat declared but metres found, or the reverse)."""
    bounds = _bounds(geoms)
    if bounds is None:
        return
    if crs.is_geographic and not _looks_lonlat(bounds):
        raise GeometryError(path, f"declares the longitude/latitude CRS {crs.to_string()} but the coordinates range "
                                  f"{_describe(bounds)}, which are not degrees; if they are British National Grid "
                                  "metres pass --crs EPSG:27700")
    extent = max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    if crs.is_projected and _looks_lonlat(bounds) and extent < 5:
        raise GeometryError(path, f"declares the projected CRS {crs.to_string()} (metres) but the coordinates range "
                                  f"{_describe(bounds)}, which look like longitude/latitude degrees; pass "
                                  "--crs EPSG:4326")


def _is_bng(crs: CRS) -> bool:
    return crs.equals(BNG, ignore_axis_order=True) or crs.to_epsg(min_confidence=25) == 27700


def _to_bng(path, crs: CRS, geoms) -> tuple[np.ndarray, list[str]]:
    notes = []
    if not _is_bng(crs):
        import geopandas as gpd

        geoms = np.asarray(gpd.GeoSeries(geoms, crs=crs).to_crs(BNG).values, dtype=object)
        notes.append(f"reprojected from {crs.to_string()} to EPSG:27700")
    bounds = _bounds(geoms)
    if bounds is not None:
        x0, y0, x1, y1 = GB_EXTENT
        if bounds[0] < x0 or bounds[1] < y0 or bounds[2] > x1 or bounds[3] > y1 or not np.isfinite(bounds).all():
            raise GeometryError(path, f"lies outside Great Britain in British National Grid ({_describe(bounds)}) "
                                      f"when read in its CRS {crs.to_string()}: is the CRS right? "
                                      "Pass --crs to say which CRS the coordinates are in")
    return geoms, notes


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


def _attributes(path: Path, frame: pd.DataFrame) -> RawTable:
    """The features' properties as text cells, like the CSV reader gives, so resolve_columns applies."""
    columns = [c for c in frame.columns if c != "geometry"]
    cells = pd.DataFrame({c: frame[c].map(_text).to_numpy(dtype=object) for c in columns}, dtype=object)
    cells.index = range(len(frame))
    return RawTable(path, cells, np.arange(1, len(frame) + 1, dtype=np.int64), "geometry", 0, 0)


def _text(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
