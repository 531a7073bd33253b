"""Local authority outlines (ONS LAD or county / unitary boundaries: GeoJSON, GeoPackage or Shapefile, CRS84
or EPSG:27700) -> la_boundaries, one row per area, keyed on its code when the file has one, else its name.
The national map dissolves them into the LAs that schools belong to (districts into their county)."""
from __future__ import annotations

import re

import pandas as pd

from ..errors import InputFileError
from ..warehouse import LoadResult, TableRows
from .geometry import read_geometry_file
from .reader import resolve_columns
from .registry import source
from .row_checks import RowProblems

SOURCE = "la-boundaries"
CODE_FIELD = re.compile(r"^(lad|cty|ctyua|utla|ltla|la|cua)\d{0,2}cd$", re.IGNORECASE)
NAME_FIELD = re.compile(r"^(lad|cty|ctyua|utla|ltla|la|cua)\d{0,2}nm$", re.IGNORECASE)
ALIASES = {"code": ["code", "area_code", "lad_code", "la_code"], "name": ["name", "area_name", "lad_name", "la_name"]}
AREA_CODE = re.compile(r"^[EW]\d{8}$")
MAX_NAME = 200


def _aliases(columns) -> dict[str, list[str]]:
    """The alias lists with the file's own ONS-style fields first (LAD22CD, CTYUA23NM, ...)."""
    return {"code": [c for c in columns if CODE_FIELD.match(str(c).strip())] + ALIASES["code"],
            "name": [c for c in columns if NAME_FIELD.match(str(c).strip())] + ALIASES["name"]}


@source(SOURCE, "Local authority outlines (ONS LAD or county/unitary boundaries; GeoJSON/GeoPackage/Shapefile)",
        "repaudit load la-boundaries LAD22_outlines_EW.geojson.gz")
def read(path, vintage=None, crs=None, **_):
    layer = read_geometry_file(path, kind="polygon", source=SOURCE, crs=crs)
    table = layer.attributes
    cols = resolve_columns(table, _aliases(table.frame.columns), [], SOURCE)
    if "code" not in cols and "name" not in cols:
        raise InputFileError(layer.path, "has no area code or name property (expected e.g. LAD22CD or LAD22NM, "
                                         "CTYUA23CD, code, name)")
    n = len(table.frame)
    codes = (cols["code"].astype(str).str.strip().str.upper() if "code" in cols
             else pd.Series([""] * n, index=table.frame.index))
    names = (cols["name"].astype(str).str.strip() if "name" in cols
             else pd.Series([""] * n, index=table.frame.index))
    problems = RowProblems(table)
    problems.flag(layer.unusable.notna(), layer.unusable)
    problems.flag((codes.eq("") & names.eq("")).to_numpy(), "the area has neither a code nor a name")
    problems.flag((codes.ne("") & ~codes.str.match(AREA_CODE)).to_numpy(),
                  "the area code '" + codes + "' is not an ONS area code (a letter E or W and 8 digits)")
    problems.flag((names.str.len() > MAX_NAME).to_numpy(), f"the area name is longer than {MAX_NAME} characters")
    key = codes.where(codes.ne(""), names)
    problems.flag_duplicates(pd.DataFrame({"area": key}), "area code or name")
    keep = problems.ok
    frame = pd.DataFrame({
        "area": key[keep].to_numpy(),
        "code": codes[keep].replace("", None).to_numpy(),
        "name": names[keep].replace("", None).to_numpy(),
        "geom": layer.wkb(keep),
    })
    notes = list(layer.notes)
    if "code" not in cols:
        notes.append("the file has no area codes: areas are matched to schools' LAs by name through the LSOA "
                     "lookup's district names")
    return LoadResult(SOURCE, layer.path.name, vintage or layer.path.name, n,
                      [TableRows("la_boundaries", frame, ["area"], geometry_columns=("geom",))],
                      problems.rejects(), notes)
