"""IDACI is not FSM (METHODS §3): express community deprivation as an expected FSM rate.

For each phase and year, fit the schools' FSM rate on their community IDACI on the logit scale,
`logit(fsm) = intercept + slope x logit(idaci)`, by pupil-weighted least squares (the school's FSM rate
taken as the empirical logit (F + 0.5) / (N + 1), so a school with no FSM pupil still counts), at the
level asked for: within each LA, each region or England. The expected community FSM rate is
`expit(intercept + slope x logit(idaci))`, strictly between 0 and 1: never zero or negative.
A fit is refused, with the reason kept in the fits table, when its area has fewer than `min_schools`
schools or its slope is not positive; its schools then use the next level up (LA -> region -> England).
Where even England's fit for the year fails (a handful of schools), one slope is fitted over all the
years of the window and each year keeps its own level (the line passes through that year's weighted
means). Selective schools are left out of the fits by default: their intakes are what the audit
examines, so they must not set the yardstick.

A fit within an area centres that area on zero: the pupil-weighted residuals of the schools fitted average
zero on the logit scale by construction (gaps in percentage points average close to zero), so an LA-level
fit largely hides the differences between LAs and a region-level fit those between regions (CENTRING).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import RepauditError

LEVELS = ("la", "region", "england")
EPS = 1e-3                        # IDACI is clipped to [EPS, 1 - EPS] before its logit
CENTRING = {
    "la": "an LA-level fit centres each LA on zero: within an LA with its own fit, the non-selective schools' "
          "residuals average zero on the logit scale by construction, so differences between LAs (including "
          "the effect of selection on its other schools) are largely removed from the gaps",
    "region": "a region-level fit centres each region on zero: differences between regions are removed, "
              "differences between the LAs of a region are kept",
    "england": "an England-level fit centres England on zero: differences between LAs and regions are kept",
}
FIT_COLUMNS = ["phase", "year", "level", "area", "intercept", "slope", "r2", "schools", "used_by", "status"]


def logit(p):
    p = np.asarray(p, dtype=float)
    return np.log(p / (1.0 - p))


def expit(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def predict(intercept, slope, idaci):
    """Expected FSM rate at community IDACI under the fit (intercept, slope): always in (0, 1)."""
    x = np.clip(np.asarray(idaci, dtype=float), EPS, 1 - EPS)
    return expit(np.asarray(intercept, dtype=float) + np.asarray(slope, dtype=float) * logit(x))


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


def _status(fit: pd.DataFrame, need: int) -> pd.Series:
    """'used' for an acceptable fit, else why it was refused."""
    status = pd.Series("used", index=fit.index, dtype=object)
    status[~(fit["slope"] > 0)] = "refused: slope not positive (or IDACI does not vary)"
    status[fit["schools"] < need] = f"refused: fewer than {need} schools"
    return status


def _transformed(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows with x = logit(IDACI), y = empirical logit of the FSM rate, w = pupils."""
    w = rows["weight"].astype(float)
    count = rows["rate"].astype(float) * w
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log((count + 0.5) / (w - count + 0.5))
    x = logit(np.clip(rows["idaci"].astype(float), EPS, 1 - EPS))
    data = rows.assign(x=x, y=y, w=w, england="England")
    data["la"] = data["la"].fillna("?")
    data["region"] = data["region"].fillna("?")
    return data


def calibrate(rows: pd.DataFrame, level: str = "region", min_schools: int = 10,
              exclude_selective: bool = True) -> tuple[pd.Series, pd.DataFrame]:
    """Expected FSM rate for every row, and the fits tried.

    rows: urn, year, phase, la, region, selective, rate (school FSM rate), idaci (community IDACI),
    weight (pupils). Returns (expected rate aligned with rows, NaN only where no fit at all could be
    made; fits with columns phase, year, level, area, intercept, slope, r2, schools, used_by, status).
    """
    if level not in LEVELS:
        raise RepauditError(f"calibration_level must be one of {', '.join(LEVELS)}; got '{level}'")
    rows = rows.reset_index(drop=True)
    data = _transformed(rows)
    usable = data[np.isfinite(data.x) & np.isfinite(data.y) & (data.w > 0)]
    if exclude_selective:
        usable = usable[~usable["selective"].fillna(False).astype(bool)]
    expected = pd.Series(np.nan, index=rows.index)
    fits = []
    for lvl in LEVELS[LEVELS.index(level):]:
        area = lvl
        fit = _fit(usable, ["phase", "year", area]) if len(usable) else pd.DataFrame(
            columns=["phase", "year", area, "intercept", "slope", "r2", "schools"])
        fit["status"] = _status(fit, 2 if lvl == "england" else min_schools) if len(fit) else []
        good = fit[fit["status"] == "used"]
        merged = data[["phase", "year", area, "x"]].merge(good, on=["phase", "year", area], how="left")
        todo = expected.isna().to_numpy() & merged["slope"].notna().to_numpy()
        expected[todo] = np.asarray(expit(merged["intercept"] + merged["slope"] * merged["x"]))[todo]
        used = data.loc[todo, ["phase", "year", area]].value_counts().rename("used_by").reset_index()
        fits.append(fit.merge(used, on=["phase", "year", area], how="left")
                    .assign(level=lvl).rename(columns={area: "area"}))
    todo = expected.isna().to_numpy().copy()
    if todo.any() and len(usable):
        fits.append(_pooled_years(data, usable, expected, todo))
    table = pd.concat([f for f in fits if len(f)], ignore_index=True) if any(len(f) for f in fits) else \
        pd.DataFrame(columns=FIT_COLUMNS)
    table["used_by"] = table["used_by"].fillna(0).astype(int)
    return expected, table[FIT_COLUMNS]


def _pooled_years(data, usable, expected, todo) -> pd.DataFrame:
    """One slope per phase over every year of the window, each year through its own weighted means;
    fills EXPECTED where TODO (in place) and returns the fits."""
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
    expected[todo] = np.asarray(expit(merged["intercept"] + merged["slope"] * merged["x"]))[todo]
    used = data.loc[todo, ["phase", "year"]].value_counts().rename("used_by").reset_index()
    return (yearly.merge(used, on=["phase", "year"], how="left")
            .assign(level="england, slope pooled over years", area="England",
                    status="used: England's fit for the year was refused"))


def summary(fits: pd.DataFrame, level: str) -> dict | None:
    """The calibration as reported in meta: scale, centring, England's fit for the latest year (per
    phase), how many school-years each level served, the refused fits and all fits."""
    if fits is None or fits.empty:
        return None
    england = fits[(fits.level == "england") & (fits.status == "used")].sort_values(["year", "phase"])
    top = england.iloc[-1] if len(england) else fits.iloc[-1]
    refused = fits[fits.status.str.startswith("refused")]
    return {
        "level": level,
        "scale": "logit: logit(FSM) = intercept + slope x logit(IDACI), pupil-weighted",
        "centring": CENTRING[level],
        "intercept": float(top.intercept), "slope": float(top.slope), "r2": float(top.r2),
        "year": int(top.year), "phase": top.phase,
        "school_years_by_level": {k: int(v) for k, v in fits.groupby("level")["used_by"].sum().items()},
        "refused": {k: int(v) for k, v in refused.groupby("status").size().items()},
        "fits": fits.to_dict("records"),
    }
