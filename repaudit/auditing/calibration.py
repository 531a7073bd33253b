"""IDACI is not FSM (METHODS §3): express community deprivation as an expected FSM rate.

For each phase and year, fit the schools' FSM rate on their community IDACI by pupil-weighted least
squares, `fsm = intercept + slope x idaci`, within each LA; where an LA has fewer than `min_schools`
schools (or a fit with no positive slope) use its region's fit, else England's; where even England's
fit for the year fails (a handful of schools), one slope is fitted over all the years of the window and
each year keeps its own level (the line passes through that year's weighted means). Selective schools are
left out of the fits by default: their intakes are what the audit examines, so they must not set the
yardstick. The expected community FSM rate is the fitted line at the community IDACI, clipped to 0-1.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import RepauditError

LEVELS = ("la", "region", "england")


def _fit(data: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Weighted least squares of y on x in every group of KEYS (closed-form sums, no loop)."""
    d = data.assign(wx=data.w * data.x, wy=data.w * data.y, wxx=data.w * data.x ** 2,
                    wxy=data.w * data.x * data.y, wyy=data.w * data.y ** 2, n=1)
    s = d.groupby(keys, dropna=False)[["w", "wx", "wy", "wxx", "wxy", "wyy", "n"]].sum().reset_index()
    sxx = s.wxx - s.wx ** 2 / s.w
    sxy = s.wxy - s.wx * s.wy / s.w
    syy = s.wyy - s.wy ** 2 / s.w
    with np.errstate(divide="ignore", invalid="ignore"):
        s["slope"] = np.where(sxx > 1e-12, sxy / sxx, np.nan)
        s["intercept"] = s.wy / s.w - s.slope * s.wx / s.w
        s["r2"] = np.where((sxx > 1e-12) & (syy > 1e-12), sxy ** 2 / (sxx * syy), np.nan)
    return s.rename(columns={"n": "schools"})[keys + ["intercept", "slope", "r2", "schools"]]


def calibrate(rows: pd.DataFrame, level: str = "la", min_schools: int = 10,
              exclude_selective: bool = True) -> tuple[pd.Series, pd.DataFrame]:
    """Expected FSM rate for every row, and the fits used.

    rows: urn, year, phase, la, region, selective, rate (school FSM rate), idaci (community IDACI),
    weight (pupils). Returns (expected rate aligned with rows, fits with columns phase, year, level,
    area, intercept, slope, r2, schools, used_by).
    """
    if level not in LEVELS:
        raise RepauditError(f"calibration_level must be one of {', '.join(LEVELS)}; got '{level}'")
    rows = rows.reset_index(drop=True)
    data = rows.assign(x=rows["idaci"].astype(float), y=rows["rate"].astype(float), w=rows["weight"].astype(float),
                       england="England")
    data["la"] = data["la"].fillna("?")
    data["region"] = data["region"].fillna("?")
    usable = data[np.isfinite(data.x) & np.isfinite(data.y) & (data.w > 0)]
    if exclude_selective:
        usable = usable[~usable["selective"].fillna(False).astype(bool)]
    expected = pd.Series(np.nan, index=rows.index)
    fits = []
    for lvl in LEVELS[LEVELS.index(level):]:
        area = "england" if lvl == "england" else lvl
        fit = _fit(usable, ["phase", "year", area]) if len(usable) else pd.DataFrame(
            columns=["phase", "year", area, "intercept", "slope", "r2", "schools"])
        good = fit[(fit.schools >= (1 if lvl == "england" else min_schools)) & (fit.slope > 0)]
        merged = data[["phase", "year", area, "x"]].merge(good, on=["phase", "year", area], how="left")
        todo = expected.isna().to_numpy() & merged["slope"].notna().to_numpy()
        expected[todo] = np.clip(merged["intercept"].to_numpy() + merged["slope"].to_numpy() * merged["x"].to_numpy(),
                                 0.0, 1.0)[todo]
        used = data.loc[todo, ["phase", "year", area]].value_counts().rename("used_by").reset_index()
        fits.append(good.merge(used, on=["phase", "year", area], how="left")
                    .assign(level=lvl).rename(columns={area: "area"}))
    todo = expected.isna().to_numpy().copy()
    if todo.any() and len(usable):
        pooled = _fit(usable, ["phase"])
        pooled = pooled[pooled.slope > 0]
        means = usable.assign(wx=usable.w * usable.x, wy=usable.w * usable.y).groupby(["phase", "year"])[
            ["w", "wx", "wy"]].sum().reset_index()
        yearly = means.merge(pooled[["phase", "slope", "r2"]], on="phase")
        yearly["intercept"] = yearly.wy / yearly.w - yearly.slope * yearly.wx / yearly.w
        yearly["schools"] = usable.groupby(["phase", "year"]).size().reindex(
            pd.MultiIndex.from_frame(yearly[["phase", "year"]])).to_numpy()
        merged = data[["phase", "year", "x"]].merge(yearly, on=["phase", "year"], how="left")
        todo &= merged["slope"].notna().to_numpy()
        expected[todo] = np.clip(merged["intercept"].to_numpy() + merged["slope"].to_numpy() * merged["x"].to_numpy(),
                                 0.0, 1.0)[todo]
        used = data.loc[todo, ["phase", "year"]].value_counts().rename("used_by").reset_index()
        fits.append(yearly.merge(used, on=["phase", "year"], how="left")
                    .assign(level="england, slope pooled over years", area="England")
                    [["phase", "year", "area", "intercept", "slope", "r2", "schools", "used_by", "level"]])
    table = pd.concat(fits, ignore_index=True) if fits else pd.DataFrame()
    if len(table):
        table["used_by"] = table["used_by"].fillna(0).astype(int)
        table = table[["phase", "year", "level", "area", "intercept", "slope", "r2", "schools", "used_by"]]
    return expected, table


def summary(fits: pd.DataFrame, level: str) -> dict | None:
    """The calibration as reported in meta: England's fit for the latest year (per phase) and all fits."""
    if fits is None or fits.empty:
        return None
    england = fits[fits.level == "england"].sort_values(["year", "phase"])
    top = england.iloc[-1] if len(england) else fits.iloc[-1]
    return {
        "level": level,
        "intercept": float(top.intercept), "slope": float(top.slope), "r2": float(top.r2),
        "year": int(top.year), "phase": top.phase,
        "school_years_by_level": {k: int(v) for k, v in fits.groupby("level")["used_by"].sum().items()},
        "fits": fits.to_dict("records"),
    }
