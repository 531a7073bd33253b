"""Result tables turned into the map's compact data: one shared table of school attributes and one
GeoJSON FeatureCollection per indicator whose features carry only the numbers (short keys, rounded)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import describe, plain
from ..ranking import schools_in_order
from .geometry import DECIMALS, lonlat

FLAG_CODES = {"below_998": 0, "below_95": 1, "within": 2, "above_95": 3, "above_998": 4}
FLAGGED = ("below_998", "below_95", "above_95", "above_998")

# Shared school attributes; the categorical ones are sent once each as a list and referenced by index.
SCHOOL_FIELDS = ("urn", "name", "la_name", "region", "trust", "trust_code", "phase", "type",
                 "selective", "faith", "years", "vintage")
CATEGORICAL = ("la_name", "region", "trust", "trust_code", "phase", "type", "years", "vintage")

# Feature property key -> (result column, decimals). Rates to 0.01 pp so a 1-decimal gap is exact.
NUMBERS = {"n": ("pupils", 0), "s": ("school_rate", 4), "c": ("community_rate", 4), "g": ("gap_pp", 2),
           "r": ("ratio", 3), "z": ("z", 2), "h": ("shortfall", 1),
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


def school_table(rows: pd.DataFrame) -> tuple[dict, dict[int, int]]:
    """The shared attribute table {fields, categories, rows} and a map URN -> row index."""
    one = rows.drop_duplicates("urn").reset_index(drop=True)
    categories, columns = {}, {}
    for field in SCHOOL_FIELDS:
        values = [_clean(v) for v in (one[field].tolist() if field in one else [None] * len(one))]
        if field == "years":
            values = [None if v is None else describe.pooled_years(v) for v in values]
        if field in ("name", "trust"):
            values = [None if v is None else plain.name_case(v) for v in values]
        if field in CATEGORICAL:
            values = [None if v is None else str(v) for v in values]
            categories[field] = sorted({v for v in values if v is not None})
            lookup = {v: k for k, v in enumerate(categories[field])}
            values = [None if v is None else lookup[v] for v in values]
        elif field in ("selective", "faith"):
            values = [None if v is None else int(bool(v)) for v in values]
        elif field == "urn":
            values = [int(v) for v in values]
        else:
            values = [None if v is None else str(v) for v in values]
        columns[field] = values
    table_rows = [[columns[f][k] for f in SCHOOL_FIELDS] for k in range(len(one))]
    index = {int(u): k for k, u in enumerate(one["urn"])}
    return {"fields": list(SCHOOL_FIELDS), "categories": categories, "rows": table_rows}, index


def _column(part: pd.DataFrame, column: str, decimals: int) -> list:
    """A result column rounded for the map, as Python values with None for missing."""
    if column not in part:
        return [None] * len(part)
    values = pd.to_numeric(part[column], errors="coerce").to_numpy(dtype=float)
    rounded = np.round(values, decimals)
    if decimals == 0:
        return [None if math.isnan(v) else int(v) for v in rounded]
    return [None if math.isnan(v) else float(v) for v in rounded]


def indicator_features(rows: pd.DataFrame, indicator: str, index: dict[int, int]) -> dict:
    """One FeatureCollection of the drawable schools of INDICATOR; properties i (school index), n, s, c, g,
    r, z, h, mf, mr, gl, gh, rk, rl, rh (see NUMBERS; absent when the result has no such column), hl and hh
    (the 95% range of the shortfall, repaudit.plain), f (flag code) and x = 1 when the values are suppressed."""
    part = schools_in_order(rows[(rows["indicator"] == indicator) & rows["lon"].notna() & rows["lat"].notna()])
    columns = {key: _column(part, column, decimals) for key, (column, decimals) in NUMBERS.items()}
    low, high = plain.shortfall_ranges(part)
    columns["hl"] = [None if math.isnan(v) else float(round(v, 1)) for v in low]
    columns["hh"] = [None if math.isnan(v) else float(round(v, 1)) for v in high]
    flags = [FLAG_CODES.get(_clean(f)) for f in part["flag"].tolist()] if "flag" in part else [None] * len(part)
    hidden = part["suppressed"].astype(bool).tolist() if "suppressed" in part else [False] * len(part)
    features = []
    for k, (urn, lon, lat) in enumerate(zip(part["urn"].tolist(), part["lon"].tolist(), part["lat"].tolist())):
        props = {"i": index[int(urn)]}
        for key, values in columns.items():
            if values[k] is not None:
                props[key] = values[k]
        if flags[k] is not None:
            props["f"] = flags[k]
        if hidden[k]:
            props["x"] = 1
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]}})
    return {"type": "FeatureCollection", "features": features}


def flagged_urns(rows: pd.DataFrame) -> list[int]:
    """URNs of schools outside a funnel limit for any indicator (their catchments are outlined)."""
    return sorted({int(u) for u in rows.loc[rows["flag"].isin(FLAGGED), "urn"]})


def excluded_counts(schools: pd.DataFrame, indicator: str) -> dict[str, int]:
    """Schools excluded from INDICATOR's audit, by reason (the legend and report list them)."""
    out = schools[(schools["status"] != "audited") & (schools["indicator"] == indicator)]
    reasons = out["exclusion_reason"].fillna("no reason given").astype(str)
    return {k: int(v) for k, v in reasons.value_counts().sort_index().items()}
