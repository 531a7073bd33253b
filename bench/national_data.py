"""A generated national-scale warehouse for the audit benchmark: England's extent, towns of clustered
LSOAs, 24,000+ schools, 35,000+ LSOAs, three years of FSM / SEN support / EHC plan counts, 3 million+
residence-flow rows, catchment polygons around every secondary school.

    .venv/bin/python bench/national_data.py /tmp/national.duckdb

Numbers are random but shaped like the real system (town sizes, rolls, FSM tracking IDACI, faith and
selective schools, trusts, LAs and regions); nothing here is real data.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from repaudit.auditing import neighbours  # noqa: E402
from repaudit.warehouse import Warehouse  # noqa: E402

N_LSOA = 35_500
N_PRIMARY, N_SECONDARY, N_OTHER = 20_000, 4_000, 600
YEARS = (2020, 2021, 2022)
REGIONS = ("North East", "North West", "Yorkshire and The Humber", "East Midlands", "West Midlands",
           "East of England", "London", "South East", "South West")


def _insert(wh, table, frame):
    wh.con.register("_frame", frame)
    wh.con.execute(f"insert into {table} by name select * from _frame")
    wh.con.unregister("_frame")


def lsoas(rng):
    """LSOA centroids in ~400 towns (sizes from a power law) plus a rural scatter; IDACI by town and place."""
    towns = 400
    centre = np.column_stack([rng.uniform(150_000, 640_000, towns), rng.uniform(20_000, 640_000, towns)])
    size = rng.pareto(1.2, towns) + 1
    share = size / size.sum()
    urban = int(N_LSOA * 0.85)
    town = rng.choice(towns, urban, p=share)
    spread = 1_500 * np.sqrt(size[town])
    xy = centre[town] + rng.normal(0, 1, (urban, 2)) * spread[:, None]
    rural = np.column_stack([rng.uniform(150_000, 640_000, N_LSOA - urban), rng.uniform(20_000, 640_000, N_LSOA - urban)])
    xy = np.vstack([xy, rural])
    town_poverty = rng.beta(2, 6, towns)
    poverty = np.concatenate([town_poverty[town], rng.beta(1.5, 9, N_LSOA - urban)])
    idaci = np.clip(poverty + rng.normal(0, 0.08, N_LSOA), 0.005, 0.9)
    codes = np.array([f"E0{1000000 + i}" for i in range(N_LSOA)])
    la = (np.floor(xy[:, 0] / 45_000) * 20 + np.floor(xy[:, 1] / 45_000)).astype(int)
    return pd.DataFrame({"lsoa": codes, "easting": xy[:, 0], "northing": xy[:, 1], "idaci": idaci,
                         "children": rng.normal(330, 70, N_LSOA).clip(80), "la_cell": la})


def schools(rng, areas):
    """Schools placed at the centroids of LSOAs drawn by child population, jittered by up to 400 m."""
    n = N_PRIMARY + N_SECONDARY + N_OTHER
    at = rng.choice(len(areas), n, p=areas["children"] / areas["children"].sum())
    e = areas["easting"].to_numpy()[at] + rng.uniform(-400, 400, n)
    nn = areas["northing"].to_numpy()[at] + rng.uniform(-400, 400, n)
    phase = np.array(["Primary"] * N_PRIMARY + ["Secondary"] * N_SECONDARY + ["Not applicable"] * N_OTHER)
    other = np.arange(n) >= N_PRIMARY + N_SECONDARY
    kind = rng.random(n)
    academy = ~other & (kind < 0.45)
    type_ = np.where(other, np.where(kind < 0.5, "Community special school", "Other independent school"),
                     np.where(academy, "Academy converter", "Community school"))
    group = np.where(other, np.where(kind < 0.5, "Special schools", "Independent schools"),
                     np.where(academy, "Academies", "Local authority maintained schools"))
    la_cells = np.unique(areas["la_cell"])
    la_index = {c: i for i, c in enumerate(la_cells)}
    la = np.array([la_index[c] for c in areas["la_cell"].to_numpy()[at]]) + 300
    secondary = phase == "Secondary"
    selective = secondary & (rng.random(n) < 0.04)
    faith = ~other & (rng.random(n) < 0.3)
    trust = rng.integers(0, 2_200, n)
    pupils = np.where(secondary, rng.normal(1_000, 300, n), rng.normal(290, 110, n)).clip(30).round()
    return pd.DataFrame({
        "urn": 100_000 + np.arange(n), "name": [f"Benchmark School {i}" for i in range(n)],
        "la_code": la.astype(str), "la_name": [f"Benchmark LA {c}" for c in la],
        "region": [REGIONS[c % len(REGIONS)] for c in la], "type": type_, "type_group": group, "status": "Open",
        "phase": phase, "admissions_policy": np.where(selective, "Selective", "Non-selective"),
        "religious_character": np.where(faith, "Church of England", "Does not apply"),
        "pupils": pupils, "capacity": (pupils * 1.1).round(), "easting": e.round(), "northing": nn.round(),
        "lsoa": areas["lsoa"].to_numpy()[at],
        "trust_code": np.where(academy, [f"TR{t:05d}" for t in trust], None),
        "trust_name": np.where(academy, [f"Benchmark Trust {t}" for t in trust], None),
        "_idaci": areas["idaci"].to_numpy()[at], "_selective": selective,
    })


def indicators(rng, table):
    """FSM tracking local IDACI (selective schools far below), SEN support and EHC plan, three years."""
    frames = []
    n = len(table)
    school_effect = rng.normal(0, 0.04, n) - np.where(table["_selective"], 0.12, 0.0)
    for k, year in enumerate(YEARS):
        den = (table["pupils"].to_numpy() * rng.normal(1, 0.03, n)).round().clip(20)
        fsm_rate = np.clip(0.02 + 0.85 * table["_idaci"].to_numpy() + school_effect + 0.01 * k, 0.005, 0.9)
        sen_rate = np.clip(rng.normal(0.13, 0.04, n), 0.01, 0.5)
        ehcp_rate = np.clip(rng.normal(0.025, 0.012, n), 0.0, 0.2)
        for name, rate in (("fsm", fsm_rate), ("sen_support", sen_rate), ("ehcp", ehcp_rate)):
            frames.append(pd.DataFrame({"urn": table["urn"], "year": year, "indicator": name,
                                        "numerator": rng.binomial(den.astype(int), rate).astype(float),
                                        "denominator": den}))
    return pd.concat(frames, ignore_index=True)


def flows(wh, rng, table, areas):
    """Where each school's pupils live: 40 (primary) or 100 (secondary) LSOAs from the nearest 150."""
    mainstream = table[table["phase"] != "Not applicable"]
    sources = pd.DataFrame({"src": mainstream["urn"], "grp": "all", "easting": mainstream["easting"],
                            "northing": mainstream["northing"], "need": 150.0, "max_dist": 80_000.0})
    targets = pd.DataFrame({"tgt": areas["lsoa"], "grp": "all", "easting": areas["easting"],
                            "northing": areas["northing"], "weight": 1.0})
    neighbours.nearest(wh.con, sources, targets, count_mode=True, out="bench_pairs")
    pairs = wh.con.execute("select src as urn, tgt as lsoa, dist from bench_pairs").df()
    pairs["rank"] = pairs.groupby("urn")["dist"].rank(method="first")
    phase = pairs["urn"].map(mainstream.set_index("urn")["phase"])
    pairs = pairs[pairs["rank"] <= np.where(phase == "Secondary", 100, 40)].reset_index(drop=True)
    idaci = pairs["lsoa"].map(areas.set_index("lsoa")["idaci"]).to_numpy()
    frames = []
    for year in YEARS:
        pupils = rng.poisson(np.where(phase.loc[pairs.index] == "Secondary", 10, 7)).astype(float) + 1
        fsm = rng.binomial(pupils.astype(int), np.clip(0.02 + 0.85 * idaci, 0, 0.9)).astype(float)
        sen = rng.binomial(pupils.astype(int), 0.13).astype(float)
        frames.append(pd.DataFrame({"urn": pairs["urn"].astype(int), "lsoa": pairs["lsoa"], "year": year,
                                    "pupils": pupils, "fsm": fsm, "sen": sen}))
    return pd.concat(frames, ignore_index=True)


def catchment_polygons(table):
    """A 5 km square catchment around every secondary school, naming it by URN."""
    sec = table[table["phase"] == "Secondary"]
    wkt = [f"POLYGON(({e - 2500} {n - 2500}, {e + 2500} {n - 2500}, {e + 2500} {n + 2500}, {e - 2500} {n + 2500}, "
           f"{e - 2500} {n - 2500}))" for e, n in zip(sec["easting"], sec["northing"])]
    return pd.DataFrame({"layer": "benchmark", "catchment_id": sec["urn"].astype(str), "name": sec["name"],
                         "urn": sec["urn"], "wkt": wkt})


def generate(path, seed=7) -> dict:
    """Write the generated warehouse to PATH; returns the row counts."""
    rng = np.random.default_rng(seed)
    Path(path).unlink(missing_ok=True)
    started = time.perf_counter()
    with Warehouse(path) as wh:
        areas = lsoas(rng)
        table = schools(rng, areas)
        _insert(wh, "lsoa_centroids", areas.assign(lsoa_vintage=2021)[["lsoa", "lsoa_vintage", "easting", "northing"]])
        _insert(wh, "lsoa_population", pd.DataFrame({
            "lsoa": areas["lsoa"], "lsoa_vintage": 2021, "year": 2021, "age_band": "Aged 15 years and under",
            "age_min": 0, "age_max": 15, "population": areas["children"].round()}))
        _insert(wh, "lsoa_deprivation", pd.DataFrame({
            "lsoa": areas["lsoa"], "lsoa_vintage": 2021, "year": 2019, "measure": "idaci", "score": areas["idaci"]}))
        _insert(wh, "schools", table.drop(columns=["_idaci", "_selective"]))
        _insert(wh, "school_indicators", indicators(rng, table))
        _insert(wh, "flows", flows(wh, rng, table, areas))
        polygons = catchment_polygons(table)
        wh.con.register("_polygons", polygons)
        wh.con.execute("""insert into catchments (layer, catchment_id, name, urn, geom, loaded_at)
                          select layer, catchment_id, name, urn, st_geomfromtext(wkt), now() from _polygons""")
        wh.con.unregister("_polygons")
        counts = {t: wh.count(t) for t in ("schools", "lsoa_centroids", "school_indicators", "flows", "catchments")}
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "/tmp/repaudit_national.duckdb"
    print(generate(target))
