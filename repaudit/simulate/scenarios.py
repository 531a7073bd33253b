"""Ready-made scenarios built from public files: Brighton and Hove's Year 7 admissions.

`brighton(real_dir)` reads, from a folder laid out like ../shared/data/real (nothing is copied):
  brighton/catchulator_secondary_admissions_actuals_2425.csv   10 schools: PAN, type, siblings, EHC plans,
                                                               the city FSM average (FSM_target / PAN)
  brighton/dennett_bh_school_model_of_factsheet_panel.csv      1st, 2nd and 3rd preferences per school and entry year
  brighton/catchulator_bh_lsoa_projections_2020_31.csv         Year 7 children per LSOA and year
  brighton/dennett_bn_postcodes_pop1.csv.gz                    postcodes: LSOA, location, children, IDACI
  brighton/catchments/*.geojson                                catchment polygons (2025 or 2026 areas)
  gias/edubasealldata20250524_reheadered_subset.csv.gz         school locations (Easting, Northing)
and draws a synthetic cohort (synthetic.py) whose 1st, 2nd and 3rd preferences match the factsheet's, FSM
and other families calibrated apart so that first preferences by FSM status follow each school's FSM share.
The later ranks matter: with first preferences alone the popular schools get too few 2nd and 3rd
preferences and most of them do not fill, so a policy that reorders the queue at full schools cannot act.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputFileError
from ..sources.reader import normalise, parse_number, read_csv_table, resolve_columns
from . import catchments as catchment_areas
from .choice import ChoiceModel
from .game import Game
from .inputs import catchment_matrix, make_game
from .schools import LA_ADMISSIONS_TYPES
from .synthetic import Neighbourhoods, SyntheticRates, synthetic_applications

# Catchment names used in the public polygon files -> the school(s) each area serves.
BRIGHTON_CATCHMENTS = {
    "Patcham": [114608], "PACA": [137063], "BACA": [136164], "Longhill": [114581],
    "VarndeanStr": [114579, 114580], "VarndeanStringer": [114579, 114580],
    "Hove": [114606, 114607], "HoveBlatchington": [114606, 114607],
}
CATCHMENT_FILES = {
    2025: "brighton/catchments/catchulator_catchment_existing_converted.geojson",
    2026: "brighton/catchments/dennett_optionZ_Mar25_epsg27700.geojson",
}
ACTUALS = "brighton/catchulator_secondary_admissions_actuals_2425.csv"
FACTSHEET = "brighton/dennett_bh_school_model_of_factsheet_panel.csv"
PROJECTIONS = "brighton/catchulator_bh_lsoa_projections_2020_31.csv"
POSTCODES = "brighton/dennett_bn_postcodes_pop1.csv.gz"
GIAS = "gias/edubasealldata20250524_reheadered_subset.csv.gz"


def data_root(folder: str | Path) -> Path:
    """The folder laid out like ../shared/data/real that FOLDER names: itself when it holds brighton/ and
    gias/, or its parent when FOLDER is that brighton/ folder; an error saying what is expected otherwise."""
    folder = Path(folder)
    for root in (folder, folder.parent):
        if (root / ACTUALS).is_file() and (root / GIAS).is_file():
            return root
    raise InputFileError(folder, f"expected a folder holding {ACTUALS} and {GIAS} (as ../shared/data/real does), "
                                 "or its brighton/ folder")


def brighton(real_dir: str | Path, entry_year: int = 2025, seed: int = 0, preferences: int = 3,
             model: ChoiceModel | None = None, rates: SyntheticRates | None = None,
             city_share: float | None = None, response=None, behaviour=None) -> Game:
    """The Brighton and Hove Year 7 scenario for ENTRY_YEAR (2025: catchments before the 2026 review).
    CITY_SHARE: the cohort's FSM share (default: the actuals file's FSM target over PAN, 23.1%). MODEL: the
    choice model before calibration; RESPONSE: (fsm_response, a function of the schools' LA-admission flags
    giving the schools where FSM children have priority), see synthetic.py."""
    real = data_root(real_dir)
    schools, siblings, fsm_share, file_share = _schools(real, entry_year)
    city_share = file_share if city_share is None else float(city_share)
    *counts, offered = _factsheet(real / FACTSHEET, schools, entry_year, ("pref1", "pref2", "pref3", "off_total"))
    counts = np.array(counts)
    schools["pan"] = np.maximum(schools["pan"], offered).astype(np.int64)
    firsts = counts[0]
    by_group = np.vstack([firsts * (1 - fsm_share), firsts * fsm_share])
    areas = catchment_areas.from_file(real / CATCHMENT_FILES[2026 if entry_year >= 2026 else 2025], BRIGHTON_CATCHMENTS)
    neigh = _neighbourhoods(real, entry_year)
    rates = rates or SyntheticRates(sibling=tuple(np.clip(siblings / np.maximum(firsts, 1), 0, 1)))
    frame, report = synthetic_applications(
        neigh, schools["urn"], schools[["easting", "northing"]].to_numpy(float), int(firsts.sum()), city_share,
        preferences, seed, by_group,
        model or (behaviour.model(len(schools)) if behaviour else ChoiceModel(np.zeros(len(schools)))), rates,
        catchment_matrix(areas, schools["urn"]), later_preferences=counts[1:],
        response=None if response is None else (response[0], response[1](
            schools["type"].str.lower().isin(LA_ADMISSIONS_TYPES).to_numpy())))
    meta = {"source": f"Brighton and Hove Year 7 {entry_year}, synthetic cohort from public files in {real}",
            "cohort_fsm_share": city_share,
            "calibration": report, "synthetic": True, "entry_year": entry_year,
            "first_preferences": dict(zip(schools["urn"].tolist(), firsts.tolist())),
            "later_preferences": {f"pref{r + 2}": dict(zip(schools["urn"].tolist(), row.tolist()))
                                  for r, row in enumerate(counts[1:])}}
    return make_game(schools, frame, areas, city_share, meta)


def _schools(real: Path, entry_year: int):
    table = read_csv_table(real / ACTUALS)
    pan_col = "pan_2026" if entry_year >= 2026 else "pan_2024"
    cols = resolve_columns(table, {"school_urn": [], "school_name": [], "establishment_type": [], pan_col: [],
                                   "FSM_target": [], "FSM_eligible_percent": [], "p3_sibling_offered": []},
                           ["school_urn", "school_name", "establishment_type", pan_col, "FSM_target",
                            "FSM_eligible_percent", "p3_sibling_offered"], "Brighton admissions actuals")
    frame = pd.DataFrame({
        "urn": parse_number(cols["school_urn"]).astype(np.int64),
        "name": cols["school_name"].astype(str),
        "pan": parse_number(cols[pan_col]).astype(np.int64),
        "type": cols["establishment_type"].astype(str),
        "area": "Brighton and Hove",
    })
    target = parse_number(cols["FSM_target"])
    pan_2024 = parse_number(table.frame["pan_2024"]) if "pan_2024" in table.frame else frame["pan"]
    with_target = target > 0
    city_share = float((target[with_target] / pan_2024[with_target]).median())
    gias = read_csv_table(real / GIAS)
    located = resolve_columns(gias, {"URN": [], "Easting": [], "Northing": []}, ["URN", "Easting", "Northing"], "GIAS")
    xy = pd.DataFrame({"urn": parse_number(located["URN"]), "easting": parse_number(located["Easting"]),
                       "northing": parse_number(located["Northing"])}).dropna()
    frame = frame.merge(xy.astype({"urn": np.int64}), on="urn", how="left")
    if frame[["easting", "northing"]].isna().any().any():
        missing = frame.loc[frame["easting"].isna(), "urn"].tolist()
        raise InputFileError(real / GIAS, f"no location for Brighton school(s) {missing}")
    siblings = parse_number(cols["p3_sibling_offered"]).fillna(0).to_numpy()
    fsm_share = (parse_number(cols["FSM_eligible_percent"]) / 100).to_numpy()
    return frame, siblings, fsm_share, city_share


def _factsheet(path: Path, schools: pd.DataFrame, entry_year: int, ranks) -> np.ndarray:
    """The factsheet's columns RANKS (e.g. pref1, pref2, pref3) per school in ENTRY_YEAR (one row per
    column), matching the factsheet's names to the schools' names."""
    table = read_csv_table(path).frame
    year = table[pd.to_numeric(table["year"], errors="coerce") == entry_year]
    if year.empty:
        years = sorted(pd.to_numeric(table["year"], errors="coerce").dropna().astype(int).unique())
        raise InputFileError(path, f"has no entry year {entry_year} (years {years[0]}-{years[-1]})", column="year")
    out = np.zeros((len(ranks), len(schools)))
    for i, name in enumerate(schools["name"]):
        hit = [n for n in year.index if normalise(name).startswith(normalise(year.at[n, "name"]))]
        if len(hit) != 1:
            raise InputFileError(path, f"no single factsheet row for '{name}' in {entry_year}", column="name")
        for r, col in enumerate(ranks):
            value = pd.to_numeric(year.at[hit[0], col], errors="coerce")
            if pd.isna(value):
                raise InputFileError(path, f"no {col} for '{name}' in {entry_year}", column=col)
            out[r, i] = float(value)
    return out


def _neighbourhoods(real: Path, entry_year: int) -> Neighbourhoods:
    """Year 7 children per LSOA (projection for the entry year); homes are postcodes weighted by children."""
    proj = read_csv_table(real / PROJECTIONS).frame
    if str(entry_year) not in proj:
        raise InputFileError(real / PROJECTIONS, f"has no column for {entry_year}")
    pc = read_csv_table(real / POSTCODES)
    cols = resolve_columns(pc, {"lsoa21": [], "oseast1m": [], "osnrth1m": [], "pcd_dep_ch_0_18_total_count": [],
                                "idaci_score": [], "postcode_status": []},
                           ["lsoa21", "oseast1m", "osnrth1m", "pcd_dep_ch_0_18_total_count", "idaci_score"],
                           "postcode populations")
    homes = pd.DataFrame({
        "lsoa": cols["lsoa21"].astype(str), "easting": parse_number(cols["oseast1m"]),
        "northing": parse_number(cols["osnrth1m"]), "weight": parse_number(cols["pcd_dep_ch_0_18_total_count"]).fillna(0),
        "idaci": parse_number(cols["idaci_score"]),
    }).dropna(subset=["easting", "northing"])
    if "postcode_status" in cols:
        homes = homes[cols["postcode_status"].reindex(homes.index).astype(str).str.lower().eq("live")]
    idaci = homes.groupby("lsoa").apply(
        lambda g: np.average(g["idaci"], weights=g["weight"]) if g["weight"].sum() > 0 else g["idaci"].mean(),
        include_groups=False)
    lsoas = pd.DataFrame({"lsoa": proj["geography"].astype(str), "children": parse_number(proj[str(entry_year)])})
    lsoas["idaci"] = lsoas["lsoa"].map(idaci)
    missing = lsoas["idaci"].isna()
    if missing.any():
        raise InputFileError(real / POSTCODES, f"no postcodes for LSOA(s) {', '.join(lsoas['lsoa'][missing][:5])}")
    return Neighbourhoods(lsoas, homes[["lsoa", "easting", "northing", "weight"]])
