"""Assemble a Game from what the user has: applications CSV or synthetic applicants, schools, catchments."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..errors import InputFileError, RepauditError
from . import catchments as catchment_areas
from . import own_criteria
from .applicants import read_applications, to_applicants
from .choice import ChoiceModel
from .game import Game
from .homes import home_model
from .national import LaMarket, NationalFrames, la_market, national_frames
from .schools import complete, read_capacities, to_schools, warehouse_schools
from .schools import school_sex as school_sex_of
from .synthetic import Neighbourhoods, SyntheticRates, synthetic_applications


def make_game(schools: pd.DataFrame, applications: pd.DataFrame, areas=None, city_fsm_share=None,
              meta: dict | None = None) -> Game:
    """A Game from a schools frame (urn, pan, easting, northing, ...), an applications frame and
    optional catchment areas (GeoDataFrame with name, urns, geometry in EPSG:27700)."""
    sch = to_schools(schools)
    index = sch.index()
    apps = to_applicants(applications, index)
    catch = catchment_areas.locate(apps.xy, areas, index) if areas is not None and len(areas) else None
    return Game(sch, apps, catch, city_fsm_share, meta={**(meta or {}), "applications": applications})


def catchment_matrix(areas, school_urns):
    """A function home_xy -> bool (homes x schools): home inside a catchment area serving the school."""
    index = {int(u): i for i, u in enumerate(school_urns)}

    def inside(xy):
        c = catchment_areas.locate(xy, areas, index)
        out = np.zeros((len(xy), len(index)), dtype=bool)
        ok = c.area_of >= 0
        out[ok] = c.serves[c.area_of[ok]]
        return out
    return inside


def from_applications(path, capacities=None, wh=None, catchment_layer=None, city_fsm_share=None,
                      limit: tuple | None = None, truncate: bool = False) -> Game:
    """A Game from an applications CSV, with schools from --capacities and/or the warehouse. LIMIT =
    (policy name, preferences allowed): longer lists are an error, or with TRUNCATE cut with a note."""
    cap = read_capacities(capacities) if capacities else None
    in_warehouse = wh is not None and wh.count("schools") > 0
    if cap is not None:
        stored = warehouse_schools(wh, urns=cap["urn"]) if in_warehouse else None
    elif in_warehouse:
        stored = _schools_named_in(path, wh)
    else:
        raise RepauditError("give school places with --capacities CSV (urn, pan[, easting, northing]) or load "
                            "GIAS into the warehouse")
    schools = complete(cap, stored)
    lsoa_xy = _lsoa_centroids(wh)
    applications = read_applications(path, schools["urn"], lsoa_xy)
    notes = applications.attrs.get("notes", []) + (check_preference_limit(path, applications, limit, truncate)
                                                    if limit else [])
    areas = catchment_areas.from_warehouse(wh, catchment_layer) if wh is not None else None
    if areas is None:
        notes.append("no catchment areas loaded: catchment criteria are met by no applicant")
    return make_game(schools, applications, areas, city_fsm_share, {"source": str(path), "notes": notes})


def check_preference_limit(path, applications: pd.DataFrame, limit: tuple, truncate: bool) -> list:
    """Applications listing more preferences than the policy allows: an error naming the first such row, or
    with TRUNCATE their lists cut to the limit (in place) and a note saying how many were cut."""
    name, allowed = limit
    lengths = applications["prefs"].map(len).to_numpy()
    over = np.flatnonzero(lengths > allowed)
    if not over.size:
        return []
    if not truncate:
        i = int(over[0])
        columns = applications.attrs.get("pref_columns") or [f"pref{k + 1}" for k in range(lengths.max())]
        raise InputFileError(path, f"applicant '{applications['applicant_id'].iloc[i]}' lists {lengths[i]} "
                                   f"preferences but policy '{name}' allows {allowed} ({over.size} applicant(s) list "
                                   f"more than {allowed}); give at most {allowed}, or run with --truncate-preferences "
                                   f"to keep each applicant's first {allowed}",
                             row=int(applications["line"].iloc[i]), column=columns[allowed])
    applications["prefs"] = [p[:allowed] for p in applications["prefs"]]
    return [f"--truncate-preferences: {over.size} applicant(s) listed more than the {allowed} preferences policy "
            f"'{name}' allows; only their first {allowed} were used"]


def _schools_named_in(path, wh) -> pd.DataFrame:
    """Warehouse schools for every URN an applications file names (PAN estimated from capacity)."""
    from ..sources.reader import read_csv_table

    table = read_csv_table(path).frame
    cols = [c for c in table.columns if c.lower().startswith("pref") or c.lower().endswith("urn")]
    urns = pd.to_numeric(pd.Series(table[cols].to_numpy().ravel()), errors="coerce").dropna().astype(int).unique()
    return warehouse_schools(wh, urns=urns)


def _lsoa_centroids(wh) -> dict:
    if wh is None or not wh.count("lsoa_centroids"):
        return {}
    rows = wh.df("SELECT lsoa, easting, northing FROM lsoa_centroids")
    return dict(zip(rows["lsoa"], zip(rows["easting"], rows["northing"])))


def synthetic_from_warehouse(wh, la: str, seed: int = 0, preferences: int = 3, phase: str = "Secondary",
                             entry_age: int = 11, first_preferences=None, capacities=None, catchment_layer=None,
                             model: ChoiceModel | None = None, city_share: float | None = None,
                             frames: NationalFrames | None = None, selective: SelectiveEntry | None = None,
                             response=None, behaviour=None) -> Game:
    """Synthetic applicants for LA (name, old code or ONS code) from the national warehouse: see national.py
    for the market (LSOAs, schools, places, neighbouring schools) and synthetic.py for the cohort. The cohort
    is the LA's children of ENTRY_AGE, or its places if fewer (said in a note); FSM from IDACI calibrated to
    the LA's FSM share (or CITY_SHARE)."""
    market, areas = warehouse_market(wh, la, phase, entry_age, capacities, catchment_layer, frames)
    return cohort_game(market, areas, seed, preferences, first_preferences, model, city_share, selective, response,
                       behaviour)


def warehouse_market(wh, la: str, phase: str = "Secondary", entry_age: int = 11, capacities=None,
                     catchment_layer=None, frames: NationalFrames | None = None, homes: str | None = None) -> tuple:
    """(the LA's market, its catchment areas) from the warehouse: what every cohort of one LA shares. HOMES:
    'across' draws the cohort's homes across LA boundaries (homes.py), else in the LA."""
    frames = frames if frames is not None else national_frames(wh, phase, entry_age)
    market = la_market(frames, la, capacities=read_capacities(capacities) if capacities else None,
                       homes=home_model(homes))
    areas = catchment_areas.from_warehouse(wh, catchment_layer, market.schools["urn"]) if wh is not None else None
    return market, areas


def cohort_game(market: LaMarket, areas, seed: int = 0, preferences: int = 3, first_preferences=None,
                model: ChoiceModel | None = None, city_share: float | None = None,
                selective: SelectiveEntry | None = None, response=None, behaviour=None) -> Game:
    """One synthetic cohort (SEED) of a market built by warehouse_market."""
    model = model or (behaviour.model(len(market.schools)) if behaviour else None)
    return market_game(market, seed, max(preferences, market.preferences or 0), first_preferences, model, city_share,
                       areas, selective, response)


@dataclass(frozen=True)
class SelectiveEntry:
    """Who passes the selection test of selective (grammar) schools: a random SHARE of the cohort (default:
    the LA's selective places over its cohort; market_game gives the children who put one first when more),
    FSM children qualifying at FSM_RATIO times the rate of the others. The ratio is an assumption (FSM pupils are under-represented in grammar schools about 4 to 1
    nationally; 0.25). Only those who pass may list, be offered or be directed to a selective school."""

    share: float | None = None
    fsm_ratio: float = 0.25

    def rate(self, places: float, n: int) -> float:
        """The share of the cohort that qualifies: SHARE if set, else PLACES over the cohort N (at most 1)."""
        return min(places / max(n, 1), 1.0) if self.share is None else float(self.share)

    def qualify(self, places: float, n: int):
        """QUALIFY for synthetic_applications: (fsm, rng) -> bool per child, passed the selection test."""
        def qualify_of(fsm, rng):
            share = self.rate(places, n)
            base = share / (1 - fsm.mean() + self.fsm_ratio * fsm.mean()) if len(fsm) else share
            p = np.minimum(np.where(fsm, self.fsm_ratio * base, base), 1.0)
            return rng.random(len(fsm)) < p
        return qualify_of


def market_game(market: LaMarket, seed: int = 0, preferences: int = 3, first_preferences=None,
                model: ChoiceModel | None = None, city_share: float | None = None, areas=None,
                selective: SelectiveEntry | None = None, response=None, own_share=None) -> Game:
    """The Game of an LA market: a synthetic cohort over its LSOAs (homes at the LSOA centroids). RESPONSE:
    (fsm_response, a function of the schools' LA-admission flags giving the FSM-priority schools). With demand
    data, listings meet the schools' own criteria at OWN_SHARE (one share, or one per kind of school; default
    the fitted shares, own_criteria.py)."""
    schools = market.schools.assign(la_admissions=market.schools["community"] & market.schools["in_la"])
    notes = list(market.notes)
    children = int(round(market.lsoas["children"].sum()))
    demand = first_preferences is None and "times_first" in schools
    if demand:
        n = max(int(round(schools["times_first"].sum())), 1)
        notes.append(f"the cohort is the {n:,} children who put one of the market's schools first (applications and "
                     f"offers, entry {market.demand_year}; a border school's count times the LA's share); "
                     f"{children:,} children of the entry age live in {market.name}")
    else:
        n = int(min(schools["pan"].sum(), children))
        if n < children:
            notes.append(f"{children} children of the entry age live in {market.name} but the schools have "
                         f"{int(schools['pan'].sum())} places: the cohort is {n}")
    share = market.fsm_share if city_share is None else float(city_share)
    pool = market.lsoas if market.homes is None else market.homes
    neigh = Neighbourhoods(pool[["lsoa", "children", "idaci"]], pool[["lsoa", "easting", "northing"]].assign(weight=1.0))
    firsts = later = None
    any_total = float(schools["times_any"].sum()) if demand and "times_any" in schools else None
    if demand:
        first_preferences = schools[["urn"]].assign(count=schools["times_first"], pref2=schools["times_second"],
                                                    pref3=schools["times_third"])
    if first_preferences is not None:
        counts = first_preferences.set_index("urn").reindex(schools["urn"]).fillna(0)
        firsts = counts["count"].to_numpy()
        ranks = [c for c in ("pref2", "pref3") if c in counts]
        later = counts[ranks].to_numpy().T if ranks else None
    rates = SyntheticRates()
    notes.append(rates.describe())
    is_selective = schools["selective"].to_numpy(bool)
    school_sex = schools["sex"].map(school_sex_of).to_numpy(object) if "sex" in schools else None
    qualify = None
    if is_selective.any():
        selective = selective or SelectiveEntry()
        places = float(schools.loc[is_selective, "pan"].sum())
        how = f"their {places:,.0f} places over the cohort of {n:,}"
        if demand:          # those who put a grammar first sat the test and, where results come first, passed
            listed = float(schools.loc[is_selective, "times_first"].sum())
            how = (f"their {places:,.0f} places or the {listed:,.0f} children who put one first, whichever is more, "
                   f"over the cohort of {n:,}")
            places = max(places, listed)
        qualify = selective.qualify(places, n)
        how = "set with --selective-share" if selective.share is not None else how
        notes.append(f"{int(is_selective.sum())} selective school(s): only the {100 * selective.rate(places, n):.1f}% "
                     f"of children who pass the selection test ({how}) may list, be offered or be directed to them; "
                     f"FSM children pass at {selective.fsm_ratio:g} times the rate of others (assumed)")
    if school_sex is not None and (school_sex != "mixed").any():
        notes.append(f"{int((school_sex == 'boys').sum())} boys' and {int((school_sex == 'girls').sum())} girls' "
                     "school(s) (SPC sex of school) admit only their sex; girls are 48.8% of the synthetic cohort")
    frame, report = synthetic_applications(
        neigh, schools["urn"], schools[["easting", "northing"]].to_numpy(float), n, share, preferences, seed,
        firsts, model, rates, catchment_matrix(areas, schools["urn"]) if areas is not None else None,
        later_preferences=later, selective=is_selective, school_sex=school_sex, qualify=qualify, any_total=any_total,
        response=None if response is None else (response[0], response[1](schools["la_admissions"].to_numpy(bool))))
    if areas is None:
        notes.append("no catchment areas loaded: catchment criteria are met by no applicant")
    if demand:
        own = own_criteria.shares(schools, own_share, market.preferences)
        frame["own_criteria"] = own_criteria.draw(list(frame["prefs"]), own, {int(u): i for i, u in
                                                                             enumerate(schools["urn"])}, seed)
        notes.append(own_criteria.describe(own, own_criteria.kind_of(schools), "set" if own_share is not None else
                                           own_criteria.fitted()["fitted_on"]))
    return make_game(schools, frame, areas, share, {
        "source": f"synthetic cohort for {market.name} ({market.code})", "calibration": report, "synthetic": True,
        "la_preferences": market.preferences, "demand_year": market.demand_year,
        "la": {"code": market.code, "name": market.name, "lsoas": len(market.lsoas), "children": children,
               "fsm_share": market.fsm_share}, "notes": notes})


def la_preference_limit(policy, baseline, game: Game) -> tuple:
    """Where a synthetic LA's applications and offers say how many preferences it allows and the policy does
    not change the number (it equals the baseline's), both consider that many (with a note)."""
    allowed = game.meta.get("la_preferences")
    if not allowed or policy.preferences != baseline.preferences or policy.preferences == allowed:
        return policy, baseline
    game.meta.setdefault("notes", []).append(
        f"{game.meta['la']['name']} allows {allowed} preferences (applications and offers, entry "
        f"{game.meta.get('demand_year')}): the policy and the baseline consider {allowed}, not {policy.preferences}")
    return replace(policy, preferences=int(allowed)), replace(baseline, preferences=int(allowed))
