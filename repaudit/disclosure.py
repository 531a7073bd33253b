"""Disclosure control (METHODS §8) for everything written to be shared: maps, reports, published exports.

Counts of 1-4 children from user-supplied private data (school-level CIN counts, residence flows) are
hidden, together with every published value they could be worked out from: a school's rate, gap, ratio,
z, flag and shortfall; an LSOA's rate; and any trust or area aggregate that includes a hidden school
(its total minus the published schools would give the hidden count back). `--unsuppressed` skips this
for internal use and the files then say so in a banner.
"""
from __future__ import annotations

import copy

import numpy as np
import pandas as pd

PRIVATE_INDICATORS = frozenset({"cin"})      # school-level counts only the user holds
PRIVATE_MODELS = frozenset({"flows"})        # community built from user-supplied residence flows
SMALL_MIN, SMALL_MAX = 1, 4                  # counts in this range are never published

SCHOOL_VALUES = ("school_rate", "gap_pp", "ratio", "z", "shortfall", "z_adjusted", "gap_shrunk_pp",
                 "gap_shrunk_posterior95_low_pp", "gap_shrunk_posterior95_high_pp", "gap_min_pp", "gap_max_pp")
TRUST_VALUES = ("observed", "gap_pp", "shortfall", "z", "z_adjusted", "n_below", "share_below")
AREA_VALUES = ("group_pupils", "share", "D_excess", "D_excess95_low", "D_excess95_high", "D", "D_bc",
               "D_bc_bootstrap95_low", "D_bc_bootstrap95_high", "D_random",
               "D_school_resample95_low", "D_school_resample95_high", "GS", "isolation")

RULE = (f"counts of {SMALL_MIN}-{SMALL_MAX} from private data (CIN, residence flows) and values they could be "
        "derived from are suppressed")
UNSUPPRESSED_WARNING = ("UNSUPPRESSED OUTPUT FOR INTERNAL USE ONLY: small counts of children in need and from "
                        "residence flows are shown. Do not share or publish this file.")


def is_small(count, years=1) -> np.ndarray:
    """True where a count rebuilt from rate x denominator could reveal 1-4 children: the yearly average
    rounds to 4 or less while the total over YEARS pooled years is at least 1 (rounded)."""
    c = np.asarray(count, dtype=float)
    total = c * np.asarray(years, dtype=float)
    with np.errstate(invalid="ignore"):
        return (np.round(total) >= SMALL_MIN) & (np.round(c) <= SMALL_MAX)


def _years(values) -> np.ndarray:
    """Years pooled per row from the `years` column ('2021,2022,2023' -> 3); 1 when it cannot be read."""
    def one(v):
        if isinstance(v, str):
            return max(1, len([p for p in v.replace(";", ",").split(",") if p.strip()]))
        if isinstance(v, (list, tuple)):
            return max(1, len(v))
        return 1
    return np.array([one(v) for v in values], dtype=float)


def _meta_years(meta, indicator) -> int:
    by = (meta.get("years_by_indicator") or {}).get(indicator)
    return max(1, len(by or meta.get("years") or [None]))


def for_sharing(result, unsuppressed: bool = False):
    """The copy of RESULT that may go into a shared file: suppressed, or marked unsuppressed when asked. A
    result already through disclosure control is returned as it is (applying it again changes nothing)."""
    if not unsuppressed and result.meta.get("suppressed") is True and "suppressed" in result.schools:
        return result
    if unsuppressed:
        out = copy.copy(result)
        out.meta = {**result.meta, "suppressed": False, "unsuppressed_warning": UNSUPPRESSED_WARNING}
        out.schools = result.schools.assign(suppressed=False)
        return out
    return suppress(result)


def suppress(result):
    """A copy of RESULT with METHODS §8 applied; meta['suppressed'] is True and meta['suppression'] counts."""
    meta = result.meta
    private_model = meta.get("community_model") in PRIVATE_MODELS
    schools = _suppress_schools(result.schools)
    hidden = schools[schools["suppressed"]]
    trusts = _suppress_aggregates(result.trusts, hidden, schools, TRUST_VALUES, _trust_members,
                                  count_column="observed", meta=meta)
    areas = _suppress_aggregates(result.areas, hidden, schools, AREA_VALUES, _area_members,
                                 count_column="group_pupils", meta=meta)
    if "mostly_chance" in areas and areas["suppressed"].any():
        areas["mostly_chance"] = areas["mostly_chance"].astype(object).where(~areas["suppressed"], None)
    lsoas = _suppress_lsoas(result.lsoas, private_model, meta)
    out = copy.copy(result)
    out.schools, out.trusts, out.areas, out.lsoas = schools, trusts, areas, lsoas
    out.meta = {**result.meta, "suppressed": True, "suppression": {
        "rule": RULE,
        "schools": int(schools["suppressed"].sum()),
        "trusts": _count_hidden(trusts), "areas": _count_hidden(areas), "lsoas": _count_hidden(lsoas)}}
    out.meta.pop("unsuppressed_warning", None)
    return out


def part_of(shared, schools, trusts, areas, meta):
    """The part of a result through disclosure control (SHARED) made of these rows (one LA of a national
    audit), with meta['suppression'] counting what is hidden among them. The rows keep the whole result's
    suppression, which also hides any aggregate a hidden school elsewhere could be worked out from."""
    out = copy.copy(shared)
    out.schools, out.trusts, out.areas = schools, trusts, areas
    out.meta = dict(meta)
    if "suppression" in meta:
        out.meta["suppression"] = {**meta["suppression"], "schools": _count_hidden(schools),
                                   "trusts": _count_hidden(trusts), "areas": _count_hidden(areas)}
    return out


def _private(frame: pd.DataFrame) -> pd.Series:
    return frame["indicator"].isin(PRIVATE_INDICATORS) if "indicator" in frame else pd.Series(False, frame.index)


def _suppress_schools(schools: pd.DataFrame) -> pd.DataFrame:
    out = schools.copy()
    count = out["school_rate"].astype(float) * out["pupils"].astype(float)
    years = _years(out["years"]) if "years" in out else 1
    hide = _private(out) & is_small(count, years)
    if "suppressed" in out:
        hide |= out["suppressed"].fillna(False).astype(bool)
    out["suppressed"] = hide.to_numpy()
    for col in SCHOOL_VALUES:
        if col in out:
            out[col] = out[col].astype(float).mask(hide)
    for col in ("flag", "beyond_chance_flag", "rank", "rank_low", "rank_high", "models_flagged", "models_below"):
        if col in out and hide.any():
            out.loc[hide, col] = None
    return out


def _trust_members(row, schools):
    """Schools of the trust row: by the audit's group code (trusts and LA comparison groups) or trust code."""
    if pd.isna(row.get("trust_code")):
        return None
    members = pd.Series(False, schools.index)
    for col in ("group_code", "trust_code"):
        if col in schools:
            members |= schools[col].astype(str) == str(row["trust_code"])
    return members if members.any() else None


def _area_members(row, schools):
    level, code, name = row.get("level"), row.get("area_code"), row.get("area_name")
    if level == "england":
        return pd.Series(True, schools.index)
    columns = {"la": [("la", code), ("la_name", name)], "region": [("region", code), ("region", name)],
               "trust": [("group_code", code), ("trust_code", code), ("group_name", name), ("trust", name)]}.get(level)
    if columns is None:
        return None
    members = pd.Series(False, schools.index)
    for col, value in columns:
        if col in schools and pd.notna(value):
            members |= schools[col].astype(str) == str(value)
    return members if members.any() else None


def _suppress_aggregates(frame, hidden, schools, columns, members_of, count_column, meta):
    """Hide the values of each private-indicator aggregate that includes a hidden school or is itself 1-4.

    Membership ignores phase (hiding too much is safe); an aggregate whose members cannot be identified
    is hidden whenever any school of its indicator is."""
    out = frame.copy()
    out["suppressed"] = False
    if out.empty:
        return out
    for idx, row in out[_private(out)].iterrows():
        same = schools["indicator"] == row["indicator"]
        members = members_of(row, schools)
        scope = same if members is None else same & members
        small = is_small(row.get(count_column, np.nan), _meta_years(meta, row["indicator"]))
        hide = bool((scope & schools["suppressed"]).any()) or bool(small)
        if members is None and not hidden[hidden["indicator"] == row["indicator"]].empty:
            hide = True
        out.loc[idx, "suppressed"] = hide
    hide = out["suppressed"].to_numpy(dtype=bool)
    for col in columns:
        if col in out:
            out[col] = out[col].astype(float).mask(hide)
    return out


def _suppress_lsoas(lsoas: pd.DataFrame, private_model: bool, meta: dict) -> pd.DataFrame:
    out = lsoas.copy()
    out["suppressed"] = False
    if out.empty:
        return out
    private = _private(out) | private_model
    out["rate"] = pd.to_numeric(out["rate"], errors="coerce")
    population = pd.to_numeric(out["child_population"], errors="coerce")
    years = out["indicator"].map(lambda ind: _meta_years(meta, ind)).to_numpy(dtype=float)
    small_population = private & private_model & is_small(population, years)
    hide = private & (is_small(out["rate"] * population, years) | small_population)
    out["suppressed"] = hide.to_numpy()
    out["rate"] = out["rate"].astype(float).mask(hide)
    out["child_population"] = population.mask(small_population)
    return out


def _count_hidden(frame) -> int:
    return int(frame["suppressed"].sum()) if "suppressed" in frame else 0
