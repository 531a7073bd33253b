"""Where the children who put a school first live, across LA boundaries: a destination-choice (Huff) model
over child population. The children of LSOA l put school s first in proportion to

    T_ls = children_l x F_s exp(-per_km x d_ls + same_la x [s in l's LA] + outside_s x [s not in l's LA])
           / sum_k F_k exp(-per_km x d_lk + ...)

over the schools k within RADIUS_KM of l (F the times each school was put first, d the straight-line distance
in km; same_la: families favour their own LA's schools, whose admissions their LA coordinates), and a child
who put s first lives in l with probability T_ls / sum_l T_ls; per_km and same_la were chosen on entry 2020
(HomeModel). outside_s, one term per school, is fitted (`outside_terms`) so that the share of s's first
preferences living outside its LA equals the share of its applications that came from other LAs (published per
school: applications from another LA / times put at any rank); without it every school of a place draws as far
across the boundary as distance says, where real schools differ (a grammar draws from far beyond its LA, a
school near a boundary it does not serve, hardly at all). A market's homes (`market_homes`) are then drawn
where its first preferences come from: around each of the LA's schools on both sides of the boundary, and,
for a border school of another LA, in the LA's own LSOAs (its count in the market is the LA's share already).
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
    outside: bool = True

    def describe(self) -> str:
        return (f"distance decay {self.per_km:g} per km, own LA's schools {self.same_la:+g}"
                + (", each school's share of applications from other LAs as published" if self.outside else ""))


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
          same_la: float = 0.0, lsoa_la=None, school_la=None, outside=None) -> tuple:
    """For the schools TARGETS (indices into SCHOOL_XY), the LSOAs their first preferences come from:
    (lsoa indices, shares: one row per target school summing to 1, or to 0 when no child lives within
    RADIUS_KM). SCHOOL_XY and FIRSTS are every school that competes for the children (F_k above); OUTSIDE, when
    given, their outside_s terms; LSOA_LA and SCHOOL_LA their LAs, needed when SAME_LA is not 0 or OUTSIDE is
    given."""
    lsoa_xy, school_xy = np.asarray(lsoa_xy, float), np.asarray(school_xy, float)
    firsts = np.asarray(firsts, float)
    radius = radius_km * 1000
    targets = np.asarray(targets, dtype=np.int64)
    mine = school_xy[targets]
    rows = np.flatnonzero(within(lsoa_xy, mine, radius))
    rivals = np.flatnonzero(within(school_xy, lsoa_xy[rows], radius) & (firsts > 0)) if len(rows) else rows
    d = np.sqrt(squared_distances(lsoa_xy[rows], school_xy[rivals]))

    def bonus(schools: np.ndarray) -> np.ndarray | float:
        if not same_la and outside is None:
            return 0.0
        same = np.asarray(lsoa_la, object)[rows][:, None] == np.asarray(school_la, object)[schools][None, :]
        away = 0.0 if outside is None else np.where(same, 0.0, np.asarray(outside, float)[schools][None, :])
        return same_la * same + away
    pull = np.where(d <= radius, firsts[rivals] * np.exp(-per_km * d / 1000 + bonus(rivals)), 0.0)
    total = pull.sum(axis=1)
    d_mine = np.sqrt(squared_distances(lsoa_xy[rows], mine))
    own = np.where(d_mine <= radius, np.exp(-per_km * d_mine / 1000 + bonus(targets)), 0.0)
    flow = np.divide(np.asarray(children, float)[rows][:, None] * own, total[:, None],
                     out=np.zeros_like(own), where=total[:, None] > 0)
    sums = flow.sum(axis=0)
    return rows, np.divide(flow, sums, out=np.zeros_like(flow), where=sums > 0).T


def market_homes(lsoas: pd.DataFrame, la_lsoas, schools: pd.DataFrame, market: pd.DataFrame,
                 per_km: float, same_la: float = 0.0, radius_km: float = RADIUS_KM,
                 outside: pd.Series | None = None) -> pd.DataFrame:
    """The LSOAs a market's cohort lives in, with `children` = the expected number of its children living there:
    each of the LA's schools (MARKET.in_la) spreads its times_first by `reach`; a border school spreads its
    (already scaled) count over the LA's own LSOAs (LA_LSOAS) by `reach` restricted to them, or by children where
    that gives nothing. LSOAS: every LSOA (lsoa, children, idaci, easting, northing, and la_code with SAME_LA);
    SCHOOLS: every competing school (urn, easting, northing, times_first, la_code with SAME_LA or OUTSIDE), MARKET's
    too; OUTSIDE: outside_s per urn (`outside_terms`; 0 for a school it lacks). LSOAs with no expected child are
    left out."""
    xy = lsoas[["easting", "northing"]].to_numpy(float)
    inside = lsoas["lsoa"].isin(set(la_lsoas)).to_numpy()
    all_xy = np.vstack([schools[["easting", "northing"]].to_numpy(float),
                        market[["easting", "northing"]].to_numpy(float)])
    firsts = np.append(schools["times_first"].fillna(0).to_numpy(float), np.zeros(len(market)))
    las = (lsoas["la_code"], np.append(schools["la_code"].to_numpy(object), market["la_code"].to_numpy(object))) \
        if same_la or outside is not None else (None, None)
    away = None if outside is None else np.append(schools["urn"].map(outside).fillna(0.0).to_numpy(float),
                                                  market["urn"].map(outside).fillna(0.0).to_numpy(float))
    rows, share = reach(xy, lsoas["children"], all_xy, firsts, len(schools) + np.arange(len(market)), per_km,
                        radius_km, same_la, *las, outside=away)
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


OUTSIDE_SHARES = (0.005, 0.95)   # published shares from other LAs are held inside these, so every term is finite
OUTSIDE_LIMIT = 10.0             # and no term goes beyond +-10 (a school with no other LA within reach)


def pairs_within(points: np.ndarray, targets: np.ndarray, radius: float, split: int = 2) -> tuple:
    """Every (point, target) pair at most RADIUS metres apart: (point indices, target indices, distances), by
    target (in the same order every time for the same input). The points are sorted into square cells
    RADIUS / SPLIT wide; each target meets the points of the cells within RADIUS of its own cell, and the exact
    distance keeps the pairs within RADIUS."""
    size = radius / split
    cells = np.floor(points / size).astype(np.int64)
    key = cells[:, 0] * 1_000_003 + cells[:, 1]
    order = np.argsort(key, kind="stable")
    keys = key[order]
    home = np.floor(targets / size).astype(np.int64)
    found_p, found_t = [], []
    for dx in range(-split, split + 1):
        for dy in range(-split, split + 1):
            k = (home[:, 0] + dx) * 1_000_003 + home[:, 1] + dy
            lo, hi = np.searchsorted(keys, k, "left"), np.searchsorted(keys, k, "right")
            n = hi - lo
            if not n.sum():
                continue
            found_t.append(np.repeat(np.arange(len(targets)), n))
            found_p.append(order[np.repeat(hi - n.cumsum(), n) + np.arange(n.sum())])
    if not found_p:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    p, t = np.concatenate(found_p), np.concatenate(found_t)
    d = np.hypot(points[p, 0] - targets[t, 0], points[p, 1] - targets[t, 1])
    keep = d <= radius
    p, t, d = p[keep], t[keep], d[keep]
    order = np.argsort(t, kind="stable")
    return p[order], t[order], d[order]


def outside_terms(lsoa_xy, lsoa_la, children, school_xy, school_la, firsts, share, per_km: float,
                  same_la: float = 0.0, radius_km: float = RADIUS_KM, iterations: int = 100,
                  tol: float = 0.002) -> tuple:
    """Per school its outside_s (module docstring): the term under which the expected share of its first
    preferences living outside its LA equals SHARE (NaN: no target, term 0), found by the fixed point
    outside_s += logit(SHARE_s) - logit(expected share) over every school at once, since each school's homes
    depend on its rivals' terms. Returns (terms, the largest and the mean remaining difference in share over the
    schools with a target and any child of another LA within reach)."""
    lsoa_xy, school_xy = np.asarray(lsoa_xy, float), np.asarray(school_xy, float)
    firsts = np.asarray(firsts, float)
    li, si, d = pairs_within(lsoa_xy, school_xy, radius_km * 1000)
    away = np.asarray(lsoa_la, object)[li] != np.asarray(school_la, object)[si]
    pull0 = firsts[si] * np.exp(-per_km * d / 1000 + same_la * ~away)
    kids = np.asarray(children, float)
    target = np.clip(np.asarray(share, float), *OUTSIDE_SHARES)
    fit = np.isfinite(target) & (np.bincount(si, away * kids[li], minlength=len(firsts)) > 0) & (firsts > 0)
    goal = np.log(target / (1 - target))
    term = np.zeros(len(firsts))
    worst = mean = 0.0
    for _ in range(iterations):
        pull = pull0 * np.where(away, np.exp(term)[si], 1.0)
        flow = pull * (kids / np.maximum(np.bincount(li, pull, minlength=len(kids)), 1e-300))[li]
        total = np.bincount(si, flow, minlength=len(firsts))
        got = np.clip(np.bincount(si, flow * away, minlength=len(firsts)) / np.maximum(total, 1e-300),
                      1e-9, 1 - 1e-9)
        miss = np.abs(got - target)[fit]
        worst, mean = (float(miss.max()), float(miss.mean())) if miss.size else (0.0, 0.0)
        if mean < tol:
            break
        step = np.where(fit, goal - np.log(got / (1 - got)), 0.0)
        term = np.clip(term + np.clip(step, -2.0, 2.0), -OUTSIDE_LIMIT, OUTSIDE_LIMIT)
    return term, worst, mean
