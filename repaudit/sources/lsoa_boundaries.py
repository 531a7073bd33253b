"""LSOA boundary polygons (ONS LSOA 2011 or 2021 boundaries, any CRS) -> lsoa_boundaries in EPSG:27700."""
from __future__ import annotations

import pandas as pd

from ..errors import WrongSourceError
from ..warehouse import LoadResult, TableRows
from .geometry import read_geometry_file
from .lsoa_codes import (LSOA_CODE_ALIASES, LSOA_NAME_ALIASES, NAMED_LSOA_CODE_ALIASES, clean_codes, find_column,
                         is_lsoa_code, lsoa_vintage, other_code_kind, vintage_reasons)
from .reader import resolve_columns
from .registry import source
from .row_checks import RowProblems

SOURCE = "lsoa-boundaries"
ALIASES = {"lsoa": LSOA_CODE_ALIASES, "name": LSOA_NAME_ALIASES}
_OTHER_AREA_COLUMNS = {"msoa11cd": "MSOA", "msoa21cd": "MSOA", "lad22nm": "local authority",
                       "lad22cd": "local authority", "catchment": "catchment"}


@source(SOURCE, "LSOA polygons (GeoJSON, GeoPackage or Shapefile, any CRS; stored in EPSG:27700)",
        "repaudit load lsoa-boundaries LSOA_2011_London_gen_MHW.shp")
def read(path, vintage=None, crs=None, warehouse=None, **_):
    layer = read_geometry_file(path, kind="polygon", source=SOURCE, crs=crs)
    table = layer.attributes
    _refuse_other_areas(layer.path, table)
    cols = resolve_columns(table, ALIASES, ["lsoa"], SOURCE)
    codes = clean_codes(cols["lsoa"])
    column = find_column(table.frame.columns, LSOA_CODE_ALIASES)
    _refuse_non_lsoa_codes(layer.path, codes, column)
    lsoa_year, notes = lsoa_vintage(column, codes)

    problems = RowProblems(table)
    problems.flag(layer.unusable.notna(), layer.unusable)
    problems.flag(~is_lsoa_code(codes), "'" + codes + "' is not an LSOA code (E01/W01 + 6 digits)")
    wrong_set = vintage_reasons(codes, lsoa_year, column, warehouse)
    problems.flag(wrong_set.notna(), wrong_set)
    problems.flag_duplicates(pd.DataFrame({"lsoa": codes}), "LSOA code")
    keep = problems.ok
    frame = pd.DataFrame({
        "lsoa": codes[keep].to_numpy(),
        "lsoa_vintage": pd.array([lsoa_year] * int(keep.sum()), dtype="Int64"),
        "name": cols["name"][keep].to_numpy() if "name" in cols else None,
        "geom": layer.wkb(keep),
    })
    return LoadResult(SOURCE, layer.path.name, vintage or (str(lsoa_year) if lsoa_year else None), len(codes),
                      [TableRows("lsoa_boundaries", frame, ["lsoa"], geometry_columns=("geom",))],
                      problems.rejects(), layer.notes + notes)


def _refuse_other_areas(path, table):
    """A polygon file of MSOAs, local authorities or catchments is the wrong kind: say what it looks like."""
    if find_column(table.frame.columns, NAMED_LSOA_CODE_ALIASES):
        return
    lowered = {c.lower(): c for c in table.frame.columns}
    for key, kind in _OTHER_AREA_COLUMNS.items():
        if key in lowered:
            hint = " (load it with `repaudit load catchments`)" if kind == "catchment" else ""
            raise WrongSourceError(path, f"holds {kind} polygons (column '{lowered[key]}'), not LSOAs{hint}; "
                                         f"'{SOURCE}' expects an LSOA code column such as LSOA21CD or LSOA11CD. "
                                         f"Columns found: {', '.join(table.frame.columns)}")


def _refuse_non_lsoa_codes(path, codes, column):
    """When no code is an LSOA code the file is another geography (MSOA, OA, ward...): say which."""
    if is_lsoa_code(codes).any():
        return
    kind = other_code_kind(codes)
    found = f"{kind} codes" if kind else "no LSOA codes"
    raise WrongSourceError(path, f"column '{column}' holds {found} (e.g. '{codes.iloc[0]}'), not LSOA codes "
                                 f"(E01/W01 + 6 digits); '{SOURCE}' expects LSOA polygons")
