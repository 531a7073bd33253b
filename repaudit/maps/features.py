"""Result tables turned into the map's compact data, one array per field: a shared table of school attributes
(with each school's location, sent once for every indicator) and, per indicator, the numbers of its drawable
schools in rank order. Numbers travel as whole numbers at the precision the page shows them (see SCALE):
a national map with every indicator stays a few megabytes."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import describe, plain
from ..ranking import schools_in_order
from .geometry import DECIMALS, lonlat

FLAG_CODES = {"below_998": 0, "below_95": 1, "within": 2, "above_95": 3, "above_998": 4}
FLAGGED = ("below_998", "below_95", "above_95", "above_998")

# Shared school attributes; the categorical ones are sent once each as a list and referenced by position + 1
# (0: none). lon and lat are the school's location.
SCHOOL_FIELDS = ("urn", "name", "la_name", "region", "trust", "trust_code", "phase", "type",
                 "selective", "faith", "years", "vintage", "lon", "lat")
CATEGORICAL = ("la_name", "region", "trust", "trust_code", "phase", "type", "years", "vintage")

# Per-indicator key -> (result column, decimals), the value sent as round(value * 10 ** decimals). Rates to
# 0.01 pp so a 1-decimal gap is exact; shortfalls and their ranges in whole pupils, as the popup says them.
NUMBERS = {"n": ("pupils", 0), "s": ("school_rate", 4), "c": ("community_rate", 4), "g": ("gap_pp", 2),
           "r": ("ratio", 2), "z": ("z", 2), "h": ("shortfall", 0),
           # across community models (when the audit compared them) and the rank interval
           "mf": ("models_flagged", 0), "mr": ("models_run", 0), "gl": ("gap_min_pp", 1), "gh": ("gap_max_pp", 1),
           "rk": ("rank", 0), "rl": ("rank_low", 0), "rh": ("rank_high", 0)}


def _clean(value):
    """A JSON-ready scalar: NaN/NA -> None, numpy types -> Python."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value


def scaled(values, decimals: int) -> list:
    """VALUES (floats, NaN for missing) as whole numbers round(value * 10 ** DECIMALS), None for missing."""
    rounded = np.round(np.asarray(values, dtype=float) * 10 ** decimals)
    return [None if math.isnan(v) else int(v) for v in rounded]


def packed(values: list):
    """A column as sent: its one value when every row has the same (the page repeats it); {"digits": "0120..."}
    when every value is a whole number from 0 to 9 (flags, categories, counts of models); else the list."""
    if values and all(v == values[0] for v in values):
        return values[0]
    if values and all(type(v) is int and 0 <= v <= 9 for v in values):
        return {"digits": "".join(str(v) for v in values)}
    return values


def drawable(schools: pd.DataFrame) -> pd.DataFrame:
    """Audited school rows with lon/lat (from lat/lon or easting/northing), rounded to 5 decimals; schools with no
    location (GIAS gives none, or it was rejected) cannot be drawn and are left out (see unplaced_text)."""
    rows = schools[schools["status"] == "audited"].copy()
    lon = rows["lon"].astype(float) if "lon" in rows else pd.Series(np.nan, rows.index)
    lat = rows["lat"].astype(float) if "lat" in rows else pd.Series(np.nan, rows.index)
    need = lon.isna() | lat.isna()
    if need.any() and {"easting", "northing"} <= set(rows.columns):
        plon, plat = lonlat(rows.loc[need, "easting"], rows.loc[need, "northing"])
        lon[need], lat[need] = plon, plat
    rows["lon"], rows["lat"] = lon.round(DECIMALS), lat.round(DECIMALS)
    return rows[np.isfinite(rows["lon"]) & np.isfinite(rows["lat"])]


def unplaced_text(schools: pd.DataFrame, drawn: pd.DataFrame) -> str | None:
    """A sentence naming how many audited schools are not on the map for want of a location, or None."""
    audited = set(schools.loc[schools["status"] == "audited", "urn"])
    missing = len(audited - set(drawn["urn"]))
    if not missing:
        return None
    return (f"{missing} audited school{'s have' if missing > 1 else ' has'} no location and "
            f"{'are' if missing > 1 else 'is'} not drawn (listed in schools.csv).")


def school_table(rows: pd.DataFrame, lead: str | None = None) -> tuple[dict, dict[int, int]]:
    """The shared attribute table {count, fields, categories, columns, scale} (one array per field, see packed;
    a categorical value is its position in categories[field] + 1, 0 for none; lon and lat scaled by 10 ** scale)
    and a map URN -> row index. The schools of indicator LEAD come first, in its rank order, so that its layer
    needs no row index (indicator_columns)."""
    if lead is not None:
        rows = pd.concat([schools_in_order(rows[rows["indicator"] == lead]), rows])
    one = rows.drop_duplicates("urn").reset_index(drop=True)
    categories, columns = {}, {}
    for field in SCHOOL_FIELDS:
        if field in ("lon", "lat"):
            columns[field] = packed(scaled(one[field], DECIMALS))
            continue
        values = [_clean(v) for v in (one[field].tolist() if field in one else [None] * len(one))]
        if field == "years":
            values = [None if v is None else describe.pooled_years(v) for v in values]
        if field in ("name", "trust"):
            values = [None if v is None else plain.name_case(v) for v in values]
        if field in CATEGORICAL:
            values = [None if v is None else str(v) for v in values]
            categories[field] = sorted({v for v in values if v is not None})
            lookup = {v: k + 1 for k, v in enumerate(categories[field])}
            values = [0 if v is None else lookup[v] for v in values]
        elif field in ("selective", "faith"):
            values = [None if v is None else int(bool(v)) for v in values]
        elif field == "urn":
            values = [int(v) for v in values]
        else:
            values = [None if v is None else str(v) for v in values]
        columns[field] = packed(values)
    index = {int(u): k for k, u in enumerate(one["urn"])}
    return {"count": len(one), "fields": list(SCHOOL_FIELDS), "categories": categories, "columns": columns,
            "scale": {"lon": DECIMALS, "lat": DECIMALS}}, index


def _numbers(part: pd.DataFrame, column: str) -> np.ndarray:
    if column not in part:
        return np.full(len(part), np.nan)
    return pd.to_numeric(part[column], errors="coerce").to_numpy(dtype=float)


def indicator_columns(rows: pd.DataFrame, indicator: str, index: dict[int, int]) -> dict:
    """The drawable schools of INDICATOR, least representative first, one array per field: {count, i (row of
    the school table, None when it is the row's own position), columns, scale, suppressed, rank_is_order}. columns holds those of n, s, c, g, r, z,
    h, mf, mr, gl, gh, rk, rl, rh (NUMBERS) the result has, hl and hh (the shortfall's 95% range in whole
    pupils, repaudit.plain) and f (flag code), None where a school has no value; rk is left out, and
    rank_is_order set, when every rank is its row's position + 1; suppressed lists the rows whose values are
    suppressed."""
    part = schools_in_order(rows[(rows["indicator"] == indicator) & rows["lon"].notna() & rows["lat"].notna()])
    columns, scale = {}, {}
    for key, (column, decimals) in NUMBERS.items():
        values = _numbers(part, column)
        if np.isnan(values).all():
            continue
        columns[key] = scaled(values, decimals)
        if decimals:
            scale[key] = decimals
    low, high = plain.shortfall_ranges(part)
    if not (np.isnan(low).all() and np.isnan(high).all()):
        columns["hl"], columns["hh"] = scaled(low, 0), scaled(high, 0)
    if "flag" in part:
        columns["f"] = [FLAG_CODES.get(_clean(f)) for f in part["flag"].tolist()]
    rank_is_order = "rk" in columns and columns["rk"] == list(range(1, len(part) + 1))
    if rank_is_order:
        del columns["rk"]
    hidden = part["suppressed"].astype(bool).to_numpy() if "suppressed" in part else np.zeros(len(part), bool)
    rows_of = [index[int(u)] for u in part["urn"]]
    return {"count": len(part), "i": None if rows_of == list(range(len(part))) else rows_of,
            "columns": {k: packed(v) for k, v in columns.items()}, "scale": scale,
            "suppressed": np.flatnonzero(hidden).tolist(), "rank_is_order": rank_is_order}


def flagged_urns(rows: pd.DataFrame) -> list[int]:
    """URNs of schools outside a funnel limit for any indicator (their catchments are outlined)."""
    return sorted({int(u) for u in rows.loc[rows["flag"].isin(FLAGGED), "urn"]})


def excluded_counts(schools: pd.DataFrame, indicator: str) -> dict[str, int]:
    """Schools excluded from INDICATOR's audit, by reason (the legend and report list them)."""
    out = schools[(schools["status"] != "audited") & (schools["indicator"] == indicator)]
    reasons = out["exclusion_reason"].fillna("no reason given").astype(str)
    return {k: int(v) for k, v in reasons.value_counts().sort_index().items()}
