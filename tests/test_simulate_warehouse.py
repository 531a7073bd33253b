"""The simulator on warehouse data: schools and PANs, catchment polygons (dual ones too), synthetic cohorts."""
import json

import pandas as pd
import pytest
import shapely

from repaudit.cli import cli
from repaudit.simulate.inputs import from_applications
from repaudit.simulate.policies import load_policy
from repaudit.simulate.game import solve
from repaudit.warehouse import LoadResult, TableRows, Warehouse

SQUARE_NORTH = shapely.box(499000, 196000, 501000, 201000)      # served by 201 alone
SQUARE_SOUTH = shapely.box(499000, 189000, 501000, 196000)      # dual: 202 and 203


def fill(wh):
    schools = pd.DataFrame({
        "urn": [201, 202, 203], "name": ["North", "South", "South Academy"], "la_code": ["999"] * 3,
        "la_name": ["Testshire"] * 3, "lad_code": ["E06000999"] * 3,
        "type": ["Community school", "Community school", "Academy converter"], "status": ["Open"] * 3,
        "phase": ["Secondary"] * 3, "pupils": [1000, 500, 500], "pct_fsm": [0.10, 0.40, 0.25],
        "capacity": [1000, 600, 500], "easting": [500000.0, 500000.0, 500500.0],
        "northing": [200000.0, 190000.0, 190000.0]})
    catchments = pd.DataFrame({
        "layer": "test", "catchment_id": ["1", "2", "3"], "name": ["North", "South (202)", "South (203)"],
        "urn": [201, 202, 203], "geom": [shapely.to_wkb(g) for g in (SQUARE_NORTH, SQUARE_SOUTH, SQUARE_SOUTH)]})
    lsoas = ["E01900001", "E01900002", "E01900003"]
    tables = [
        ("schools", schools, ["urn"], ()),
        ("catchments", catchments, ["layer", "catchment_id"], ("geom",)),
        ("lsoa_population", pd.DataFrame({"lsoa": lsoas, "year": 2021, "age_band": "Aged 11", "age_min": 11,
                                          "age_max": 11, "population": [150.0, 100.0, 90.0]}),
         ["lsoa", "year", "age_band"], ()),
        ("lsoa_deprivation", pd.DataFrame({"lsoa": lsoas, "year": 2019, "measure": "idaci",
                                           "score": [0.05, 0.2, 0.5], "la_code": "E06000999"}),
         ["lsoa", "year", "measure"], ()),
        ("lsoa_centroids", pd.DataFrame({"lsoa": lsoas, "easting": [500000.0, 500100.0, 500000.0],
                                         "northing": [199000.0, 195000.0, 190500.0]}), ["lsoa"], ()),
    ]
    for table, frame, key, geom in tables:
        wh.store(LoadResult("test", f"{table}.csv", "t", len(frame), [TableRows(table, frame, key, geom)]))


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "wh.duckdb"
    with Warehouse(path) as wh:
        fill(wh)
    return path


def test_applications_with_warehouse_schools_and_dual_catchment(db, tmp_path):
    apps = tmp_path / "apps.csv"
    apps.write_text("applicant_id,easting,northing,fsm,looked_after,pref1,pref2\n"
                    "n1,500000,199000,0,0,202,203\n"          # lives in North's catchment
                    "s1,500000,191000,1,0,202,201\n"          # lives in the dual South catchment
                    "x1,510000,191000,0,0,203,\n", encoding="utf-8")   # outside every catchment
    with Warehouse(db, read_only=True) as wh:
        game = from_applications(apps, wh=wh)
    assert game.schools.urn.tolist() == [201, 202, 203]
    assert game.schools.pan.tolist() == [200, 120, 100]                  # capacity / 5 year groups
    assert game.schools.community.tolist() == [True, True, False]
    pairs = game.pairs
    got = {(int(a), int(game.schools.urn[s])): (bool(c), bool(one)) for a, s, c, one in
           zip(pairs.applicant, pairs.school, pairs.basic["catchment"], pairs.basic["single_school_catchment"])}
    # n1: North is a single-school area, so n1 is in a single-school catchment when applying to 202/203
    assert got[(0, 202)] == (False, True) and got[(0, 203)] == (False, True)
    assert got[(1, 202)] == (True, False) and got[(1, 201)] == (False, False)    # the dual area serves 202 and 203
    assert got[(2, 203)] == (False, False)
    alloc = solve(game, load_policy("brighton-2026"), others=load_policy("baseline"))
    assert (alloc.school >= 0).all()


def test_synthetic_cohort_through_the_command_line(db, tmp_path, runner):
    firsts = tmp_path / "firsts.csv"
    firsts.write_text("urn,count\n201,120\n202,60\n203,60\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(cli, ["simulate", "--policy", "brighton-2025", "--synthetic", "--la", "Testshire",
                                 "--first-preferences", str(firsts), "--db", str(db), "--runs", "4",
                                 "--cohorts", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    # 340 children aged 11 < 420 places: the cohort is every child
    assert "brighton-2025 vs brighton-2024: 340 applicants, 3 schools, 4 lottery run(s)" in result.output
    assert [line for line in result.output.splitlines() if line.startswith("note:")] == [
        "note: places of 3 school(s) of Testshire estimated from GIAS capacity / year groups (3); give real PANs with "
        "--capacities",
        "note: synthetic rates: looked-after 0.8% (assumed), medical or social need 1.0% (assumed), EHC plan naming "
        "their first preference 1.8% (assumed), sibling at their first preference 25.0% (assumed)"]
    allocation = pd.read_csv(out / "allocation.csv")
    assert len(allocation) == 340 and allocation["urn"].notna().all()
    calibration = json.loads((out / "meta.json").read_text())["calibration"]
    # city share = GIAS PercentageFSM weighted by pupils: (0.10 x 1000 + 0.40 x 500 + 0.25 x 500) / 2000
    assert calibration["choice_max_error_pupils"] < 0.5 and calibration["city_fsm_share"] == pytest.approx(0.2125)
    bad = tmp_path / "bad.csv"
    bad.write_text("urn,count\n201,lots\n", encoding="utf-8")
    result = runner.invoke(cli, ["simulate", "--policy", "baseline", "--synthetic", "--la", "Testshire",
                                 "--first-preferences", str(bad), "--db", str(db)])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {bad}, row 2, column 'count': 'lots' is not a number >= 0"


def test_places_come_from_capacity_else_the_roll_and_a_school_with_neither_is_left_out_out_loud(db, tmp_path, runner):
    # 203 has no capacity: its places are its roll / 5 year groups = 500 / 5 = 100
    with Warehouse(db) as wh:
        wh.con.execute("UPDATE schools SET capacity = NULL WHERE urn = 203")
    result = runner.invoke(cli, ["simulate", "--policy", "baseline", "--synthetic", "--la", "Testshire",
                                 "--db", str(db), "--runs", "2", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "3 schools" in result.output
    assert ("note: places of 3 school(s) of Testshire estimated from GIAS capacity / year groups (2) and roll "
            "(NumberOfPupils) / year groups (1)") in result.output
    pans = pd.read_csv(tmp_path / "o" / "schools.csv").query("metric == 'pan'").set_index("urn")["baseline_mean"]
    assert pans.to_dict() == {201: 200, 202: 120, 203: 100}
    with Warehouse(db) as wh:
        wh.con.execute("UPDATE schools SET pupils = NULL WHERE urn = 203")
    result = runner.invoke(cli, ["simulate", "--policy", "baseline", "--synthetic", "--la", "Testshire",
                                 "--db", str(db), "--runs", "2", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "2 schools" in result.output
    assert "note: 1 school(s) with no capacity or roll are left out (URNs 203)" in result.output


def test_synthetic_needs_a_warehouse(tmp_path, runner):
    result = runner.invoke(cli, ["simulate", "--policy", "baseline", "--synthetic", "--la", "Testshire",
                                 "--db", str(tmp_path / "missing.duckdb")])
    assert result.exit_code == 1 and "--synthetic needs a warehouse with schools" in result.output
    assert not (tmp_path / "missing.duckdb").exists()
