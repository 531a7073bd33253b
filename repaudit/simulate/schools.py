"""Schools for a simulation: PANs from a capacities CSV (`urn, pan`) or estimated from the warehouse.

A capacities CSV may also carry `name`, `easting`, `northing` (EPSG:27700), `type` (GIAS establishment
type) or `la_admissions` (1 when the local authority is the admission authority) and `area` (for D and
GS); what it lacks is taken from the warehouse `schools` table. The LA is the admission authority of
community and voluntary controlled schools; policies with `applies_to = "community"` apply there only.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputFileError, WarehouseError
from ..sources.plausibility import SCHOOL_PAN
from ..sources.reader import parse_number, read_csv_table, resolve_columns
from ..sources.school_keys import parse_urns
from .game import Schools

LA_ADMISSIONS_TYPES = ("community school", "voluntary controlled school")
YEAR_GROUPS = {"primary": 7, "secondary": 5, "middle deemed secondary": 4, "middle deemed primary": 4,
               "all-through": 12}
ALIASES = {   # the documented name first: error messages name it
    "urn": ["urn", "school_urn"],
    "pan": ["pan", "published_admission_number", "places", "capacity"],
    "name": ["name", "school_name", "establishmentname"],
    "easting": ["easting", "x"],
    "northing": ["northing", "y"],
    "type": ["type", "typeofestablishment", "establishment_type", "typeofestablishment_name"],
    "la_admissions": ["la_admissions", "la_admission_authority", "community"],
    "area": ["area", "la_name", "la", "local_authority"],
    "selective": ["selective", "grammar"],
    "sex": ["sex", "gender", "sex_of_school", "sex_of_school_description"],
}


def read_capacities(path: str | Path) -> pd.DataFrame:
    """A capacities CSV as urn, pan and whichever optional columns it has; errors name row and column."""
    table = read_csv_table(path)
    frame = resolve_columns(table, ALIASES, ["urn", "pan"], "capacities")
    out = pd.DataFrame(index=frame.index)
    for col in ("urn", "pan"):
        value = parse_number(frame[col])
        bad = value.isna() | (value < 0) | (value != np.floor(value))
        if bad.any():
            i = int(np.argmax(bad.to_numpy()))
            raise InputFileError(path, f"'{frame[col].iloc[i]}' is not a whole number >= 0", row=int(table.line[i]),
                                 column=col)
        _check_range(path, table, col, frame[col], value)
        out[col] = value.astype(np.int64)
    dup = out["urn"].duplicated()
    if dup.any():
        i = int(np.argmax(dup.to_numpy()))
        raise InputFileError(path, f"URN {out['urn'].iloc[i]} is listed twice", row=int(table.line[i]), column="urn")
    for col in ("easting", "northing"):
        if col in frame:
            out[col] = parse_number(frame[col])
    for col in ("name", "type", "area"):
        if col in frame:
            out[col] = frame[col].astype(str).str.strip()
    for col in ("la_admissions", "selective"):
        if col in frame:
            out[col] = frame[col].astype(str).str.strip().str.lower().isin(["1", "yes", "true", "y"])
    if "sex" in frame:
        text = frame["sex"].astype(str).str.strip().str.lower()
        bad = ~text.isin(["boys", "girls", "mixed", ""])
        if bad.any():
            i = int(np.argmax(bad.to_numpy()))
            raise InputFileError(path, f"'{frame['sex'].iloc[i]}' is not boys, girls or mixed", row=int(table.line[i]),
                                 column="sex")
        out["sex"] = text.map(school_sex)
    return out


def _check_range(path, table, col: str, text: pd.Series, value: pd.Series) -> None:
    """A PAN beyond what any school offers, or a URN too large to be one, is an error naming its row."""
    if col == "pan":
        reasons = SCHOOL_PAN.reasons("PAN", text, value.to_numpy())
    else:
        reasons = np.where(parse_urns(text)[1], "URN '" + text.astype(str).str.strip() + "' is not a school's URN "
                           "(a whole number from 1 to 2,147,483,647)", None)
    wrong = pd.notna(reasons)
    if wrong.any():
        i = int(np.argmax(wrong))
        raise InputFileError(path, reasons[i], row=int(table.line[i]), column=col)


def warehouse_schools(wh, urns=None, la: str | None = None, phase: str = "Secondary") -> pd.DataFrame:
    """Open schools from the warehouse, with PAN estimated as capacity / year groups (an approximation:
    give real PANs with --capacities). Either the URNs asked for or every open school of PHASE in LA."""
    wh.require("schools")
    if urns is not None:
        frame = wh.df("SELECT * FROM schools WHERE urn IN (SELECT unnest(?))", [list(map(int, urns))])
    else:
        frame = wh.df(
            "SELECT * FROM schools WHERE coalesce(status, 'Open') ILIKE 'open%' AND phase ILIKE ? "
            "AND (? IS NULL OR la_name ILIKE ? OR la_code = ? OR lad_code = ?) "
            "AND coalesce(type_group, '') NOT ILIKE 'independent%' AND coalesce(type, '') NOT ILIKE '%special%'",
            [phase, la, la, la, la])
        if frame.empty:
            raise WarehouseError(f"no open {phase.lower()} schools{' in ' + la if la else ''} in the warehouse {wh.path}")
    groups = frame["phase"].fillna("secondary").str.lower().map(YEAR_GROUPS).fillna(5)
    frame["pan"] = np.floor(frame["capacity"].astype(float) / groups).astype("Int64")
    frame["area"] = frame["la_name"]
    return frame[["urn", "name", "pan", "easting", "northing", "type", "area"]]


def complete(capacities: pd.DataFrame | None, stored: pd.DataFrame | None) -> pd.DataFrame:
    """Capacities completed with names, locations, types and areas from the warehouse (capacities win)."""
    if capacities is None:
        return stored
    if stored is None or stored.empty:
        return capacities
    merged = capacities.merge(stored.drop(columns=["pan"]), on="urn", how="left", suffixes=("", "_stored"))
    for col in ("name", "easting", "northing", "type", "area"):
        if f"{col}_stored" in merged:
            merged[col] = merged[col].where(merged[col].notna(), merged[f"{col}_stored"]) if col in capacities \
                else merged[f"{col}_stored"]
    return merged[[c for c in merged.columns if not c.endswith("_stored")]]


def to_schools(frame: pd.DataFrame, source: str = "capacities") -> Schools:
    """Arrays for the game; a school without PAN or location is an error naming its URN (never dropped)."""
    for col in ("pan", "easting", "northing"):
        if col not in frame or frame[col].isna().any():
            bad = frame["urn"][frame[col].isna()].tolist() if col in frame else frame["urn"].tolist()
            raise InputFileError(source, f"school(s) {', '.join(map(str, bad[:10]))} have no {col}; add a '{col}' "
                                         "column to --capacities or load GIAS into the warehouse")
    if "la_admissions" in frame:
        community = frame["la_admissions"].fillna(False).astype(bool).to_numpy()
    elif "type" in frame:
        community = frame["type"].fillna("").str.lower().isin(LA_ADMISSIONS_TYPES).to_numpy()
    else:
        community = np.ones(len(frame), dtype=bool)
    names = frame["name"] if "name" in frame else frame["urn"].astype(str)
    areas = frame["area"] if "area" in frame else pd.Series("all", index=frame.index)
    selective = frame["selective"].fillna(False).astype(bool).to_numpy() if "selective" in frame else None
    sex = frame["sex"].map(school_sex).to_numpy(object) if "sex" in frame else None
    return Schools(
        urn=frame["urn"].to_numpy(np.int64),
        name=names.fillna("").astype(str).to_numpy(object),
        pan=frame["pan"].astype(np.int64).to_numpy(),
        xy=np.column_stack([frame["easting"].to_numpy(float), frame["northing"].to_numpy(float)]),
        community=community,
        area=areas.fillna("all").astype(str).to_numpy(object),
        selective=selective, sex=sex,
    )


def school_sex(text) -> str:
    """'boys', 'girls' or 'mixed' from the SPC / GIAS wording ('Boys', 'Girls', 'Mixed'; anything else mixed)."""
    word = str(text).strip().lower() if isinstance(text, str) else ""
    return word if word in ("boys", "girls") else "mixed"


def read_first_preferences(path: str | Path) -> pd.DataFrame:
    """Preference counts per school for calibrating synthetic preferences: `urn, count` (first
    preferences) and, when the file has them, `pref2` and `pref3` (times listed 2nd and 3rd)."""
    table = read_csv_table(path)
    frame = resolve_columns(table, {"urn": ["urn", "school_urn"],
                                    "count": ["count", "first_preferences", "pref1", "times_put_as_1st_preference"],
                                    "pref2": ["pref2", "second_preferences", "times_put_as_2nd_preference"],
                                    "pref3": ["pref3", "third_preferences", "times_put_as_3rd_preference"]},
                            ["urn", "count"], "first preferences")
    out = pd.DataFrame(index=frame.index)
    for col in [c for c in ("urn", "count", "pref2", "pref3") if c in frame]:
        value = parse_number(frame[col])
        bad = value.isna() | (value < 0)
        if bad.any():
            i = int(np.argmax(bad.to_numpy()))
            raise InputFileError(path, f"'{frame[col].iloc[i]}' is not a number >= 0", row=int(table.line[i]),
                                 column=col)
        out[col] = value
    out["urn"] = out["urn"].astype(np.int64)
    return out
