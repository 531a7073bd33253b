"""Any English LA from open data: its Year 7 cohort, schools and places read from the national warehouse.

`national_frames(wh)` reads, once, every LSOA (2021 codes) with its district, children of the entry age
(Census 2021 band divided evenly over its years), IDACI (IoD on 2011 LSOAs, carried to 2021 codes by the
ONS lookup, averaged over the 2011 LSOAs of a split or merge) and population-weighted centroid, and every
open school of the phase (and, with applications and offers, every school of another GIAS phase with
applications of this one: all-through and middle schools admitting at Year 7) with its LA, location (GIAS),
type, admissions policy (SPC) and places.
`resolve_la` finds an LA by name, old three-digit code or ONS code (an LA's own code, or the code or name
of one of its districts: a county's districts are those where most of its schools are).

An LA's market (`la_market`): children of the LA's LSOAs; the LA's schools; and, so that children near
the boundary can apply across it, the schools of other LAs within `border_km` of one of the LA's LSOA
centroids, each with the share of its places equal to the LA's share of the children living within
`border_km` of it. Places: a PAN file if given, else GIAS capacity / year groups, else the roll / year
groups (an estimate, said in a note). A school with no applications in the demand year is not part of the
market when it does not admit at the entry age (its youngest year group in the SPC is above the entry year:
upper schools, UTCs, studio schools) or has applications only in a later year (it opened since), said in a
note (`admits_at_entry`). Selective (grammar) schools can be listed only by children who qualify: a random
share of the cohort equal to the selective places (or, with applications and offers, the children who put one
first when more) over the cohort, FSM children qualifying at `fsm_selective_ratio` times the rate of the others
(an assumption, stated in the output).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .. import names
from ..demand import school_demand
from ..errors import WarehouseError
from .game import BORDER
from .homes import HomeModel, market_homes, outside_terms, within
from .schools import LA_ADMISSIONS_TYPES, YEAR_GROUPS


@dataclass
class NationalFrames:
    """LSOAs and schools of the whole warehouse, read once (see the module docstring)."""

    lsoas: pd.DataFrame         # lsoa, lad_code, children, idaci, easting, northing
    schools: pd.DataFrame       # urn, name, la_code, la_name, lad_code, type, selective, sex, religion, easting,
                                # northing, places, place_source
    las: pd.DataFrame           # la_code, la_name, lad_code, lad_name (one row per district of an LA)
    fsm: pd.Series              # FSM share of each LA's pupils (index la_code), latest SPC year
    demand: pd.DataFrame | None = None   # per school: places, times_first/second/third (admissions.py)
    demand_year: int | None = None       # entry year the demand comes from
    la_preferences: pd.Series | None = None   # preferences each LA allows (index la_code)
    home_terms: dict = field(default_factory=dict)   # HomeModel -> outside_s per urn (`school_home_terms`)
    entry_year_group: int = 7                 # national-curriculum year of entry (Reception 0): entry age - 4
    admitted_later: frozenset = frozenset()   # urns with applications in a later year than the demand's only


def national_frames(wh, phase: str = "Secondary", entry_age: int = 11, demand_year: int | None = None) -> NationalFrames:
    """Every LSOA and open school of PHASE in the warehouse; errors say which table to load. With applications
    and offers loaded, the demand of DEMAND_YEAR (default the latest) too (`school_demand`), and the schools of
    other phases that have it (an all-through school admits at Year 7 too)."""
    wh.require("schools", "lsoa_population", "lsoa_deprivation", "lsoa_centroids")
    lsoas = wh.df(
        """WITH look AS (SELECT DISTINCT lsoa11, lsoa21, lad_code FROM lsoa_lookup),
           dep AS (SELECT lsoa, lsoa_vintage, score, la_code FROM lsoa_deprivation WHERE measure = 'idaci'
                   QUALIFY row_number() OVER (PARTITION BY lsoa ORDER BY year DESC) = 1),
           dep21 AS (SELECT look.lsoa21 AS lsoa, dep.score, dep.la_code FROM dep JOIN look ON look.lsoa11 = dep.lsoa
                     WHERE dep.lsoa_vintage IS DISTINCT FROM 2021
                     UNION ALL
                     SELECT lsoa, score, la_code FROM dep
                     WHERE lsoa_vintage = 2021 OR lsoa NOT IN (SELECT lsoa11 FROM look)),
           idaci AS (SELECT lsoa, avg(score ORDER BY score) AS idaci, min(la_code) AS dep_lad FROM dep21 GROUP BY lsoa),
           pop AS (SELECT lsoa, sum(population / (coalesce(age_max, age_min) - age_min + 1) ORDER BY age_min, age_max) AS children
                   FROM lsoa_population WHERE age_min <= ? AND coalesce(age_max, 200) >= ? GROUP BY lsoa),
           lad AS (SELECT lsoa21 AS lsoa, min(lad_code) AS lad_code FROM look GROUP BY lsoa21)
           SELECT idaci.lsoa, coalesce(lad.lad_code, idaci.dep_lad) AS lad_code, pop.children, idaci.idaci,
                  c.easting, c.northing
           FROM idaci JOIN pop USING (lsoa) JOIN lsoa_centroids c USING (lsoa) LEFT JOIN lad USING (lsoa)
           WHERE idaci.lsoa NOT LIKE 'W%' ORDER BY idaci.lsoa""", [entry_age, entry_age])
    if lsoas.empty:
        raise WarehouseError("no LSOA has children of the entry age, IDACI and a centroid in the warehouse; load the "
                             "population, IoD, LSOA lookup and LSOA centroid files (see README, 'Auditing real data')")
    census = wh.count("school_census") > 0
    census_columns = wh.df("SELECT * FROM school_census LIMIT 0").columns if census else ()
    census_sex = "sex_of_school" if "sex_of_school" in census_columns else "NULL"
    youngest = "youngest_year_group" if "youngest_year_group" in census_columns else "NULL"
    schools = wh.df(
        f"""SELECT s.urn, s.name, s.la_code, s.la_name, coalesce(l.lad_code, s.lad_code) AS lad_code, s.type, s.phase,
                  s.capacity, s.pupils,
                  s.easting, s.northing, {"c.admissions_policy" if census else "s.admissions_policy"} AS admissions,
                  {"c.sex" if census else "NULL"} AS sex,
                  {"coalesce(c.religion, s.religious_character)" if census else "s.religious_character"} AS religion,
                  {"c.youngest" if census else "NULL"} AS youngest
           FROM schools s
           LEFT JOIN (SELECT lsoa21, min(lad_code) AS lad_code FROM lsoa_lookup GROUP BY lsoa21) l
                  ON l.lsoa21 = s.lsoa
           {"LEFT JOIN (SELECT urn, arg_max(admissions_policy, year) FILTER (admissions_policy IS NOT NULL) "
            f"AS admissions_policy, arg_max({census_sex}, year) FILTER ({census_sex} IS NOT NULL) AS sex, "
            "arg_max(religious_character, year) FILTER (religious_character IS NOT NULL) AS religion, "
            f"arg_max({youngest}, year) FILTER ({youngest} IS NOT NULL) AS youngest "
            "FROM school_census GROUP BY urn) c ON c.urn = s.urn" if census else ""}
           WHERE coalesce(s.status, 'Open') ILIKE 'open%'
             AND coalesce(s.type_group, '') NOT ILIKE 'independent%' AND coalesce(s.type, '') NOT ILIKE '%special%'
             AND coalesce(s.type, '') NOT ILIKE 'online%'
             AND s.easting IS NOT NULL AND s.northing IS NOT NULL AND s.la_code IS NOT NULL
           ORDER BY s.urn""")
    demand, year, prefs = school_demand(wh.con, phase, demand_year)
    entry = schools["phase"].fillna("").str.lower().eq(phase.lower())
    if demand is not None:          # an all-through (or middle) school with applications of the phase admits at its entry
        entry |= schools["urn"].isin(set(demand["urn"]))
    schools = schools[entry].reset_index(drop=True)
    groups = schools["phase"].fillna(phase).str.lower().map(YEAR_GROUPS).fillna(5)
    from_capacity = np.floor(schools["capacity"].astype(float) / groups)
    from_roll = np.floor(schools["pupils"].astype(float) / groups)
    schools["places"] = from_capacity.where(from_capacity > 0, from_roll)
    schools["place_source"] = np.where(from_capacity > 0, "capacity", np.where(from_roll > 0, "roll", "none"))
    schools["selective"] = schools["admissions"].fillna("").str.lower().eq("selective")
    schools["community"] = schools["type"].fillna("").str.lower().isin(LA_ADMISSIONS_TYPES)
    las = _las(wh)
    fsm = _fsm_shares(wh)
    later = frozenset()
    if demand is not None and demand_year is not None:      # the latest year (the default) has none admitted later
        latest = school_demand(wh.con, phase)[0]
        later = frozenset(set(latest["urn"].astype(int)) - set(demand["urn"].astype(int)))
    return NationalFrames(lsoas, schools.drop(columns=["capacity", "pupils", "phase", "admissions"]), las, fsm,
                          demand, year, prefs, entry_year_group=entry_age - 4, admitted_later=later)


def admits_at_entry(frames: NationalFrames, schools: pd.DataFrame) -> pd.Series:
    """Per school of SCHOOLS, '' where it takes part in the entry year's market, else why not: with demand data, a
    school with no applications in the demand year that does not admit at the entry age (SPC youngest year group
    above the entry year) or that first had applications in a later year. Without demand data, every school."""
    reason = pd.Series("", index=schools.index)
    if frames.demand is None:
        return reason
    none = ~schools["urn"].isin(set(frames.demand["urn"]))
    youngest = pd.to_numeric(schools.get("youngest", pd.Series(np.nan, index=schools.index)), errors="coerce")
    later = schools["urn"].isin(frames.admitted_later)
    entry = "Reception" if frames.entry_year_group == 0 else f"Year {frames.entry_year_group}"
    reason[none & later] = f"applications only after entry {frames.demand_year} (opened since)"
    upper = none & (youngest > frames.entry_year_group)
    reason[upper] = f"no entry at {entry} (the SPC's youngest year group is above)"
    return reason


def _left_out_notes(schools: pd.DataFrame, reasons: pd.Series, code: str, name: str) -> list[str]:
    """One note per reason (admits_at_entry) naming the schools of LA CODE left out for it."""
    mine = (reasons != "") & (schools["la_code"] == code)
    return [f"{int(n)} school(s) of {name} left out: {why} (URNs "
            f"{', '.join(map(str, schools.loc[mine & (reasons == why), 'urn'].astype(int).tolist()[:10]))})"
            for why, n in reasons[mine].value_counts().sort_index().items()]


def _las(wh) -> pd.DataFrame:
    """Each district to the LA holding most of the schools (all phases) located in it."""
    counts = wh.df(
        """SELECT s.la_code, min(s.la_name) AS la_name, coalesce(l.lad_code, s.lad_code) AS lad_code,
                  min(l.lad_name) AS lad_name, count(*) AS n
           FROM schools s LEFT JOIN (SELECT lsoa21, min(lad_code) AS lad_code, min(lad_name) AS lad_name
                                     FROM lsoa_lookup GROUP BY lsoa21) l ON l.lsoa21 = s.lsoa
           WHERE s.la_code IS NOT NULL AND coalesce(l.lad_code, s.lad_code) IS NOT NULL
           GROUP BY s.la_code, coalesce(l.lad_code, s.lad_code)""")
    counts = counts.sort_values(["lad_code", "n", "la_code"], ascending=[True, False, True],
                                kind="stable").drop_duplicates("lad_code")
    names = wh.df("SELECT la_code, min(la_name) AS la_name FROM schools WHERE la_code IS NOT NULL GROUP BY la_code "
                  "ORDER BY la_code")
    counts = counts.drop(columns="la_name").merge(names, on="la_code", how="left")
    return counts[["la_code", "la_name", "lad_code", "lad_name"]].reset_index(drop=True)


def _fsm_shares(wh) -> pd.Series:
    """FSM share of each LA's pupils (all its schools) in the latest SPC year, else GIAS PercentageFSM."""
    if wh.count("school_indicators"):
        rows = wh.df(
            """SELECT s.la_code, sum(i.numerator ORDER BY urn) / nullif(sum(i.denominator ORDER BY urn), 0) AS share
               FROM school_indicators i JOIN schools s USING (urn)
               WHERE i.indicator = 'fsm' AND i.numerator IS NOT NULL
                 AND i.year = (SELECT max(year) FROM school_indicators WHERE indicator = 'fsm')
               GROUP BY s.la_code ORDER BY s.la_code""")
    else:
        rows = wh.df("""SELECT la_code, sum(pct_fsm * pupils ORDER BY urn) / nullif(sum(pupils ORDER BY urn), 0) AS share
                        FROM schools WHERE pct_fsm IS NOT NULL GROUP BY la_code ORDER BY la_code""")
    return rows.dropna().set_index("la_code")["share"]


def resolve_la(frames: NationalFrames, text: str) -> tuple[str, str]:
    """(old LA code, LA name) for a name, an old code, or an ONS code of the LA or one of its districts, in
    any case or by a unique start of the name (repaudit.names); the closest names when none matches."""
    las = frames.las.dropna(subset=["la_code"])
    aliases = las.groupby("la_code")[["lad_code", "lad_name"]].agg(lambda c: tuple(c.dropna().astype(str)))
    choices = [names.Choice(str(code), str(name), aliases.loc[code, "lad_code"] + aliases.loc[code, "lad_name"])
               for code, name in las.drop_duplicates("la_code")[["la_code", "la_name"]].itertuples(index=False)]
    found = names.find(text, choices, "local authority", "la",
                       missing="no local authority in the warehouse matches")
    return found.code, found.name


def all_las(frames: NationalFrames) -> list[tuple[str, str]]:
    """Every LA with at least one school of the phase and one LSOA, as (old code, name), by name."""
    with_schools = set(frames.schools["la_code"])
    with_lsoas = set(frames.las.loc[frames.las["lad_code"].isin(frames.lsoas["lad_code"]), "la_code"])
    rows = frames.las[frames.las["la_code"].isin(with_schools & with_lsoas)].drop_duplicates("la_code")
    return sorted(zip(rows["la_code"], rows["la_name"]), key=lambda r: str(r[1]))


@dataclass
class LaMarket:
    """The LSOAs and schools of one LA's admissions market, with notes saying what was estimated."""

    code: str
    name: str
    lsoas: pd.DataFrame
    schools: pd.DataFrame       # as NationalFrames.schools plus `pan`, `area`, `in_la` and, with demand data,
                                # times_first, times_second, times_third, times_any (border schools: the LA's share)
    fsm_share: float
    notes: list
    preferences: int | None = None      # preferences the LA allows (applications and offers), when known
    demand_year: int | None = None
    homes: pd.DataFrame | None = None   # with cross-border homes: lsoa, idaci, easting, northing, children (the
                                        # expected number of the cohort living there, homes.market_homes)


def _lsoa_las(frames: NationalFrames) -> pd.Series:
    """The LA code of each LSOA of FRAMES (through its district)."""
    return frames.lsoas["lad_code"].map(frames.las.drop_duplicates("lad_code").set_index("lad_code")["la_code"])


def _competing(frames: NationalFrames, *columns: str) -> pd.DataFrame:
    """Every school with applications: urn, la_code, location, times_first and the demand's COLUMNS."""
    return frames.schools[["urn", "la_code", "easting", "northing"]].merge(
        frames.demand[["urn", "times_first", *columns]], on="urn", how="inner")


def school_home_terms(frames: NationalFrames, homes: HomeModel) -> pd.Series | None:
    """outside_s of every school with applications (homes.outside_terms), urn -> term, fitted over the whole
    country once per frames and HOMES (kept in frames.home_terms, so `--la all` fits it once); None when HOMES
    leaves them out or the demand has no applications from other LAs."""
    demand = frames.demand
    if not homes.outside or demand is None or not demand.get("from_another_la", pd.Series(dtype=float)).notna().any():
        return None
    if homes not in frames.home_terms:
        comp = _competing(frames, "times_any", "from_another_la")
        comp = comp[comp["times_first"] > 0]
        share = (comp["from_another_la"] / comp["times_any"].where(comp["times_any"] > 0)).to_numpy(float)
        terms, _, _ = outside_terms(frames.lsoas[["easting", "northing"]].to_numpy(float),
                                    _lsoa_las(frames).to_numpy(object),
                                    frames.lsoas["children"], comp[["easting", "northing"]].to_numpy(float),
                                    comp["la_code"].to_numpy(object), comp["times_first"], share, homes.per_km,
                                    homes.same_la)
        frames.home_terms[homes] = pd.Series(terms, index=comp["urn"].to_numpy())
    return frames.home_terms[homes]


def la_market(frames: NationalFrames, la: str, border_km: float = 3.0, capacities: pd.DataFrame | None = None,
              homes: HomeModel | None = None) -> LaMarket:
    """The market of LA (see the module docstring); CAPACITIES (urn, pan) override estimated places. With HOMES
    and demand data, the cohort's homes are drawn where its first preferences come from, on both sides of the
    boundary (homes.py); else in the LA's LSOAs by children."""
    named = frames.las.drop_duplicates("la_code").set_index("la_code")["la_name"]
    code, name = (la, str(named[la])) if la in named.index else resolve_la(frames, la)   # `--la all` passes codes
    districts = set(frames.las.loc[frames.las["la_code"] == code, "lad_code"])
    lsoas = frames.lsoas[frames.lsoas["lad_code"].isin(districts)].reset_index(drop=True)
    if lsoas.empty:
        raise WarehouseError(f"no LSOAs of {name} ({code}) have children, IDACI and a centroid in the warehouse")
    sch = frames.schools
    out = admits_at_entry(frames, sch)
    notes = _left_out_notes(sch, out, code, name)
    sch = sch[out == ""]
    own = sch[sch["la_code"] == code]
    if own.empty:
        raise WarehouseError(f"no open schools of {name} ({code}) with a location in the warehouse")
    home = lsoas[["easting", "northing"]].to_numpy(float)
    others = sch[sch["la_code"] != code]
    near = within(others[["easting", "northing"]].to_numpy(float), home, border_km * 1000)
    border = others[near].copy()
    if len(border):
        border["share"] = _local_share(border[["easting", "northing"]].to_numpy(float), frames.lsoas, lsoas["lsoa"],
                                       border_km * 1000)
    market = pd.concat([own.assign(in_la=True, share=1.0), border.assign(in_la=False)], ignore_index=True)
    if frames.demand is not None:
        market, demand_notes = _with_demand(market, frames.demand, frames.demand_year, name)
        notes += demand_notes
    market["places"] = np.floor(market["places"].fillna(0) * market["share"])
    market = market[market["in_la"] | (market["places"] > 0)]
    if capacities is not None:
        pan = capacities.set_index("urn")["pan"]
        given = market["urn"].isin(pan.index)
        market.loc[given, "places"] = market.loc[given, "urn"].map(pan)
        market.loc[given, "place_source"] = "capacities"
    estimated = market[market["in_la"] & market["place_source"].isin(["capacity", "roll"])]
    if len(estimated):
        by = estimated["place_source"].value_counts()
        notes.append(f"places of {len(estimated)} school(s) of {name} estimated from GIAS "
                     + " and ".join(f"{'capacity' if k == 'capacity' else 'roll (NumberOfPupils)'} / year groups "
                                    f"({v})" for k, v in by.items())
                     + "; give real PANs with --capacities")
    missing = market["places"].isna() | (market["places"] <= 0)
    if missing.any():
        notes.append(f"{int(missing.sum())} school(s) with no capacity or roll are left out (URNs "
                     f"{', '.join(map(str, market.loc[missing, 'urn'].astype(int).tolist()[:10]))})")
        market = market[~missing]
    if len(border):
        notes.append(f"{int((~market['in_la']).sum())} school(s) of neighbouring LAs within {border_km:g} km take part, "
                     f"with {int(market.loc[~market['in_la'], 'places'].sum())} places: their places times the LA's share "
                     "of the children living within that distance of them")
    market = market.assign(pan=market["places"].astype(np.int64), area=np.where(market["in_la"], name, BORDER))
    fsm_share = float(frames.fsm.get(code, np.nan))
    if not np.isfinite(fsm_share):
        raise WarehouseError(f"no FSM figures for the schools of {name} ({code}): load SPC or GIAS with PercentageFSM")
    prefs = frames.la_preferences.get(code) if frames.la_preferences is not None else None
    market = market.reset_index(drop=True)
    where = None
    if homes is not None and "times_first" in market:
        competing = _competing(frames)
        everywhere = frames.lsoas.assign(la_code=_lsoa_las(frames))
        outside = school_home_terms(frames, homes)
        where = market_homes(everywhere, lsoas["lsoa"], competing, market, homes.per_km, homes.same_la,
                             outside=outside)
        away = where.loc[~where["lsoa"].isin(set(lsoas["lsoa"])), "children"].sum()
        used = homes if outside is not None else replace(homes, outside=False)
        notes.append(f"homes drawn where the first preferences come from (children near each school, on both sides "
                     f"of the boundary; {used.describe()}): {away:,.0f} of the {where['children'].sum():,.0f} "
                     f"children expected to live outside {name}")
    return LaMarket(code, name, lsoas, market, fsm_share, notes, None if prefs is None else int(prefs),
                    frames.demand_year, where)


def _with_demand(market: pd.DataFrame, demand: pd.DataFrame, year: int, name: str) -> tuple[pd.DataFrame, list]:
    """Places from places offered and popularity from preferences (school_demand) where a school has them; a
    school without them keeps its estimated places and is given the first preferences per place of the LA's
    median school, said in a note. Counts of border schools are scaled by the LA's share like their places."""
    market = market.merge(demand, on="urn", how="left", suffixes=("", "_offered"))
    has = market["times_first"].notna() & (market["places_offered"] > 0)
    market.loc[has, "places"] = market.loc[has, "places_offered"]
    market.loc[has, "place_source"] = "admissions"
    own = market["in_la"] & has
    ratio = (market.loc[own, "times_first"] / market.loc[own, "places"]).median() if own.any() else 1.0
    for col in ("times_first", "times_second", "times_third", "times_any"):
        fill = market["places"].fillna(0) * (ratio if col == "times_first" else
                                             (market.loc[own, col] / market.loc[own, "places"]).median() if own.any()
                                             else 1.0)
        market[col] = market[col].where(has & market[col].notna(), fill) * market["share"]
    notes = [f"places of {int(own.sum())} school(s) of {name} from places offered and their popularity from "
             f"first, second, third and any preferences (applications and offers, entry {year})"]
    missing = market["in_la"] & ~has
    if missing.any():
        notes.append(f"{int(missing.sum())} school(s) of {name} have no applications and offers for entry {year} "
                     f"(URNs {', '.join(map(str, market.loc[missing, 'urn'].astype(int).tolist()[:10]))}): their "
                     f"places are estimated and their first preferences set at the LA's median of {ratio:.2f} per place")
    return market.drop(columns=["places_offered"]), notes


def _local_share(points: np.ndarray, all_lsoas: pd.DataFrame, mine, radius: float) -> np.ndarray:
    """Per point: children in MINE (LSOA codes) over all children, among LSOAs within RADIUS of it."""
    xy = all_lsoas[["easting", "northing"]].to_numpy(float)
    kids = all_lsoas["children"].to_numpy(float)
    inside = all_lsoas["lsoa"].isin(set(mine)).to_numpy()
    out = np.zeros(len(points))
    for i, p in enumerate(points):
        near = ((xy - p) ** 2).sum(axis=1) <= radius ** 2
        total = kids[near].sum()
        out[i] = kids[near & inside].sum() / total if total > 0 else 0.0
    return out
