"""Published catchment polygons (CRS84 or EPSG:27700) with a name property -> catchments, one layer per file;
the school's URN comes from a URN property or from a `--urn-map` CSV of name,urn."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputFileError
from ..warehouse import LoadResult, TableRows
from .geometry import read_geometry_file
from .reader import parse_number, read_csv_table, resolve_columns
from .registry import source
from .row_checks import RowProblems

SOURCE = "catchments"
ALIASES = {
    "name": ["catchment", "catchment_name", "name", "area", "area_name", "school", "school_name", "label"],
    "catchment_id": ["id", "fid", "catchment_id", "objectid"],
    "urn": ["URN", "school_urn"],
}
MAX_NAME = 1_000
URN_MAP_ALIASES = {"name": ["catchment", "catchment_name", "area"], "urn": ["URN", "school_urn"]}


@source(SOURCE, "Catchment polygons with a name property (GeoJSON/GeoPackage/Shapefile; CRS84 or EPSG:27700)",
        "repaudit load catchments catchment_z.geojson --urn-map catchment_urns.csv")
def read(path, vintage=None, crs=None, urn_map=None, warehouse=None, **_):
    layer = read_geometry_file(path, kind="polygon", source=SOURCE, crs=crs)
    table = layer.attributes
    cols = resolve_columns(table, ALIASES, ["name"], SOURCE)
    names = cols["name"].astype(str).str.strip()
    ids, id_note = _catchment_ids(cols, table.line)

    problems = RowProblems(table)
    problems.flag(layer.unusable.notna(), layer.unusable)
    problems.flag(names.eq("").to_numpy(), "the catchment has no name")
    problems.flag((names.str.len() > MAX_NAME).to_numpy(),
                  "the catchment name is " + names.str.len().map("{:,}".format) + f" characters long (more than "
                  f"{MAX_NAME:,}): not a name")
    problems.flag_duplicates(pd.DataFrame({"catchment_id": ids}), "catchment id")
    urns, urn_notes = _urns(cols, names, urn_map, problems)
    keep = problems.ok
    layer_name = _stem(layer.path)
    frame = pd.DataFrame({
        "layer": layer_name,
        "catchment_id": ids[keep].to_numpy(),
        "name": names[keep].to_numpy(),
        "urn": urns[keep],
        "geom": layer.wkb(keep),
    })
    notes = layer.notes + ([id_note] if id_note else []) + urn_notes + _unmatched(frame, warehouse)
    return LoadResult(SOURCE, layer.path.name, vintage or layer_name, len(names),
                      [TableRows("catchments", frame, ["layer", "catchment_id"], geometry_columns=("geom",))],
                      problems.rejects(), notes)


def _stem(path: Path) -> str:
    """The file name without its extensions ('catchment_z.geojson.gz' -> 'catchment_z')."""
    name = path.name
    while Path(name).suffix.lower() in {".gz", ".zip", ".geojson", ".json", ".gpkg", ".shp"}:
        name = Path(name).stem
    return name


def _catchment_ids(cols: pd.DataFrame, lines) -> tuple[pd.Series, str | None]:
    """The file's id property when every feature has a distinct one, else the feature number."""
    if "catchment_id" in cols:
        ids = cols["catchment_id"].astype(str).str.strip()
        if not ids.eq("").any() and not ids.duplicated().any():
            return ids, None
        note = "the id property is blank or repeated: features are identified by their number in the file"
    else:
        note = None
    return pd.Series([str(n) for n in lines]), note


def _urns(cols, names, urn_map, problems: RowProblems) -> tuple[pd.array, list[str]]:
    """Each catchment's URN: from a URN property, else from the --urn-map file by name (case-insensitive)."""
    urns = pd.array([pd.NA] * len(names), dtype="Int64")
    notes = []
    if "urn" in cols:
        problems.flag_bad_numbers(cols, "urn", "URN")
        urns = pd.array(parse_number(cols["urn"]).round(), dtype="Int64")
    if urn_map:
        mapping = read_urn_map(urn_map)
        looked_up = names.str.lower().map(mapping)
        urns = pd.array(np.where(looked_up.notna(), looked_up, urns), dtype="Int64")
        unmatched = sorted(set(mapping) - set(names.str.lower()))
        notes.append(f"--urn-map gave a URN to {int(looked_up.notna().sum())} of {len(names)} catchments")
        if unmatched:
            notes.append(f"--urn-map names matching no catchment in this file: {', '.join(unmatched)}")
    return urns, notes


def _unmatched(frame: pd.DataFrame, warehouse) -> list[str]:
    """Notes naming the catchments that belong to no school: no URN at all, or a URN not among the loaded schools."""
    notes = []
    missing = frame.loc[frame["urn"].isna(), "name"].tolist()
    if missing:
        notes.append(f"{len(missing)} catchment{'s' if len(missing) > 1 else ''} with no school URN (kept; the "
                     "catchment model gives each to the schools standing inside it; name the school with --urn-map): "
                     f"{_names(missing)}")
    if warehouse is None:
        return notes
    known = set(warehouse.df("SELECT urn FROM schools").urn.astype("int64"))
    with_urn = frame[frame["urn"].notna()]
    unknown = with_urn[~with_urn["urn"].astype("int64").isin(known)]
    if len(unknown) and known:
        notes.append(f"{len(unknown)} catchment{'s' if len(unknown) > 1 else ''} whose URN is not a school in the "
                     "warehouse (kept, but no school is matched to it by URN; load the GIAS file that has it or correct "
                     "the URN): "
                     + _names([f"{n} (URN {u})" for n, u in zip(unknown["name"], unknown["urn"])]))
    elif len(unknown):
        notes.append("no schools are loaded, so the catchments' URNs could not be checked: load GIAS first")
    return notes


def _names(names: list[str], limit: int = 10) -> str:
    printable = ["".join(c for c in str(n)[:80] if c.isprintable()) for n in names[:limit]]
    shown = ", ".join(f"'{n}'" for n in printable)
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def read_urn_map(path) -> dict[str, int]:
    """A name,urn CSV as {lower-case name: URN}; a bad URN or a name given two URNs is an error."""
    raw = read_csv_table(path)
    cols = resolve_columns(raw, URN_MAP_ALIASES, ["name", "urn"], "urn-map")
    urn = parse_number(cols["urn"])
    for i in np.flatnonzero(urn.isna().to_numpy() | (urn % 1 != 0).to_numpy()):
        raise InputFileError(path, f"URN '{cols['urn'].iloc[i]}' is not a whole number; expected name,urn rows",
                             row=int(raw.line[i]), column="urn")
    mapping: dict[str, int] = {}
    for i, (name, value) in enumerate(zip(cols["name"].str.strip().str.lower(), urn.astype(int))):
        if mapping.get(name, value) != value:
            raise InputFileError(path, f"catchment '{name}' is given two URNs ({mapping[name]} and {value}); the "
                                       "catchments table holds one school per catchment, so leave shared "
                                       "catchments out of the map", row=int(raw.line[i]))
        mapping[name] = value
    return mapping
