"""LSOA centroids -> lsoa_centroids in EPSG:27700: ONS population-weighted centroid CSVs (x, y in British
National Grid), longitude/latitude CSVs (projected with pyproj), or GeoJSON/GeoPackage points."""
from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from ..errors import GeometryError, MissingColumnError
from ..warehouse import LoadResult, TableRows
from .coordinates import check_points
from .geometry import BNG, looks_like_geometry_file, parse_crs, read_geometry_file
from .lsoa_codes import LSOA_CODE_ALIASES, clean_codes, find_column, is_lsoa_code, lsoa_vintage, vintage_reasons
from .header import check_repeated_columns, uses
from .damage import swapped_degrees
from .reader import RawTable, parse_number, read_csv_table, resolve_columns
from .registry import source
from .row_checks import RowProblems

SOURCE = "lsoa-centroids"
ALIASES = {
    "lsoa": LSOA_CODE_ALIASES,
    "x": ["x", "easting", "BNG_E", "east", "oseast1m", "X_COORD"],
    "y": ["y", "northing", "BNG_N", "north", "osnrth1m", "Y_COORD"],
    "lon": ["longitude", "lon", "long", "lng", "LONG_"],
    "lat": ["latitude", "lat", "LAT_"],
}
WGS84 = CRS.from_epsg(4326)


@source(SOURCE, "LSOA centroids: ONS population-weighted x,y CSV, lon/lat CSV, or GeoJSON points",
        "repaudit load lsoa-centroids LSOA_Dec_2021_PWC_EW.csv")
def read(path, vintage=None, crs=None, warehouse=None, **_):
    if looks_like_geometry_file(path):
        table, codes_col, xy, problems, notes = _from_points(path, crs)
    else:
        table, codes_col, xy, problems, notes = _from_csv(path, crs)
    codes = clean_codes(codes_col)
    column = find_column(table.frame.columns, LSOA_CODE_ALIASES)
    lsoa_year, vintage_notes = lsoa_vintage(column, codes)
    problems.flag(~is_lsoa_code(codes), "'" + codes + "' is not an LSOA code (E01/W01 + 6 digits)")
    wrong_set = vintage_reasons(codes, lsoa_year, column, warehouse)
    problems.flag(wrong_set.notna(), wrong_set)
    finite = np.isfinite(xy[0]) & np.isfinite(xy[1])
    problems.flag(~finite, "coordinates missing")
    check = check_points(*xy, xname="x", yname="y")
    problems.flag(pd.notna(check.reasons), check.reasons)
    if finite.any() and pd.notna(check.reasons[finite]).all():
        raise GeometryError(table.path, "every point lies outside England and Wales (e.g. "
                                        f"{check.reasons[np.flatnonzero(finite)[0]]}): are the coordinates in the "
                                        "CRS assumed? Pass --crs to say which")
    swap = check.swap_note(table.line, "x", "y")
    x, y = check.x, check.y
    problems.flag_duplicates(pd.DataFrame({"lsoa": codes}), "LSOA code")
    keep = problems.ok
    frame = pd.DataFrame({
        "lsoa": codes[keep].to_numpy(),
        "lsoa_vintage": pd.array([lsoa_year] * int(keep.sum()), dtype="Int64"),
        "easting": x[keep],
        "northing": y[keep],
    })
    return LoadResult(SOURCE, table.path.name, vintage or (str(lsoa_year) if lsoa_year else None), len(codes),
                      [TableRows("lsoa_centroids", frame, ["lsoa"])], problems.rejects(),
                      notes + vintage_notes + ([swap] if swap else []))


def _from_csv(path, crs):
    """x/y or longitude/latitude columns; a CRS from --crs, else metres for x/y and degrees for lon/lat."""
    table = read_csv_table(path)
    check_repeated_columns(table, uses(ALIASES), SOURCE)
    cols = resolve_columns(table, ALIASES, ["lsoa"], SOURCE)
    problems = RowProblems(table)
    problems.flag_overflow()
    if {"x", "y"} <= set(cols):
        xcol, ycol, assumed = "x", "y", BNG
    elif {"lon", "lat"} <= set(cols):
        xcol, ycol, assumed = "lon", "lat", WGS84
    else:
        raise MissingColumnError(table.path, ["x and y (or longitude and latitude)"], list(table.frame.columns),
                                 SOURCE)
    problems.flag_bad_numbers(cols, xcol, xcol)
    problems.flag_bad_numbers(cols, ycol, ycol)
    x, y = parse_number(cols[xcol]).to_numpy(), parse_number(cols[ycol]).to_numpy()
    notes = list(table.notes)
    if crs:
        assumed = parse_crs(crs, path)
    elif assumed is BNG and _all_degrees(x, y):
        assumed = WGS84
        notes.append(f"columns {xcol}, {ycol} hold degrees: read as longitude/latitude (EPSG:4326)")
    if assumed is WGS84:
        x, y, swap_notes = swapped_degrees(x, y, table.line, *(find_column(table.frame.columns, [c, *ALIASES[c]])
                                                                for c in (xcol, ycol)))
        notes += swap_notes
    if not assumed.equals(BNG, ignore_axis_order=True):
        x, y = Transformer.from_crs(assumed, BNG, always_xy=True).transform(x, y)
        notes.append(f"projected from {assumed.to_string()} to EPSG:27700")
    return table, cols["lsoa"], (np.asarray(x, dtype=float), np.asarray(y, dtype=float)), problems, notes


def _from_points(path, crs):
    layer = read_geometry_file(path, kind="point", source=SOURCE, crs=crs)
    table: RawTable = layer.attributes
    cols = resolve_columns(table, {"lsoa": LSOA_CODE_ALIASES}, ["lsoa"], SOURCE)
    problems = RowProblems(table)
    problems.flag(layer.unusable.notna(), layer.unusable)
    points = np.asarray([g if g is not None and not g.is_empty else None for g in layer.geoms], dtype=object)
    x, y = shapely.get_x(points), shapely.get_y(points)
    return table, cols["lsoa"], (x, y), problems, layer.notes


def _all_degrees(x, y) -> bool:
    """Every located point within +-180, +-90 (0, 0 is a missing location, not the Gulf of Guinea)."""
    located = np.isfinite(x) & np.isfinite(y) & ~((x == 0) & (y == 0))
    return bool(located.any()) and bool((np.abs(x[located]) <= 180).all() and (np.abs(y[located]) <= 90).all())
