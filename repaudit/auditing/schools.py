"""One row per input school and indicator: pool the years, compare with the community, flag.

Pooling (METHODS §4): numerators and denominators are summed over the years of the window in which
both the school and its community have data; the community is taken in the same year as the school,
so the pooled community rate is the school's expected count over its pupil-years. `pupils` is the
school's average yearly denominator, and z, funnel flags and shortfall use it (the same children are
counted in several years, so pupil-years would overstate the evidence).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import stats
from .indicators import INDICATORS
from .scope import NOT_COMPARABLE

POOL_COLUMNS = ["pool_schools", "pool_pupils", "pool_excluded_selective"]   # school-pool models only
COLUMNS = ["urn", "name", "la", "la_name", "region", "trust", "trust_code", "phase", "type", "selective", "faith",
           "indicator", "community_model", "pupils", "school_rate", "community_rate", "gap_pp", "ratio", "z",
           "flag", "shortfall", "status", "exclusion_reason", "years", "vintage", "easting", "northing", "lat",
           "lon"] + POOL_COLUMNS

NO_AREAS = {
    "catchment": "no catchment polygon for the school, or no LSOA centroid inside it",
    "flows": "no residence flows for the school in the years",
    "residential": "no LSOA with child population within reach",
    "proximity": "no children assigned to the school: the children of the LSOAs near it all found a nearer "
                 "school with room",
    "nearby-schools": "no same-phase school with data nearby",
    "nearby-primaries": "no state-funded primary school with data within reach",
    "la": "no LA figure",
}


def _year_lists(frame: pd.DataFrame) -> pd.Series:
    """'2021,2022' per urn from rows (urn, year), without a Python call per school: each school's
    years become a bit mask, and each distinct mask is spelled out once."""
    first = int(frame["year"].min())
    masks = (2 ** (frame["year"].astype(int) - first)).groupby(frame["urn"]).sum()
    spelled = {m: ",".join(str(first + b) for b in range(int(m).bit_length()) if int(m) >> b & 1)
               for m in masks.unique()}
    return masks.map(spelled)


def pool(per_year: pd.DataFrame) -> pd.DataFrame:
    """Per school: summed numerator and denominator, expected count and years, over the years in which
    the community rate (column `community_rate`) is known. Input columns: urn, year, numerator,
    denominator, community_rate, vintage."""
    ok = per_year[per_year["community_rate"].notna() & (per_year["denominator"] > 0)].copy()
    ok["expected"] = ok["denominator"] * ok["community_rate"]
    ok["variance_term"] = ok["community_rate"] * (1 - ok["community_rate"])
    ok = ok.sort_values(["urn", "year"])
    if ok.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in
                             ("urn", "numerator", "denominator", "expected", "n_years", "years", "vintage")})
    grouped = ok.groupby("urn")
    out = pd.DataFrame({
        "numerator": grouped["numerator"].sum(),
        "denominator": grouped["denominator"].sum(),
        "expected": grouped["expected"].sum(),
        "n_years": grouped["year"].count(),
        "years": _year_lists(ok),
        "vintage": grouped["vintage"].last(),
    })
    return out.reset_index()


def school_only(per_year: pd.DataFrame) -> pd.DataFrame:
    """Per school: the pooled school rate over every year it has data (for schools with no community)."""
    ok = per_year[per_year["denominator"] > 0].sort_values(["urn", "year"])
    if ok.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in
                             ("urn", "school_rate_only", "pupils_only", "years_only", "vintage_only")})
    g = ok.groupby("urn")
    return pd.DataFrame({
        "school_rate_only": g["numerator"].sum() / g["denominator"].sum(),
        "pupils_only": g["denominator"].mean(),
        "years_only": _year_lists(ok),
        "vintage_only": g["vintage"].last(),
    }).reset_index()


def compare(pooled: pd.DataFrame) -> pd.DataFrame:
    """Add school_rate, community_rate, pupils, gap_pp, ratio, the plain binomial z and shortfall (in whole
    pupils); the flags, which need every school of the phase, come from repaudit/auditing/dispersion.py."""
    out = pooled.copy()
    out["school_rate"] = out["numerator"] / out["denominator"]
    out["community_rate"] = out["expected"] / out["denominator"]
    out["pupils"] = out["denominator"] / out["n_years"]
    out["z"] = stats.z_score(out["school_rate"], out["community_rate"], out["pupils"])
    out["gap_pp"] = stats.gap_pp(out["school_rate"], out["community_rate"])
    out["ratio"] = stats.ratio(out["school_rate"], out["community_rate"])
    out["flag"] = None
    out["shortfall"] = np.round(stats.shortfall(out["school_rate"], out["community_rate"], out["pupils"]))
    return out


LOW = "low number"          # the reader's meaning of the token 'low': a count of 1 or 2
SUPPRESSED = "count suppressed in the source"
LEFT_OUT = ("no pupils", SUPPRESSED, "data for the years")   # reasons that leave a school out of area figures


def suppressed_reason(label: str, reasons: str) -> str:
    """Why a school whose count the source suppressed is excluded; a 'low' count is bounded, not missing."""
    if LOW in reasons:
        return (f"{label} {SUPPRESSED} as 'low' (1 or 2 pupils: never read as 0 or as missing; rule: a suppressed "
                "count excludes the school)")
    return f"{label} {SUPPRESSED} ({reasons}; rule: a suppressed count excludes the school)"


def left_out(rows: pd.DataFrame) -> pd.Series:
    """True for in-scope rows without a school rate because the school's count is missing or suppressed."""
    reason = rows["exclusion_reason"].fillna("").astype(str)
    return rows["school_rate"].isna() & pd.Series(
        [any(part in r for part in LEFT_OUT) and "outside" not in r for r in reason], index=rows.index)


def assemble(inputs: pd.DataFrame, compared: pd.DataFrame, values: pd.DataFrame, weighted: set,
             indicator: str, model, needs_location: bool, no_community: str | None = None,
             suppressed: pd.Series | None = None) -> pd.DataFrame:
    """Every input school once for INDICATOR: audited with its statistics, or excluded with a reason.

    values: every school's counts in the window (urn, year, numerator, denominator, vintage);
    weighted: URNs that had any community areas (to tell 'no areas' from 'areas without data');
    no_community: the reason for every school when the model has no area data for INDICATOR at all;
    suppressed: {urn: the source's reasons} for schools whose count is suppressed in the window."""
    label = INDICATORS[indicator].label
    suppressed = suppressed if suppressed is not None else pd.Series(dtype=object)
    rows = inputs.merge(compared, on="urn", how="left", suffixes=("", "_c"))
    rows = rows.merge(school_only(values), on="urn", how="left")
    has_values = rows["school_rate_only"].notna()
    located = rows["easting"].notna() & rows["northing"].notna()
    reason = pd.Series(None, index=rows.index, dtype=object)
    no_areas = no_community or f"no community data ({NO_AREAS.get(model.name, 'no areas')})"
    rules = [
        (rows["scope_reason"].notna(), rows["scope_reason"]),
        (~rows["phase"].isin(model.phases), f"outside the {model.name} model (it audits "
                                            f"{' and '.join(model.phases)} schools only)"),
        (pd.Series(needs_location, index=rows.index) & ~located, "no location"),
        (~has_values & rows["urn"].isin(suppressed.index),
         rows["urn"].map(suppressed).map(lambda r: suppressed_reason(label, r) if isinstance(r, str) else None)),
        (~has_values & ~(rows["roll"].fillna(0) > 0), "no pupils"),
        (~has_values, f"no {label} data for the years"),
        (rows["school_rate"].isna() & ~rows["urn"].isin(weighted), no_areas),
        (rows["school_rate"].isna(), f"no community data (no {label} data for the school's community areas)"),
    ]
    for mask, value in rules:
        todo = reason.isna() & mask.fillna(False).astype(bool)
        reason[todo] = value[todo] if isinstance(value, pd.Series) else value
    audited = reason.isna()
    rows["status"] = np.where(audited, "audited", "excluded")
    rows["exclusion_reason"] = reason
    comparable = rows["scope_reason"].isna() | rows["scope_reason"].fillna("").str.startswith(NOT_COMPARABLE)
    in_scope_data = ~audited & has_values & comparable
    rows.loc[in_scope_data, "school_rate"] = rows.loc[in_scope_data, "school_rate_only"]
    rows["pupils"] = rows["pupils"].where(rows["pupils"].notna(), rows["pupils_only"])
    rows["pupils"] = rows["pupils"].where(rows["pupils"].notna(), rows["roll"])
    rows["years"] = rows["years"].where(rows["years"].notna(), rows["years_only"])
    rows["vintage"] = rows["vintage"].where(rows["vintage"].notna(), rows["vintage_only"])
    for col in ("community_rate", "gap_pp", "ratio", "z", "flag", "shortfall"):
        rows.loc[~audited, col] = None
    rows["indicator"] = indicator
    rows["community_model"] = model.name
    rows["selective"] = rows["selective"].fillna(False).astype(bool)
    rows["faith"] = rows["faith"].fillna(False).astype(bool)
    return rows


def with_pool(rows: pd.DataFrame, pool: pd.DataFrame | None) -> pd.DataFrame:
    """ROWS with the make-up of each audited school's comparison pool (empty for other models)."""
    if pool is None or pool.empty:
        return rows.assign(**{c: np.nan for c in POOL_COLUMNS})
    out = rows.merge(pool[["urn"] + POOL_COLUMNS], on="urn", how="left")
    out.loc[out["status"] != "audited", POOL_COLUMNS] = np.nan
    return out


def add_lat_lon(frame: pd.DataFrame) -> pd.DataFrame:
    """WGS84 latitude and longitude from British National Grid easting and northing."""
    from pyproj import Transformer

    to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    e = frame["easting"].astype(float).to_numpy()
    n = frame["northing"].astype(float).to_numpy()
    lon, lat = to_wgs84.transform(e, n)
    frame = frame.copy()
    frame["lat"] = np.where(np.isfinite(e) & np.isfinite(n), lat, np.nan)
    frame["lon"] = np.where(np.isfinite(e) & np.isfinite(n), lon, np.nan)
    return frame
