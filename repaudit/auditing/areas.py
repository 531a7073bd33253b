"""Segregation of each indicator's pupils across the schools of every LA, region, trust and England
(METHODS §5), per phase: raw D, bias-corrected D with its interval, D under random allocation and a
school-resampling interval (repaudit/auditing/indices.py); D is "not defined" for one school.

Uses every in-scope school with data for the indicator, whether or not its community could be
measured: the indices need only the schools' own counts (pupils = average yearly denominator).
"""
from __future__ import annotations

import pandas as pd

from .indices import indices_by_area, resample

COLUMNS = ["level", "area_code", "area_name", "indicator", "phase", "schools", "pupils", "group_pupils", "share",
           "D_excess", "D_excess95_low", "D_excess95_high", "mostly_chance",
           "D", "D_bc", "D_bc_bootstrap95_low", "D_bc_bootstrap95_high", "D_random", "D_school_resample95_low",
           "D_school_resample95_high", "D_undefined", "GS", "isolation"]
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
    return _MEMO[key].copy()


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
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(frames, ignore_index=True)[COLUMNS]
