"""Segregation by year for each LA and England (and the D that random allocation would give), from the same
schools and series as the school trends, by repaudit.auditing.areas (no index computed twice)."""
from __future__ import annotations

import pandas as pd

from ..auditing import areas as areas_mod

LEVELS = ("england", "la")


def by_year(rows: pd.DataFrame, schools: pd.DataFrame, reps: int, seed: int) -> pd.DataFrame:
    """One row per level (england, la), area, indicator, phase and year: the area table of
    repaudit.auditing.areas over the schools with a count that year, plus `excess_over_random` = D - D_random."""
    attributes = schools[["urn", "indicator", "la", "la_name"]].assign(region=None, group_code=None, group_name=None)
    rows = rows[rows["denominator"] > 0].merge(attributes, on=["urn", "indicator"])      # no region or trust level
    frames = []
    for year, part in rows.groupby("year"):
        table = part.assign(pupils=part["denominator"], exclusion_reason=None)
        areas = areas_mod.segregation(table, reps, seed, england=True)
        frames.append(areas[areas["level"].isin(LEVELS)].assign(year=int(year)))
    if not frames:
        return pd.DataFrame(columns=[*areas_mod.COLUMNS, "year", "excess_over_random"])
    out = pd.concat(frames, ignore_index=True)
    out["excess_over_random"] = out["D"] - out["D_random"]
    return out.sort_values(["level", "area_code", "indicator", "phase", "year"]).reset_index(drop=True)
