"""Assemble a Game from what the user has: applications CSV or synthetic applicants, schools, catchments."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputFileError, RepauditError, WarehouseError
from . import catchments as catchment_areas
from .applicants import read_applications, to_applicants
from .choice import ChoiceModel
from .game import Game
from .schools import complete, read_capacities, to_schools, warehouse_schools
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
    notes = check_preference_limit(path, applications, limit, truncate) if limit else []
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
                             model: ChoiceModel | None = None, city_share: float | None = None) -> Game:
    """Synthetic applicants for the schools of LA, from warehouse LSOA populations, IDACI and centroids.

    LSOAs are those of the LA's district (lsoa_deprivation.la_code = the LA's ONS code); children of the
    entry age are taken from the population band that contains ENTRY_AGE, divided evenly over its years.
    The cohort size is the LA's total PAN unless the LSOA children are fewer."""
    stored = warehouse_schools(wh, la=la, phase=phase)
    schools = complete(read_capacities(capacities), stored) if capacities else stored
    no_pan = schools["pan"].isna() | (schools["pan"] <= 0)
    notes = []
    if no_pan.any():
        left_out = schools.loc[no_pan, "urn"].astype(int).tolist()
        notes.append(f"{len(left_out)} school(s) with no capacity in the warehouse are left out (URNs "
                     f"{', '.join(map(str, left_out[:20]))}{' ...' if len(left_out) > 20 else ''}); give their PAN "
                     "with --capacities")
    schools = schools[~no_pan]
    lad = wh.con.execute("SELECT any_value(lad_code) FROM schools WHERE la_name ILIKE ? OR la_code = ? OR lad_code = ?",
                         [la, la, la]).fetchone()[0]
    if not lad:
        raise WarehouseError(f"the warehouse does not know the ONS code of LA '{la}' (schools.lad_code is empty)")
    wh.require("lsoa_population", "lsoa_deprivation", "lsoa_centroids")
    lsoas = wh.df(
        """WITH dep AS (SELECT lsoa, score AS idaci FROM lsoa_deprivation WHERE measure = 'idaci' AND la_code = ?
                      QUALIFY row_number() OVER (PARTITION BY lsoa ORDER BY year DESC) = 1),
           pop AS (SELECT lsoa, sum(population / (coalesce(age_max, age_min) - age_min + 1)) AS children
                   FROM lsoa_population WHERE age_min <= ? AND coalesce(age_max, 200) >= ?
                   GROUP BY lsoa)
           SELECT dep.lsoa, pop.children, dep.idaci, c.easting, c.northing
           FROM dep JOIN pop USING (lsoa) JOIN lsoa_centroids c USING (lsoa) ORDER BY dep.lsoa""",
        [lad, entry_age, entry_age])
    if lsoas.empty:
        raise WarehouseError(f"no LSOAs of {lad} have IDACI, population aged {entry_age} and a centroid in the "
                             "warehouse; load IoD, population and LSOA centroids")
    neigh = Neighbourhoods(lsoas[["lsoa", "children", "idaci"]],
                           lsoas[["lsoa", "easting", "northing"]].assign(weight=1.0))
    n = int(min(schools["pan"].sum(), round(lsoas["children"].sum())))
    share = _city_share(wh, lad) if city_share is None else city_share
    areas = catchment_areas.from_warehouse(wh, catchment_layer)
    firsts = later = None
    if first_preferences is not None:
        counts = first_preferences.set_index("urn").reindex(schools["urn"]).fillna(0)
        firsts = counts["count"].to_numpy()
        ranks = [c for c in ("pref2", "pref3") if c in counts]
        later = counts[ranks].to_numpy().T if ranks else None
    frame, report = synthetic_applications(
        neigh, schools["urn"], schools[["easting", "northing"]].to_numpy(float), n, share, preferences, seed,
        firsts, model, SyntheticRates(), catchment_matrix(areas, schools["urn"]) if areas is not None else None,
        later_preferences=later)
    if areas is None:
        notes.append("no catchment areas loaded: catchment criteria are met by no applicant")
    return make_game(schools, frame, areas, share, {"source": f"synthetic cohort for {la}", "calibration": report,
                                                    "synthetic": True, "notes": notes})


def _city_share(wh, lad) -> float:
    """The LA's FSM share from school_indicators (latest year, all its schools), else GIAS PercentageFSM."""
    row = wh.con.execute(
        """SELECT sum(numerator) / nullif(sum(denominator), 0) FROM school_indicators i JOIN schools s USING (urn)
           WHERE i.indicator = 'fsm' AND s.lad_code = ?
             AND i.year = (SELECT max(year) FROM school_indicators WHERE indicator = 'fsm')""", [lad]).fetchone()
    if row and row[0] is not None:
        return float(row[0])
    row = wh.con.execute("SELECT sum(pct_fsm * pupils) / nullif(sum(pupils), 0) FROM schools WHERE lad_code = ?",
                         [lad]).fetchone()
    if row and row[0] is not None:
        return float(row[0])
    raise WarehouseError(f"no FSM figures for the schools of {lad}: load SPC or GIAS with PercentageFSM")
