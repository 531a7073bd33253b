"""`repaudit load-sample`: every bundled file goes through its loader, and the warehouse holds exactly
the rows the files hold (counted here from the files themselves) with the files' values."""
import csv
import io
import json

import pytest

from repaudit.cli import cli
from repaudit.errors import RepauditError
from repaudit.paths import SAMPLE_DIR
from repaudit.sample import SAMPLE_FILES, load_sample
from repaudit.warehouse import Warehouse


def data_rows(name, encoding="utf-8-sig"):
    return list(csv.DictReader(io.StringIO((SAMPLE_DIR / name).read_bytes().decode(encoding))))


def features(name):
    return json.loads((SAMPLE_DIR / name).read_text(encoding="utf-8"))["features"]


@pytest.fixture(scope="module")
def loaded():
    with Warehouse(":memory:") as wh:
        results = load_sample(wh)
        yield wh, results


def test_every_file_loads_without_rejects(loaded):
    _, results = loaded
    assert [r.source_file for r in results] == [f.name for f in SAMPLE_FILES]
    assert all(r.rows_rejected == 0 for r in results)


def test_row_counts_equal_the_files(loaded):
    wh, _ = loaded
    spc = data_rows("synthetic_spc_school_level_underlying_data.csv")
    sen = data_rows("synthetic_sen_school_level_ud.csv")
    cin = data_rows("synthetic_cin_schools.csv")
    assert wh.count("schools") == len(data_rows("synthetic_edubasealldata20240901.csv", "cp1252")) == 36
    assert wh.count("trust_membership") == len(data_rows("synthetic_alllinksdata20240901.csv", "cp1252"))
    assert wh.count("school_links") == len(data_rows("synthetic_links_edubasealldata20240901.csv", "cp1252")) == 2
    assert wh.count("school_census") == len(spc)
    counts = dict(wh.con.execute("SELECT indicator, count(*) FROM school_indicators GROUP BY 1").fetchall())
    assert counts == {"fsm": len(spc), "sen_support": len(sen), "ehcp": len(sen), "cin": len(cin)}
    assert wh.count("lsoa_boundaries") == len(features("synthetic_lsoa21_boundaries.geojson")) == 64
    assert wh.count("lsoa_centroids") == len(data_rows("synthetic_LSOA_2021_PWC.csv")) == 64
    assert wh.count("lsoa_lookup") == len(data_rows("synthetic_LSOA11_to_LSOA21_lookup.csv")) == 64
    assert wh.count("lsoa_population") == len(data_rows("synthetic_census2021_lsoa21_population_by_age.csv"))
    assert wh.con.execute("SELECT count(*) FROM lsoa_deprivation WHERE measure = 'idaci'").fetchone()[0] == 64
    assert wh.count("area_statistics") == (len(data_rows("synthetic_b1_children_in_need.csv"))
                                           + len(data_rows("synthetic_ons_mid-year_population_estimates_0_to_17.csv")))
    assert wh.count("flows") == len(data_rows("synthetic_flows.csv"))
    assert wh.count("catchments") == len(features("synthetic_secondary_catchments.geojson")) == 6


def test_loaded_values_are_the_files_values(loaded):
    wh, _ = loaded
    spc = {(int(r["urn"]), int(r["time_period"][:4])): r for r in data_rows("synthetic_spc_school_level_underlying_data.csv")}
    fsm = wh.df("SELECT urn, year, numerator, denominator FROM school_indicators WHERE indicator = 'fsm' "
                "AND numerator IS NOT NULL")
    assert len(fsm) == sum(r["phase_type_grouping"] != "Independent school" for r in spc.values())
    for row in fsm.itertuples():
        source = spc[(row.urn, row.year)]
        assert row.numerator == int(source["number of pupils known to be eligible for free school meals"])
        assert row.denominator == int(source["headcount of pupils"])
    idaci = {r["LSOA Code (2011)"]: float(r["IDACI Score"]) for r in data_rows("synthetic_File_7a_IoD2019_scores.csv")}
    stored = dict(wh.con.execute("SELECT lsoa, score FROM lsoa_deprivation WHERE measure = 'idaci'").fetchall())
    assert stored == idaci
    grammar = wh.con.execute("SELECT admissions_policy, trust_code FROM schools WHERE urn = 990001").fetchone()
    assert grammar == ("Selective", "990101")


def test_flows_add_up_to_the_census_rolls_in_the_warehouse(loaded):
    wh, _ = loaded
    mismatched = wh.df("""
        SELECT c.urn, c.year, c.pupils, sum(f.pupils) AS flows
        FROM school_census c JOIN flows f USING (urn, year)
        GROUP BY ALL HAVING sum(f.pupils) <> c.pupils""")
    assert mismatched.empty
    assert wh.con.execute("SELECT count(DISTINCT urn) FROM flows").fetchone()[0] == 35     # all but the independent


def test_loading_the_sample_twice_changes_nothing():
    with Warehouse(":memory:") as wh:
        load_sample(wh)
        first = {t: wh.count(t) for t in ("schools", "school_indicators", "flows", "lsoa_population")}
        load_sample(wh)
        assert {t: wh.count(t) for t in first} == first


def test_a_folder_missing_files_is_a_clear_error(tmp_path):
    (tmp_path / SAMPLE_FILES[0].name).write_text("{}")
    with Warehouse(":memory:") as wh, pytest.raises(RepauditError, match="lacks synthetic_LSOA_2021_PWC.csv"):
        load_sample(wh, tmp_path)


def test_cli_prints_what_went_where(runner, tmp_path):
    db = tmp_path / "sample.duckdb"
    result = runner.invoke(cli, ["load-sample", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert f"into {db}" in result.output
    assert ("gias             synthetic_edubasealldata20240901.csv: 36 rows read = 36 loaded + 0 rejected + 0 skipped "
            f"-> schools (36 rows) in {db}") in result.output
    flows = len(data_rows("synthetic_flows.csv"))
    assert (f"flows            synthetic_flows.csv: {flows:,} rows read = {flows:,} loaded + 0 rejected + 0 skipped "
            f"-> flows ({flows:,} rows) in {db}") in result.output
    assert "Warehouse tables now: " in result.output and "schools 36" in result.output
    with Warehouse(db, read_only=True) as wh:
        assert wh.count("catchments") == 6


def test_one_broken_sample_file_loads_none(tmp_path):
    """The flows file is damaged, and it comes after ten good files: none of them is stored."""
    import shutil

    from warehouse_state import warehouse_state

    folder = tmp_path / "sample"
    shutil.copytree(SAMPLE_DIR, folder)
    (folder / "synthetic_flows.csv").write_bytes(b"urn,pupils\n990001,3\n")
    db = tmp_path / "w.duckdb"
    with Warehouse(db):
        pass
    before = warehouse_state(db)
    with Warehouse(db) as wh, pytest.raises(RepauditError, match="synthetic_flows.csv"):
        load_sample(wh, folder)
    assert warehouse_state(db) == before
    assert all(n == (0, None) for n in before.values())


def test_cli_refuses_a_db_that_is_not_a_warehouse(runner, tmp_path):
    not_a_db = tmp_path / "schools.csv"
    not_a_db.write_text("urn,name\n1,A\n")
    result = runner.invoke(cli, ["load-sample", "--db", str(not_a_db)])
    assert result.exit_code == 1
    assert result.output == (f"Error: --db {not_a_db} exists and is not a DuckDB database; give the path of a "
                             "warehouse written by repaudit, or the name of a file that does not exist yet to start "
                             "a new one\n")
    assert not_a_db.read_text() == "urn,name\n1,A\n"
