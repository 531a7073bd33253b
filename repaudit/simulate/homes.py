"""Where the children who put a school first live, across LA boundaries: a destination-choice (Huff) model
over child population. The children of LSOA l put school s first in proportion to

    T_ls = children_l x F_s exp(-per_km x d_ls + same_la x [s in l's LA]) / sum_k F_k exp(-per_km x d_lk + ...)

over the schools k within RADIUS_KM of l (F the times each school was put first, d the straight-line distance
in km; same_la: families favour their own LA's schools, whose admissions their LA coordinates), and a child
who put s first lives in l with probability T_ls / sum_l T_ls; per_km and same_la were chosen on entry 2020
(HomeModel). A market's homes (`market_homes`) are then drawn where its first preferences come from: around
each of the LA's schools on both sides of the boundary, and, for a border school of another LA, in the LA's
own LSOAs (its count in the market is the LA's share already).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import RepauditError

RADIUS_KM = 20.0        # exp(-0.6 x 20) = 6e-6: farther schools add nothing to the sums


@dataclass(frozen=True)
class HomeModel:
    """The two parameters of where a school's first preferences live (see the module docstring), chosen on entry
    2020 (bench/fit_home_decay.py, then bench/simulate_demand_bench.py --fit-year 2020 --homes PER_KM SAME_LA):
    of (0.6, 0), (0.6, 1), (0.9, 1) and (1.2, 0), the residents' first-preference offer rate per LA is closest to
    the LA-level file's at (0.6, 0) and (0.6, 1) (2.99 pp each), and the share of residents offered a school of
    another LA at (0.6, 1): 9.5% against 9.5% published (mean over LAs; 15.6% at (0.6, 0)). per_km is then the
    choice model's own (choice.py)."""

    per_km: float = 0.6
    same_la: float = 1.0

    def describe(self) -> str:
        return f"distance decay {self.per_km:g} per km, own LA's schools {self.same_la:+g}"


HOMES = ("across", "la")     # --homes: across LA boundaries (the default), or in the market's own LA


def home_model(homes: str | None) -> HomeModel | None:
    """The model of `--homes` HOMES: the fitted HomeModel for 'across' (or None, the default: it fits the residents'
    figures better, held out, and the school-level ones as well), None for 'la'."""
    if homes == "la":
        return None
    if homes in (None, "across"):
        return HomeModel()
    raise RepauditError(f"--homes must be one of {', '.join(HOMES)}, got {homes!r}")


def within(points: np.ndarray, targets: np.ndarray, radius: float, chunk: int = 2000) -> np.ndarray:
    """Bool per point: some target lies within RADIUS metres (bounding box first, then exact, in chunks)."""
    out = np.zeros(len(points), dtype=bool)
    if not len(targets):
        return out
    lo, hi = targets.min(axis=0) - radius, targets.max(axis=0) + radius
    idx = np.flatnonzero(np.all((points >= lo) & (points <= hi), axis=1))
    for start in range(0, len(idx), chunk):
        out[idx[start:start + chunk]] = squared_distances(points[idx[start:start + chunk]], targets).min(axis=1) \
            <= radius ** 2
    return out


def squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len A, len B) squared distances between points (x, y), one coordinate at a time (no 3-d array)."""
    return (a[:, 0, None] - b[None, :, 0]) ** 2 + (a[:, 1, None] - b[None, :, 1]) ** 2


def reach(lsoa_xy, children, school_xy, firsts, targets, per_km: float, radius_km: float = RADIUS_KM,
          same_la: float = 0.0, lsoa_la=None, school_la=None) -> tuple:
    """For the schools TARGETS (indices into SCHOOL_XY), the LSOAs their first preferences come from:
    (lsoa indices, shares: one row per target school summing to 1, or to 0 when no child lives within
    RADIUS_KM). SCHOOL_XY and FIRSTS are every school that competes for the children (F_k above); LSOA_LA
    and SCHOOL_LA their LAs, needed when SAME_LA is not 0."""
    lsoa_xy, school_xy = np.asarray(lsoa_xy, float), np.asarray(school_xy, float)
    firsts = np.asarray(firsts, float)
    radius = radius_km * 1000
    targets = np.asarray(targets, dtype=np.int64)
    mine = school_xy[targets]
    rows = np.flatnonzero(within(lsoa_xy, mine, radius))
    rivals = np.flatnonzero(within(school_xy, lsoa_xy[rows], radius) & (firsts > 0)) if len(rows) else rows
    d = np.sqrt(squared_distances(lsoa_xy[rows], school_xy[rivals]))

    def bonus(schools: np.ndarray) -> np.ndarray | float:
        if not same_la:
            return 0.0
        return same_la * (np.asarray(lsoa_la, object)[rows][:, None] == np.asarray(school_la, object)[schools][None, :])
    pull = np.where(d <= radius, firsts[rivals] * np.exp(-per_km * d / 1000 + bonus(rivals)), 0.0)
    total = pull.sum(axis=1)
    d_mine = np.sqrt(squared_distances(lsoa_xy[rows], mine))
    own = np.where(d_mine <= radius, np.exp(-per_km * d_mine / 1000 + bonus(targets)), 0.0)
    flow = np.divide(np.asarray(children, float)[rows][:, None] * own, total[:, None],
                     out=np.zeros_like(own), where=total[:, None] > 0)
    sums = flow.sum(axis=0)
    return rows, np.divide(flow, sums, out=np.zeros_like(flow), where=sums > 0).T


def market_homes(lsoas: pd.DataFrame, la_lsoas, schools: pd.DataFrame, market: pd.DataFrame,
                 per_km: float, same_la: float = 0.0, radius_km: float = RADIUS_KM) -> pd.DataFrame:
    """The LSOAs a market's cohort lives in, with `children` = the expected number of its children living there:
    each of the LA's schools (MARKET.in_la) spreads its times_first by `reach`; a border school spreads its
    (already scaled) count over the LA's own LSOAs (LA_LSOAS) by `reach` restricted to them, or by children where
    that gives nothing. LSOAS: every LSOA (lsoa, children, idaci, easting, northing, and la_code with SAME_LA);
    SCHOOLS: every competing school (easting, northing, times_first, la_code with SAME_LA), MARKET's too. LSOAs
    with no expected child are left out."""
    xy = lsoas[["easting", "northing"]].to_numpy(float)
    inside = lsoas["lsoa"].isin(set(la_lsoas)).to_numpy()
    all_xy = np.vstack([schools[["easting", "northing"]].to_numpy(float),
                        market[["easting", "northing"]].to_numpy(float)])
    firsts = np.append(schools["times_first"].fillna(0).to_numpy(float), np.zeros(len(market)))
    las = (lsoas["la_code"], np.append(schools["la_code"].to_numpy(object), market["la_code"].to_numpy(object))) \
        if same_la else (None, None)
    rows, share = reach(xy, lsoas["children"], all_xy, firsts, len(schools) + np.arange(len(market)), per_km,
                        radius_km, same_la, *las)
    counts = market["times_first"].fillna(0).to_numpy(float)
    own = market["in_la"].to_numpy(bool)
    expected = np.zeros(len(lsoas))
    np.add.at(expected, rows, share[own].T @ counts[own])
    local = share[~own] * inside[rows][None, :]
    sums = local.sum(axis=1)
    kids = lsoas["children"].to_numpy(float) * inside
    for count, row, total in zip(counts[~own], local, sums):
        if total > 0:
            np.add.at(expected, rows, count * row / total)
        elif kids.sum() > 0:
            expected += count * kids / kids.sum()
    keep = expected > 0
    return lsoas.loc[keep, ["lsoa", "idaci", "easting", "northing"]].assign(children=expected[keep]).reset_index(
        drop=True)
