"""The `.lsoas` table of an audit: the community rate of each LSOA a model used, for maps (latest year
of the window). FSM from IDACI goes through the same calibration as the schools: the LSOA's LA fit,
else its region's, else England's."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .calibration import predict

COLUMNS = ["lsoa", "indicator", "phase", "rate", "child_population"]


def lsoa_rates(con, indicator, kind, fits: pd.DataFrame | None, years: list[int]) -> pd.DataFrame:
    """Community rate by LSOA for maps (latest year of the window), for the LSOAs the model used."""
    empty = pd.DataFrame(columns=COLUMNS)
    latest = max(years)
    if kind == "flows":
        out = con.execute("""select split_part(area, '|', 1) as lsoa, split_part(area, '|', 2) as phase,
                                    numerator as rate, pupils as child_population
                             from area_values where year = ?""", [latest]).df()
        return out.assign(indicator=indicator)[empty.columns]
    if kind != "lsoa":
        return empty
    used = con.execute("""select a.lsoa, v.numerator as value, v.calibrate, a.lad_code,
                                 a.pop_primary, a.pop_secondary
                          from audit_lsoa_areas a join area_values v on v.area = a.lsoa and v.year = ?
                          where a.lsoa in (select distinct area from catchment_weight)""", [latest]).df()
    if used.empty:
        return empty
    frames = []
    for phase in ("primary", "secondary"):
        part = used.assign(phase=phase, child_population=used[f"pop_{phase}"])
        if part["calibrate"].any() and fits is not None and len(fits):
            part = calibrate_lsoas(con, part, fits, phase, latest)
        else:
            part["rate"] = part["value"]
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    return out.assign(indicator=indicator)[empty.columns]


def calibrate_lsoas(con, part, fits, phase, year):
    """Each LSOA's expected FSM rate from its LA's fit (its region's, else England's, as for schools)."""
    areas = con.execute("""select lad_code, min(la) as la, min(region) as region from audit_schools
                           where lad_code is not null group by lad_code""").df()
    part = part.merge(areas, on="lad_code", how="left")
    part["rate"] = np.nan
    fits = fits[(fits.phase == phase) & (fits.year == year) & fits.status.str.startswith("used")]
    for level, col in (("la", "la"), ("region", "region"), ("england", None)):
        f = fits[fits.level == level]
        if f.empty:
            continue
        if col is None:
            a, b = float(f.intercept.iloc[0]), float(f.slope.iloc[0])
            fill = predict(a, b, part["value"])
        else:
            m = part[[col]].merge(f[["area", "intercept", "slope"]], left_on=col, right_on="area", how="left")
            fill = predict(m["intercept"].to_numpy(), m["slope"].to_numpy(), part["value"].to_numpy())
        part["rate"] = part["rate"].where(part["rate"].notna(), fill)
    return part
