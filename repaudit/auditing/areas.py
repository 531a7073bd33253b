"""Segregation of each indicator's pupils across the schools of every LA, region, trust and England
(METHODS §5), per phase: raw D, bias-corrected D with its interval, D under random allocation and a
school-resampling interval (repaudit/auditing/indices.py); D is "not defined" for one school.

Uses every in-scope school with data for the indicator, whether or not its community could be
measured: the indices need only the schools' own counts (pupils = average yearly denominator).
"""
from __future__ import annotations

import pandas as pd

from .indices import indices_by_area, resample
from .schools import SUPPRESSED, left_out

COLUMNS = ["level", "area_code", "area_name", "indicator", "phase", "schools", "pupils", "group_pupils", "share",
           "D_excess", "D_excess95_low", "D_excess95_high", "mostly_chance",
           "D", "D_bc", "D_bc_bootstrap95_low", "D_bc_bootstrap95_high", "D_random", "D_school_resample95_low",
           "D_school_resample95_high", "D_undefined", "GS", "isolation", "schools_left_out", "schools_left_out_note"]
LEVELS = {
    "la": ("la", "la_name"),
    "region": ("region", "region"),
    "trust": ("group_code", "group_name"),
    "england": ("_england", "_england"),
}


INPUT_COLUMNS = ["indicator", "phase", "pupils", "school_rate", "la", "la_name", "region", "group_code", "group_name"]
_MEMO: dict = {}          # a few recent results: the same schools give the same table whatever the model


def segregation(schools: pd.DataFrame, reps: int = 100, seed: int = 0, england: bool = True) -> pd.DataFrame:
    """The area table from the rows of SCHOOLS (one per school and indicator).

    The table depends only on the schools' own counts, not on the community model, so audits of the
    same data with several models (one process) reuse it: results are memoised on a hash of the input
    columns, reps, seed and `england` (the bootstrap is seeded, so a repeat would be identical anyway)."""
    rows = schools[schools["school_rate"].notna() & schools["pupils"].gt(0) &
                   ~schools["exclusion_reason"].fillna("").str.contains("outside scope|closed|not yet open")]
    rows = rows[INPUT_COLUMNS].reset_index(drop=True)
    key = (int(pd.util.hash_pandas_object(rows, index=False).sum()), len(rows), reps, seed, england)
    if key not in _MEMO:
        if len(_MEMO) >= 4:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = _segregation(rows, reps, seed, england)
    return with_left_out(_MEMO[key].copy(), schools, england)


def with_left_out(table: pd.DataFrame, schools: pd.DataFrame, england: bool = True) -> pd.DataFrame:
    """TABLE with schools_left_out (the area's in-scope schools whose count is missing or suppressed, so its
    figures are computed without them) and schools_left_out_note, which says so in words ('low' counts are
    1 or 2 pupils each, not 0)."""
    missing = schools[left_out(schools)].assign(_england="England")
    table["schools_left_out"] = 0
    table["schools_left_out_note"] = None
    if missing.empty or table.empty:
        return table
    reason = missing["exclusion_reason"].astype(str)
    missing = missing.assign(_low=reason.str.contains("'low'"), _suppressed=reason.str.contains(SUPPRESSED))
    frames = []
    for level, (code_col, _) in LEVELS.items():
        part = missing[missing[code_col].notna()]
        if part.empty or (level == "england" and not england):
            continue
        counts = part.groupby(["indicator", "phase", code_col]).agg(
            n=("urn", "size"), low=("_low", "sum"), suppressed=("_suppressed", "sum")).reset_index()
        codes = "E92000001" if level == "england" else counts[code_col].astype(str)
        frames.append(counts.assign(level=level, area_code=codes).drop(columns=[code_col]))
    if not frames:
        return table
    counts = pd.concat(frames, ignore_index=True)
    merged = table.assign(_code=table["area_code"].astype(str)).merge(
        counts.rename(columns={"area_code": "_code"}), on=["level", "indicator", "phase", "_code"], how="left")
    has = merged["n"].notna().to_numpy()
    table.loc[has, "schools_left_out"] = merged.loc[has, "n"].astype(int).to_numpy()
    table.loc[has, "schools_left_out_note"] = [
        left_out_words(int(n), int(sup - low), int(low))
        for n, sup, low in zip(merged.loc[has, "n"], merged.loc[has, "suppressed"], merged.loc[has, "low"])]
    return table


def left_out_words(n: int, suppressed: int, low: int) -> str:
    """'computed without 3 of its schools: 1 count suppressed in the source, 1 'low' (1 or 2 pupils), 1 no data'."""
    parts = [f"{suppressed} count{'s' if suppressed != 1 else ''} suppressed in the source"] if suppressed else []
    parts += [f"{low} 'low' (1 or 2 pupils each, not 0)"] if low else []
    other = n - suppressed - low
    parts += [f"{other} without data"] if other else []
    return f"computed without {n} of its school{'s' if n != 1 else ''}: " + ", ".join(parts)


def _segregation(rows: pd.DataFrame, reps: int, seed: int, england: bool) -> pd.DataFrame:
    rows = rows.copy()
    rows["_england"] = "England"
    rows["group"] = rows["pupils"] * rows["school_rate"].clip(0, 1)
    rows = rows.reset_index(drop=True)
    draws = resample(rows["group"].to_numpy(), rows["pupils"].to_numpy(), reps, seed) if reps > 0 else None
    frames = []
    for level, (code_col, name_col) in LEVELS.items():
        if level == "england" and not england:
            continue
        keep = rows[code_col].notna().to_numpy()
        part = rows[keep]
        if part.empty:
            continue
        key = part["indicator"] + "\t" + part["phase"] + "\t" + part[code_col].astype(str)
        table = indices_by_area(key.to_numpy(), part["group"].to_numpy(), part["pupils"].to_numpy(), reps=reps,
                                seed=seed, resampled=None if draws is None else draws[:, keep])
        parts = table["code"].str.split("\t", expand=True)
        names = part.assign(_key=key).groupby("_key")[name_col].first()
        table = table.assign(level=level, indicator=parts[0], phase=parts[1],
                             area_code="E92000001" if level == "england" else parts[2],
                             area_name=table["code"].map(names))
        frames.append(table)
    computed = [c for c in COLUMNS if c not in ("schools_left_out", "schools_left_out_note")]
    if not frames:
        return pd.DataFrame(columns=computed)
    return pd.concat(frames, ignore_index=True)[computed]
