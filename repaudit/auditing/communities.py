"""The built-in community models. Each `build(con, indicator)` turns the table audit_sources (the
schools to audit, with their resolved parameters as columns) into the table catchment_weight."""
from __future__ import annotations

import pandas as pd

from ..errors import WarehouseError
from . import gravity, neighbours, proximity
from .models import Param, community_model
from .relations import materialise

KM = 1000.0


def pool(con) -> pd.DataFrame | None:
    """The comparison pool of each school (queries/community_pool.sql) when the model built one."""
    if not con.execute("select count(*) from duckdb_tables() where table_name = 'audit_pool'").fetchone()[0]:
        return None
    return con.execute("select * from audit_pool").df()


def _require(con, table: str, what: str, how: str) -> None:
    if con.execute(f"select count(*) from {table}").fetchone()[0] == 0:
        raise WarehouseError(f"the {what} needs {table}, which is empty; load it first ({how})")


@community_model(
    "la", "the local authority: every same-phase state-funded mainstream pupil of the school's LA (baseline)",
    area_kind="la", needs_location=False)
def build_la(con, indicator):
    materialise(con, "catchment_weight", "community_la")


@community_model(
    "nearby-schools",
    "the k nearest same-phase state-funded mainstream schools (or all within radius_km), the school "
    "itself included, pupil-weighted; selective schools are compared with the schools around them but "
    "left out of every other school's pool (exclude=selective); public data only",
    area_kind="school", needs_location=True,
    params=(Param("k", 10, "number of schools, the school itself included"),
            Param("radius_km", None, "if set, every school within this distance instead of the k nearest"),
            Param("max_radius_km", 60, "never look further than this"),
            Param("exclude", "selective", "schools left out of other schools' pools: selective (grammar "
                  "schools) or none (independent and special schools are never in a pool)",
                  ("selective", "none"))),
    overrides={"selective": {"k": 20}, "faith": {"k": 20}})
def build_nearby_schools(con, indicator):
    leave_out = con.execute("select min(exclude) from audit_sources").fetchone()[0] == "selective"
    radius = "try_cast(radius_km as double)"
    own = "case when selective then 1 else 0 end" if leave_out else "0"
    sources = f"""select urn as src, phase as grp, easting, northing,
                         case when {radius} is null then try_cast(k as double) - {own} end as need,
                         coalesce({radius}, try_cast(max_radius_km as double)) * {KM} as max_dist
                  from audit_sources"""
    targets = f"""select s.urn::varchar as tgt, s.phase as grp, s.easting, s.northing, 1.0 as weight
                  from audit_schools s
                  where s.scope_reason is null and s.easting is not null and s.northing is not null
                    and s.urn in (select urn from audit_values) {'and not s.selective' if leave_out else ''}"""
    neighbours.nearest(con, sources, targets, count_mode=True, first_radius=3 * KM)
    if leave_out:                           # a selective school is part of its own pool
        con.execute("""insert into audit_pairs
                       select urn::varchar, urn::varchar, 0.0, 1.0 from audit_sources
                       where selective and urn in (select urn from audit_values)""")
    materialise(con, "catchment_weight", "community_nearby_schools")
    materialise(con, "audit_pool", "community_pool")


@community_model(
    "nearby-primaries",
    "for a secondary school, the FSM (or SEN) rate of the k nearest state-funded mainstream primary schools, "
    "each weighted by its pupils / (distance + offset_km)^2 (the published 'mind the gap' method); the most "
    "local open proxy of the community a secondary serves",
    area_kind="school", needs_location=True, phases=("secondary",),
    params=(Param("k", 18, "number of nearest primary schools"),
            Param("offset_km", 1.0, "added to every distance before squaring, so the nearest primary "
                  "does not dominate"),
            Param("radius_km", None, "if set, every primary within this distance instead of the k nearest"),
            Param("max_radius_km", 30, "never look further than this")))
def build_nearby_primaries(con, indicator):
    radius = "try_cast(radius_km as double)"
    sources = f"""select urn as src, 'primary' as grp, easting, northing,
                         case when {radius} is null then try_cast(k as double) end as need,
                         coalesce({radius}, try_cast(max_radius_km as double)) * {KM} as max_dist
                  from audit_sources where phase = 'secondary'"""
    targets = """select s.urn::varchar as tgt, 'primary' as grp, s.easting, s.northing, 1.0 as weight
                 from audit_schools s
                 where s.phase = 'primary' and s.scope_reason is null and s.easting is not null
                   and s.northing is not null and s.urn in (select urn from audit_values)"""
    neighbours.nearest(con, sources, targets, count_mode=True, first_radius=3 * KM)
    materialise(con, "catchment_weight", "community_nearby_primaries")
    materialise(con, "audit_pool", "community_pool")


@community_model(
    "residential",
    "LSOAs around the school: the nearest until their child population of the phase reaches m x the "
    "school's roll (method reach), or all within radius_km (method radius); each LSOA's children are "
    "shared among the schools that can serve it (share gravity: places / max(distance, floor_km)^decay, "
    "normalised over the schools reaching the LSOA and its `competitors` nearest schools), or counted whole "
    "for every school reaching it (share whole)",
    area_kind="lsoa", needs_location=True,
    params=(Param("method", "reach", "reach (m x roll) or radius (radius_km)", ("reach", "radius")),
            Param("m", 2.0, "child population to reach, as a multiple of the school's roll"),
            Param("radius_km", {"primary": 2.0, "secondary": 5.0}, "radius for method radius"),
            Param("max_radius_km", 60, "never look further than this"),
            Param("share", "gravity", "gravity (children shared among the schools that can serve the LSOA) "
                  "or whole (every reaching school counts all its children)", ("gravity", "whole")),
            Param("decay", 2.0, "distance decay exponent of the gravity share"),
            Param("floor_km", 1.0, "distances below this count as this in the gravity share"),
            Param("competitors", 3, "nearest same-phase schools of each LSOA always in its gravity share")),
    overrides={"selective": {"m": 5.0, "radius_km": {"primary": 5.0, "secondary": 15.0}},
               "faith": {"m": 4.0, "radius_km": {"primary": 4.0, "secondary": 10.0}}})
def build_residential(con, indicator):
    _require(con, "lsoa_population", "residential model", "repaudit load population FILE")
    sources = f"""select urn as src, phase as grp, easting, northing,
                         case when method = 'reach' then try_cast(m as double) * roll end as need,
                         case when method = 'reach' then try_cast(max_radius_km as double)
                              else try_cast(radius_km as double) end * {KM} as max_dist
                  from audit_sources where method = 'radius' or roll > 0"""
    neighbours.nearest(con, sources, _lsoa_targets(), count_mode=False, first_radius=2 * KM)
    setting = lambda name: con.execute(f"select min({name}) from audit_sources").fetchone()[0]  # noqa: E731
    gravity = setting("share") == "gravity"
    if gravity:
        con.execute("""create or replace temp table audit_places as
            select urn, phase, easting, northing, coalesce(nullif(capacity, 0), roll) as places from audit_schools
            where scope_reason is null and easting is not null and northing is not null
              and coalesce(nullif(capacity, 0), roll) > 0""")
        lsoas = f"""select lsoa || '|' || grp as src, grp, easting, northing,
                           {float(setting('competitors'))} as need, {float(setting('max_radius_km')) * KM} as max_dist
                    from ({_lsoa_targets().replace('as tgt', 'as lsoa')})"""
        places = "select urn::varchar as tgt, phase as grp, easting, northing, places as weight from audit_places"
        neighbours.nearest(con, lsoas, places, count_mode=True, first_radius=1.2 * KM, out="audit_lsoa_schools")
    else:                                   # the query reads them only with gravity
        con.execute("create or replace temp table audit_places as select null::integer as urn, "
                    "null::double as places where false")
        con.execute("create or replace temp table audit_lsoa_schools as select null::varchar as src, "
                    "null::varchar as tgt, null::double as dist where false")
    materialise(con, "catchment_weight", "community_residential", gravity=gravity,
                decay=float(setting("decay")), floor_km=float(setting("floor_km")))


def _lsoa_targets() -> str:
    return """select lsoa as tgt, 'primary' as grp, easting, northing, pop_primary as weight
              from audit_lsoa_areas where pop_primary > 0
              union all
              select lsoa, 'secondary', easting, northing, pop_secondary
              from audit_lsoa_areas where pop_secondary > 0"""


@community_model(
    "catchment",
    "published catchment polygons: LSOAs whose centroid lies in the school's catchment, weighted by "
    "child population (faith and selective schools: every catchment of the layer serving their LA)",
    area_kind="lsoa", needs_location=True,
    params=(Param("layer", None, "catchment layer (file name) to use; default: the latest loaded", text=True),
            Param("catchment_phase", "secondary", "phase of the schools the polygons are drawn for",
                  ("primary", "secondary")),
            Param("scope", "own", "own: the school's catchment; layer: all catchments of the layer serving "
                  "the school's LA",
                  ("own", "layer"))),
    overrides={"selective": {"scope": "layer"}, "faith": {"scope": "layer"}})
def build_catchment(con, indicator):
    _require(con, "catchments", "catchment model", "repaudit load catchments FILE")
    _require(con, "lsoa_population", "catchment model", "repaudit load population FILE")
    layers = con.execute("select distinct layer from audit_sources where layer is not null").fetchall()
    if layers:
        layer = layers[0][0]
        if not con.execute("select count(*) from catchments where layer = ?", [layer]).fetchone()[0]:
            known = [r[0] for r in con.execute("select distinct layer from catchments order by 1").fetchall()]
            raise WarehouseError(f"no catchment layer '{layer}' in the warehouse; layers: {', '.join(known)}")
    else:
        layer = con.execute("select layer from catchments order by loaded_at desc, layer limit 1").fetchone()[0]
    materialise(con, "catchment_weight", "community_catchment", layer=layer)
    return {"layer": layer}


@community_model(
    "flows",
    "residence flows (NPD or London Schools Atlas): the school's catchment is where its pupils live; "
    "the community rate is the rate among all pupils of the phase living in those LSOAs (flows with no "
    "counts of the indicator, such as the Atlas: the LSOAs' rates, calibrated IDACI for FSM)",
    area_kind="flows", needs_location=False, public=False)
def build_flows(con, indicator):
    _require(con, "flows", "flows model", "repaudit load flows FILE")
    by_lsoa = con.execute("select count(*) from area_values where area not like '%|%'").fetchone()[0]
    materialise(con, "catchment_weight", "community_flows_lsoa" if by_lsoa else "community_flows")


@community_model(
    "proximity",
    "Allen (2007): every LSOA's children (scaled, LA by LA, to the pupils on roll) go to the nearest "
    "school with room; the community is the intake the school would then have",
    area_kind="lsoa", needs_location=True,
    params=(Param("candidates", 15, "nearest schools considered for each LSOA"),
            Param("places", "roll", "places per school: roll (pupils on roll) or capacity (GIAS "
                  "SchoolCapacity, roll where missing)", ("roll", "capacity")),
            Param("max_radius_km", 60, "never look further than this")))
def build_proximity(con, indicator):
    _require(con, "lsoa_population", "proximity model", "repaudit load population FILE")
    setting = lambda name: con.execute(f"select min({name}) from audit_sources").fetchone()[0]  # noqa: E731
    k, use_capacity = float(setting("candidates")), setting("places") == "capacity"
    max_dist = float(setting("max_radius_km")) * KM
    places = "greatest(coalesce(capacity, 0), roll)" if use_capacity else "roll"
    con.execute(f"""create or replace temp table audit_places as
        select urn, phase, la, easting, northing, {places} as places, roll from audit_schools
        where scope_reason is null and easting is not null and northing is not null and roll > 0""")
    sources = f"""select lsoa || '|' || grp as src, grp, easting, northing, {k} as need, {max_dist} as max_dist
                  from ({_lsoa_targets().replace('as tgt', 'as lsoa')})"""     # one source per LSOA and phase
    targets = "select urn::varchar as tgt, phase as grp, easting, northing, places as weight from audit_places"
    neighbours.nearest(con, sources, targets, count_mode=True, first_radius=3 * KM, out="audit_lsoa_schools")
    frames = []
    for phase, pop in (("primary", "pop_primary"), ("secondary", "pop_secondary")):
        pairs = con.execute("""select split_part(p.src, '|', 1) as lsoa, p.tgt::integer as urn, p.dist
                               from audit_lsoa_schools p join audit_places s on s.urn = p.tgt::integer
                               where s.phase = ?""", [phase]).df()
        places = con.execute("select urn, la, places, roll from audit_places where phase = ?", [phase]).df()
        people = con.execute(f"select lsoa, {pop} as children from audit_lsoa_areas where {pop} > 0").df()
        if pairs.empty or people.empty:
            continue
        demand = proximity.local_demand(pairs, people.set_index("lsoa")["children"], places.set_index("urn"))
        frames.append(proximity.allocate(pairs, demand, places.set_index("urn")["places"]))
    allocation = pd.concat(frames) if frames else pd.DataFrame({"lsoa": [], "urn": [], "pupils": []})
    con.register("_allocation", allocation)
    con.execute("""create or replace temp table audit_allocation as
                   select lsoa::varchar as lsoa, urn::integer as urn, pupils::double as pupils from _allocation""")
    con.unregister("_allocation")
    materialise(con, "catchment_weight", "community_proximity")


@community_model(
    "fitted",
    "a destination-choice (gravity) model fitted to where pupils live (the London Schools Atlas): the "
    "children of each LSOA choose among their nearest secondary schools (and the grammar schools within "
    "reach) with probability proportional to roll^size x exp(type effect) x distance decay, with its own "
    "decay for selective, faith and single-sex schools and, for those schools, a pull towards less (or "
    "more) deprived LSOAs (x IDACI), a pull towards the schools of the LSOA's own local authority, and fewer "
    "state-school pupils from affluent LSOAs; schools draw by the places they offer and popular schools "
    "(times put first per place offered; both from applications and offers when loaded) draw more and from "
    "nearer; the community is the predicted home "
    "LSOAs of the school's pupils. Open data only (GIAS/SPC attributes, applications and offers, LSOA "
    "centroids, population and lookup, IDACI), never the school's intake",
    area_kind="lsoa", needs_location=True, phases=("secondary",),
    params=(Param("fit", None, "JSON file of fitted parameters (bench/fit_residence_model.py writes one); "
                  "default: the fit shipped with repaudit", text=True),
            Param("admissions_year", None, "entry year of the applications and offers (`repaudit load "
                  "admissions`) giving schools' popularity and places, e.g. 2014 for 2014/15; default: the "
                  "latest loaded")))
def build_fitted(con, indicator):
    _require(con, "lsoa_population", "fitted model", "repaudit load population FILE")
    fit = gravity.load_fit(con.execute("select min(fit) from audit_sources").fetchone()[0])
    places = con.execute("""select urn, la, easting, northing, roll, selective, faith, single_sex from audit_schools
        where phase = 'secondary' and scope_reason is null and easting is not null and northing is not null
          and roll > 0""").df()
    asked = con.execute("select min(admissions_year) from audit_sources").fetchone()[0]
    demand, year = gravity.admissions(con, None if asked is None else int(asked))
    if asked is not None:                          # an earlier entry year: the schools open then compete
        places = places[~places["urn"].isin(gravity.opened_since(con, int(asked), demand))]
    con.register("_places", gravity.admissions_terms(places, demand))
    con.execute("create or replace temp table audit_places as select * from _places")
    con.unregister("_places")
    gravity.choice_pairs(con, "select urn, easting, northing, selective from audit_places",
                         "select lsoa, easting, northing from audit_lsoa_areas where pop_secondary > 0",
                         int(fit["k"]), float(fit["selective_km"]))
    con.register("_allocation", gravity.predict(gravity.pair_frame(con, "audit_places", gravity.ADMISSIONS), fit))
    con.execute("""create or replace temp table audit_allocation as
                   select lsoa::varchar as lsoa, urn::integer as urn, pupils::double as pupils from _allocation""")
    con.unregister("_allocation")
    materialise(con, "catchment_weight", "community_fitted")
    info = {"fit": fit.get("fitted_at"), "form": fit["form"], "variant": fit.get("variant"), "admissions_year": year}
    if year is None and any(fit["parameters"].get(n) for n in gravity.ADMISSIONS_TERMS):
        info["note"] = ("fitted: no applications and offers loaded (`repaudit load admissions FILE`), so every "
                        "school takes the median popularity and places; the model is blunter than it was fitted")
    return info
