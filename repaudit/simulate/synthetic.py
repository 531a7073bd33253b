"""Synthetic applicants: a Year 7 (or Reception) cohort drawn from LSOA child populations and deprivation.

Homes: each LSOA gets a multinomial share of the cohort in proportion to its children of the entry
age; within an LSOA a child lives at one of its candidate home points (postcodes weighted by children,
or the LSOA centroid). FSM: the IDACI -> FSM calibration below. Preferences: the choice model in
choice.py, calibrated to first-preference counts when given, and to 2nd, 3rd ... preference counts
when those are given too, and then drawn so that the cohort's counts equal them exactly (quotas per
rank, see choice.py); as real families do, not everyone uses every preference: exactly the rank-r
total over the first-preference total, as a share of the cohort, list at least r schools (chosen at
random, independently of who they are); past the last counted rank, the share listing each further rank
falls by a constant ratio chosen so that the listings per family equal the times schools were put at
any rank over the first-preference total. Looked-after status, medical or social need, EHC plans and
siblings are drawn at the rates in `SyntheticRates` and attach to the family's first preference. Each
child has a sex (a girl with probability GIRL_SHARE, drawn from a stream of its own) and, where there are
selective schools, passes the selection test or not (QUALIFY); nobody lists a school that may not admit
them. Everything is reproducible from one seed.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..errors import RepauditError
from .choice import ChoiceModel, calibrate, whole_counts


EXACT_LATER_FIT_SCHOOLS = 12   # rank terms are fitted exactly only up to this many schools (memory ~ schools^3)
GIRL_SHARE = 0.488    # girls among children of one age: the sex ratio at birth, about 105 boys to 100 girls (ONS)


@dataclass(frozen=True)
class SyntheticRates:
    """Shares of the cohort with each status (sibling: a share, or one share per school of first choice)."""

    looked_after: float = 0.008
    medical_social: float = 0.01
    ehcp: float = 0.018
    sibling: float | tuple = 0.25
    sources: tuple = ()          # (name, source) for rates taken from data; the others are assumed

    def describe(self) -> str:
        """One line naming every rate with its source, or 'assumed'."""
        given = dict(self.sources)
        parts = []
        for name, label in (("looked_after", "looked-after"), ("medical_social", "medical or social need"),
                            ("ehcp", "EHC plan naming their first preference"), ("sibling", "sibling at their first preference")):
            value = getattr(self, name)
            shown = f"{100 * value:.1f}%" if np.isscalar(value) else f"{100 * np.mean(value):.1f}% on average per school"
            parts.append(f"{label} {shown} ({given.get(name, 'assumed')})")
        return "synthetic rates: " + ", ".join(parts)


@dataclass
class Neighbourhoods:
    """LSOA inputs: children of the entry age and IDACI per LSOA, and candidate home points."""

    lsoas: pd.DataFrame          # lsoa, children, idaci
    homes: pd.DataFrame          # lsoa, easting, northing, weight


def fsm_rates(idaci: np.ndarray, children: np.ndarray, city_share: float, ceiling: float = 0.95) -> tuple:
    """FSM rate per LSOA = min(slope x IDACI, ceiling), the slope chosen (bisection) so that the
    child-weighted mean equals CITY_SHARE. IDACI is income deprivation, not FSM: this proportional
    calibration keeps the city total right and the spread of deprivation. Returns (rates, slope)."""
    idaci = np.nan_to_num(np.asarray(idaci, dtype=float), nan=float(np.nanmean(idaci)) if len(idaci) else 0.0)
    w = np.asarray(children, dtype=float)
    if w.sum() <= 0 or np.sum(w * idaci) <= 0:
        raise RepauditError("cannot calibrate FSM on IDACI: no children or no deprivation in the LSOAs")
    if not 0.0 <= city_share < ceiling:
        raise RepauditError(f"city FSM share {city_share} must be between 0 and {ceiling}")
    lo, hi = 0.0, 1.0
    while np.average(np.minimum(hi * idaci, ceiling), weights=w) < city_share:
        hi *= 2
    for _ in range(100):
        mid = (lo + hi) / 2
        if np.average(np.minimum(mid * idaci, ceiling), weights=w) < city_share:
            lo = mid
        else:
            hi = mid
    slope = (lo + hi) / 2
    return np.minimum(slope * idaci, ceiling), slope


def draw_homes(neigh: Neighbourhoods, n: int, rng) -> pd.DataFrame:
    """N homes: LSOA by multinomial on children, then a home point within it by weight (numpy slices per
    LSOA: a national run draws homes in tens of thousands of LSOAs)."""
    lsoas = neigh.lsoas.reset_index(drop=True)
    share = lsoas["children"].to_numpy(float)
    counts = rng.multinomial(n, share / share.sum())
    codes = neigh.homes["lsoa"].to_numpy(object)
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    east = neigh.homes["easting"].to_numpy(float)[order]
    north = neigh.homes["northing"].to_numpy(float)[order]
    weight = neigh.homes["weight"].to_numpy(float)[order]
    names, starts = np.unique(sorted_codes, return_index=True)
    block = dict(zip(names, zip(starts, np.append(starts[1:], len(sorted_codes)))))
    picked, lsoa_of = [], []
    for lsoa, k in zip(lsoas["lsoa"], counts):
        if k == 0:
            continue
        if lsoa not in block:
            raise RepauditError(f"LSOA {lsoa} has children but no home point (postcode or centroid)")
        lo, hi = block[lsoa]
        w = weight[lo:hi]
        w = w / w.sum() if w.sum() > 0 else np.full(hi - lo, 1.0 / (hi - lo))
        picked.append(lo + rng.choice(hi - lo, size=k, p=w))
        lsoa_of.append(np.full(k, lsoa, dtype=object))
    pick = np.concatenate(picked)
    return pd.DataFrame({"lsoa": np.concatenate(lsoa_of), "easting": east[pick], "northing": north[pick]})


def synthetic_applications(neigh: Neighbourhoods, school_urns, school_xy, n: int, city_fsm_share: float,
                           preferences: int, seed: int = 0, first_preferences=None, model: ChoiceModel | None = None,
                           rates: SyntheticRates = SyntheticRates(), catchment_of=None,
                           later_preferences=None, selective=None, school_sex=None, qualify=None,
                           response=None, any_total: float | None = None) -> tuple[pd.DataFrame, dict]:
    """A cohort of N applicants as an applications frame (the shape `read_applications` returns).

    FIRST_PREFERENCES: counts per school, or two rows (not FSM, FSM) to calibrate the groups apart.
    LATER_PREFERENCES: counts per school of 2nd, 3rd ... preferences (one row per rank, all families),
    used with FIRST_PREFERENCES; ranks beyond its rows are listed by everyone who listed the last, or, with
    ANY_TOTAL (the times schools were put at any rank), by shares falling so the listings add up to it.
    CATCHMENT_OF(home_xy) -> bool (families x schools), when given, feeds the choice model's catchment
    bonus. SELECTIVE (bool per school) and QUALIFY(fsm, rng) -> bool per child: selective schools are listed
    only by children who qualify; SCHOOL_SEX ('mixed', 'boys', 'girls' per school): single-sex schools only
    by their sex. RESPONSE = (fsm_response, priority per school) is
    added after calibration: the calibrated popularities describe preferences without the policy, and FSM
    families then favour the schools where it gives them priority. Returns the frame and a calibration
    report (FSM slope, choice-model fit)."""
    rng = np.random.default_rng(seed)
    urns = np.asarray(school_urns, dtype=np.int64)
    homes = draw_homes(neigh, n, rng)
    xy = homes[["easting", "northing"]].to_numpy(float)
    rates_by_lsoa, slope = fsm_rates(neigh.lsoas["idaci"].to_numpy(), neigh.lsoas["children"].to_numpy(),
                                     city_fsm_share)
    p_fsm = pd.Series(rates_by_lsoa, index=neigh.lsoas["lsoa"].to_numpy()).reindex(homes["lsoa"]).to_numpy()
    fsm = rng.random(n) < p_fsm
    in_catch = catchment_of(xy) if catchment_of is not None else np.zeros((n, len(urns)), dtype=bool)
    model = model or ChoiceModel(np.zeros(len(urns)))
    report = {"fsm_slope_on_idaci": slope, "city_fsm_share": city_fsm_share, "choice_per_km": model.per_km,
              "choice_catchment_bonus": model.catchment_bonus}
    group = fsm.astype(np.int64)
    girl = np.random.default_rng([seed, 1]).random(n) < GIRL_SHARE
    qualified, barred = _entry(fsm, girl, rng, selective, school_sex, qualify)
    if first_preferences is not None:
        fit_later = later_preferences is not None and len(urns) <= EXACT_LATER_FIT_SCHOOLS and barred is None
        model, fit = calibrate(model, xy, school_xy, in_catch, first_preferences, group,
                               later_preferences=np.atleast_2d(later_preferences)[: preferences - 1] if fit_later
                               else None, barred=barred)
        if later_preferences is not None and not fit_later:
            report["choice_later_ranks"] = ("not fitted (the exact fit grows as schools^rank, and does not know "
                                            "selective or single-sex schools); the drawn 2nd and 3rd preference "
                                            "counts are still held to the data where they can be")
        report.update({f"choice_{k}": v for k, v in fit.items()})
    if response is not None and response[0]:
        model = replace(model, fsm_response=float(response[0]), priority=np.asarray(response[1], dtype=bool))
        report["choice_fsm_response"] = float(response[0])
        report["choice_fsm_priority_schools"] = urns[np.asarray(response[1], dtype=bool)].tolist()
    pop = np.atleast_2d(model.popularity)
    report["choice_popularity"] = {label: dict(zip(urns.tolist(), np.round(row, 4).tolist()))
                                   for label, row in zip(("all",) if len(pop) == 1 else ("not_fsm", "fsm"), pop)}
    if model.rank_popularity is not None:
        report["choice_rank_popularity"] = {f"rank{r + 2}": dict(zip(urns.tolist(), np.round(row, 4).tolist()))
                                            for r, row in enumerate(model.rank_popularity)}
    k = min(preferences, len(urns))
    lengths, quotas = np.full(n, k), None
    if first_preferences is not None:
        firsts = np.atleast_2d(first_preferences).sum(axis=0)
        later = [] if later_preferences is None else list(np.atleast_2d(later_preferences)[: preferences - 1])
        lengths = _list_lengths(n, k, later, firsts.sum(), rng, any_total)
    if barred is not None:
        lengths = np.minimum(lengths, (~barred).sum(axis=1))
    if first_preferences is not None:
        quotas = [whole_counts(row, int((lengths > r).sum())) for r, row in enumerate([firsts] + later)]
        if barred is not None:
            quotas = [feasible(q, (~barred[lengths > r]).sum(axis=0)) for r, q in enumerate(quotas)]
    ranked = model.rank(xy, school_xy, in_catch, preferences, rng, group, quotas=quotas, lengths=lengths,
                        barred=barred)
    first = urns[ranked[:, 0]]
    sibling_rate = rates.sibling if np.isscalar(rates.sibling) else np.asarray(rates.sibling)[ranked[:, 0]]
    frame = pd.DataFrame({
        "applicant_id": [f"S{i + 1:06d}" for i in range(n)],
        "easting": xy[:, 0], "northing": xy[:, 1], "lsoa": homes["lsoa"].to_numpy(),
        "fsm": fsm,
        "looked_after": rng.random(n) < rates.looked_after,
        "medical_social_urn": np.where(rng.random(n) < rates.medical_social, first, 0),
        "sibling_urn": np.where(rng.random(n) < sibling_rate, first, 0),
        "ehcp_urn": np.where(rng.random(n) < rates.ehcp, first, 0),
        "sex": np.where(girl, "F", "M"),
        "qualified": qualified,
    })
    frame["prefs"] = [row[:k] for row, k in zip(urns[ranked].tolist(), lengths.tolist())]
    return frame, report


def feasible(quota: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """QUOTA (whole counts) with no school above the families ALLOWED to list it and the same total: the
    excess moves to schools with room in proportion to their quotas (largest remainders), until none is left."""
    total = int(np.sum(quota))
    allowed = np.asarray(allowed, dtype=np.int64)
    out = np.minimum(np.asarray(quota, dtype=np.int64), allowed)
    while out.sum() < total:
        spare = allowed - out
        if spare.sum() <= 0:
            break
        weight = np.where(spare > 0, out + 0.5, 0.0)
        out += np.minimum(whole_counts(weight, min(total - int(out.sum()), int(spare.sum()))), spare)
    return out


def _entry(fsm, girl, rng, selective, school_sex, qualify) -> tuple[np.ndarray, np.ndarray | None]:
    """Who passed the selection test (everyone when no school is selective) and the schools each child may
    not list (None when there are none)."""
    n = len(fsm)
    qualified = np.ones(n, dtype=bool)
    barred = None
    if selective is not None and np.any(selective) and qualify is not None:
        qualified = np.asarray(qualify(fsm, rng), dtype=bool)
        barred = ~qualified[:, None] & np.asarray(selective, bool)[None, :]
    if school_sex is not None:
        sex = np.asarray(school_sex, dtype=object)
        other = np.where(girl[:, None], sex[None, :] == "boys", sex[None, :] == "girls")
        if other.any():
            barred = other if barred is None else barred | other
    return qualified, barred


def _list_lengths(n: int, k: int, later: list, first_total: float, rng, any_total: float | None = None) -> np.ndarray:
    """How many schools each family lists (at most K): exactly round(N x the rank-(r + 1) total over
    FIRST_TOTAL) families list r + 1 or more, chosen at random and nested (who lists a 3rd also lists
    a 2nd); past the counted ranks, shares from `continued_shares` when ANY_TOTAL is given, else families
    who list the last counted rank list K. With no LATER counts, everyone lists K."""
    if not len(later):
        return np.full(n, k)
    share = list(np.minimum.accumulate(np.minimum(np.sum(later, axis=1)[: k - 1] / max(first_total, 1.0), 1.0)))
    if any_total is not None and np.isfinite(any_total) and share and len(share) < k - 1:
        share += continued_shares(share[-1], k - 1 - len(share), any_total / max(first_total, 1.0) - 1 - sum(share))
    order = rng.permutation(n)
    extra = np.zeros(n, dtype=np.int64)
    for s in share:
        extra[order[: int(round(s * n))]] += 1
    return np.where(extra == len(share), k, 1 + extra)


def continued_shares(last: float, ranks: int, listings: float) -> list:
    """Shares of families listing each of RANKS further ranks, LAST x q, LAST x q^2, ...: the ratio q in [0, 1]
    (bisection) that makes them sum to LISTINGS (further listings per family), within what 0 <= q <= 1 allows."""
    def total(q: float) -> float:
        return sum(last * q ** (r + 1) for r in range(ranks))

    if listings <= 0 or last <= 0:
        return [0.0] * ranks
    if listings >= total(1.0):
        return [last] * ranks
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if total(mid) < listings else (lo, mid)
    return [last * ((lo + hi) / 2) ** (r + 1) for r in range(ranks)]
