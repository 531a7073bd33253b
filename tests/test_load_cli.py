"""`repaudit load`: the summary that accounts for every row, --rejects, progress bars, the one-line errors
for an unknown SOURCE, a file of the wrong kind, a wrong encoding and an empty file (exit code 1), and
all or nothing: several files are one transaction, and a --db, --rejects or full disk that fails leaves
the warehouse and the rejects file exactly as they were."""
import errno
import gzip
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

from load_support import db_path, error_line, query, run_load, write_csv
from repaudit.cli import cli
from repaudit.load import SOURCES
from repaudit.output_guard import LEDGER
from repaudit.warehouse import Warehouse
from warehouse_state import warehouse_state

GROUPS = "gias/gias_allgroupslinks_202203_ajb1970.csv.gz"
KNOWN = ", ".join(sorted(SOURCES))


def test_unknown_source_names_the_choices_the_closest_and_the_file_kind(real, runner, tmp_path):
    line = error_line(run_load(runner, tmp_path, "giass", real / GROUPS))
    assert line == (f"Error: unknown SOURCE 'giass'. Choose one of: {KNOWN}. Did you mean 'gias'? For "
                    "gias_allgroupslinks_202203_ajb1970.csv.gz: this looks like a 'gias-groups' file; try `repaudit "
                    "load gias-groups gias_allgroupslinks_202203_ajb1970.csv.gz`.")


def test_unknown_source_for_a_file_of_no_known_kind(runner, tmp_path):
    path = write_csv(tmp_path / "notes.csv", ["when", "what"], [["today", "nothing"]])
    assert error_line(run_load(runner, tmp_path, "attendance", path)) == (
        f"Error: unknown SOURCE 'attendance'. Choose one of: {KNOWN}.")


def test_group_links_given_as_gias_say_which_source_they_are(real, runner, tmp_path):
    line = error_line(run_load(runner, tmp_path, "gias", real / GROUPS))
    assert line == (f"Error: {real / GROUPS}: is not a 'gias' file: this looks like a 'gias-groups' file; try "
                    "`repaudit load gias-groups gias_allgroupslinks_202203_ajb1970.csv.gz`. Columns found: , URN, "
                    "Group UID, Group ID, Group Name, Companies House Number, Group Type (code), Group Type, Closed "
                    "Date, Open date, Incorporated on (open date), Group Status (code), Group Status, Joined date, "
                    "EstablishmentName, TypeOfEstablishment (code), TypeOfEstablishment (name), PhaseOfEducation "
                    "(code), PhaseOfEducation (name), LA (code), LA (name)")
    assert query(tmp_path, "SELECT count(*) n FROM schools").n[0] == 0


def test_a_geometry_file_given_as_a_table(real, runner, tmp_path):
    path = real / "brighton/catchments/dennett_optionZ_Mar25_epsg27700.geojson"
    assert error_line(run_load(runner, tmp_path, "spc", path)) == (
        f"Error: {path}: is not a 'spc' file: this is a geometry file (GeoJSON, GeoPackage or Shapefile); try "
        "`repaudit load lsoa-boundaries dennett_optionZ_Mar25_epsg27700.geojson` for LSOA polygons or `repaudit "
        "load catchments dennett_optionZ_Mar25_epsg27700.geojson` for catchment polygons")


def test_a_file_lacking_columns_that_is_another_kind_says_both(real, runner, tmp_path):
    path = real / "cin/b1_children_in_need_2013_to_2025.csv.gz"
    line = error_line(run_load(runner, tmp_path, "iod", path))
    assert line.startswith(f"Error: {path}: not a 'iod' file: missing column(s) ")
    assert line.endswith("At31_episodes, awaiting_assessment. This looks like a 'cin' file; try `repaudit load cin "
                         "b1_children_in_need_2013_to_2025.csv.gz`")


def test_utf16_without_byte_order_mark(tmp_path, runner):
    path = tmp_path / "cin.csv"
    path.write_bytes("urn,year,cin\n114580,2023,41\n".encode("utf-16-le"))
    assert error_line(run_load(runner, tmp_path, "cin-schools", path)) == (
        f"Error: {path}: is UTF-16 text without a byte-order mark (save it as UTF-8), not a CSV text file")


def test_utf16_with_byte_order_mark_is_read(tmp_path, runner):
    path = tmp_path / "cin.csv"
    path.write_bytes("urn,year,cin\n114580,2023,41\n".encode("utf-16"))
    result = run_load(runner, tmp_path, "cin-schools", path)
    assert result.exit_code == 0, result.output
    assert query(tmp_path, "SELECT numerator FROM school_indicators").numerator[0] == 41


def test_an_excel_workbook(real, runner, tmp_path):
    path = real / "iod2019/File_3_-_IoD2019_Supplementary_Indices_-_IDACI_and_IDAOPI.xlsx"
    assert error_line(run_load(runner, tmp_path, "spc", path)) == (
        f"Error: {path}: is a ZIP or Excel (.xlsx) file, not a CSV text file")


def test_bytes_that_are_neither_utf8_nor_windows_1252(tmp_path, runner):
    path = tmp_path / "gias.csv"
    path.write_bytes(b'"URN","EstablishmentName"\r\n"100000","Bad \x81 byte"\r\n')
    assert error_line(run_load(runner, tmp_path, "gias", path)) == (
        f"Error: {path}, row 2: is neither UTF-8 nor Windows-1252 text: byte 0x81 on row 2 has no meaning in either; "
        "save the file as 'CSV UTF-8' and load it again")


def test_binary_and_damaged_gzip(tmp_path, runner):
    binary = tmp_path / "data.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    assert error_line(run_load(runner, tmp_path, "flows", binary)) == (
        f"Error: {binary}: is a binary file, not a CSV text file")
    damaged = tmp_path / "flows.csv.gz"
    damaged.write_bytes(gzip.compress(b"urn,lsoa,pupils\n" * 100)[:40])
    assert error_line(run_load(runner, tmp_path, "flows", damaged)).startswith(
        f"Error: {damaged}: is a damaged gzip file (")


def test_empty_file(tmp_path, runner):
    path = tmp_path / "spc.csv"
    path.write_bytes(b"")
    assert error_line(run_load(runner, tmp_path, "spc", path)) == (
        f"Error: {path}: is empty: expected a header row and at least one data row")


def test_summary_per_file_accounts_for_every_row(tmp_path, runner):
    first = write_csv(tmp_path / "cin_2022.csv", ["urn", "year", "cin"], [["114580", "2022", "40"], ["x", "2022", "1"]])
    second = write_csv(tmp_path / "cin_2023.csv", ["urn", "year", "cin"], [["114580", "2023", "41"]])
    result = run_load(runner, tmp_path, "cin-schools", first, second)
    db = tmp_path / "w.duckdb"
    assert result.output.splitlines() == [
        f"cin_2022.csv: 2 rows read = 1 loaded + 1 rejected + 0 skipped -> school_indicators (1 rows) in {db}",
        "  note: no pupils column: denominators left empty (the audit uses each school's roll)",
        "  rejected row 3: URN 'x' is not a number",
        f"cin_2023.csv: 1 rows read = 1 loaded + 0 rejected + 0 skipped -> school_indicators (1 rows) in {db}",
        "  note: no pupils column: denominators left empty (the audit uses each school's roll)",
    ]
    assert query(tmp_path, "SELECT source_file, row_number, reason FROM rejects").values.tolist() == [
        ["cin_2022.csv", 3, "URN 'x' is not a number"]]


def _cin(tmp_path, name, *rows):
    return write_csv(tmp_path / name, ["urn", "year", "cin"], [list(r) for r in rows])


def _loaded(tmp_path):
    """A warehouse holding one file already, and its state."""
    first = _cin(tmp_path, "cin_2021.csv", ["114580", "2021", "39"])
    runner = CliRunner()
    assert run_load(runner, tmp_path, "cin-schools", first).exit_code == 0
    return warehouse_state(db_path(tmp_path))


def test_a_bad_second_file_loads_neither_and_leaves_the_warehouse_as_before(tmp_path, runner):
    before = _loaded(tmp_path)
    good = _cin(tmp_path, "a.csv", ["114580", "2022", "40"])
    bad = write_csv(tmp_path / "b.csv", ["urn", "cin"], [["114580", "41"]])
    result = run_load(runner, tmp_path, "cin-schools", good, bad)
    assert error_line(result).startswith(f"Error: {bad}: ")
    assert result.output.splitlines() == [error_line(result)]        # no summary for a.csv: it was not loaded
    assert warehouse_state(db_path(tmp_path)) == before
    assert query(tmp_path, "SELECT year FROM school_indicators").year.tolist() == [2021]


def test_a_failure_while_storing_the_second_file_rolls_back_the_first(tmp_path, runner, monkeypatch):
    before = _loaded(tmp_path)
    good = _cin(tmp_path, "a.csv", ["114580", "2022", "40"])
    second = _cin(tmp_path, "b.csv", ["114580", "2023", "41"])
    original, stored = Warehouse._store_one, []

    def store_then_fail(self, result, now):
        if stored:
            raise duckdb.IOException(f'IO Error: Could not write file "{self.path}": No space left on device')
        stored.append(result.source_file)
        return original(self, result, now)

    monkeypatch.setattr(Warehouse, "_store_one", store_then_fail)
    db = db_path(tmp_path)
    assert error_line(run_load(runner, tmp_path, "cin-schools", good, second)) == (
        f"Error: {db}: the disk is full (No space left on device): free some space or move the warehouse to "
        "another disk, then run the command again; nothing was changed")
    assert stored == ["a.csv"]
    assert warehouse_state(db) == before


def test_a_failed_load_into_a_new_warehouse_leaves_no_file(tmp_path, runner, monkeypatch):
    good = _cin(tmp_path, "a.csv", ["114580", "2022", "40"])

    def fail(self, result, now):
        raise duckdb.IOException(f'IO Error: Could not write file "{self.path}": No space left on device')

    monkeypatch.setattr(Warehouse, "_store_one", fail)
    assert run_load(runner, tmp_path, "cin-schools", good).exit_code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]


def test_rejects_file_is_written_whole_or_not_at_all(tmp_path, runner):
    first = _cin(tmp_path, "a.csv", ["114580", "2022", "40"], ["x", "2022", "1"])
    second = _cin(tmp_path, "b.csv", ["y", "2023", "2"], ["114580", "2023", "41"])
    rejects = tmp_path / "out" / "rejects.csv"
    result = run_load(runner, tmp_path, "cin-schools", first, second, "--rejects", rejects)
    assert result.exit_code == 0, result.output
    assert rejects.read_text().splitlines() == [
        "source,source_file,row_number,reason,raw",
        "cin-schools,a.csv,3,URN 'x' is not a number,\"x,2022,1\"",
        "cin-schools,b.csv,2,URN 'y' is not a number,\"y,2023,2\"",
    ]
    kept = rejects.read_bytes()
    bad = write_csv(tmp_path / "c.csv", ["urn", "cin"], [["114580", "41"]])
    failed = run_load(runner, tmp_path, "cin-schools", first, bad, "--rejects", rejects)
    assert error_line(failed).startswith(f"Error: {bad}: ")
    assert rejects.read_bytes() == kept
    assert sorted(p.name for p in rejects.parent.iterdir()) == [LEDGER, "rejects.csv"]


def test_a_full_disk_while_writing_rejects_names_the_file_and_changes_nothing(tmp_path, runner, monkeypatch):
    before = _loaded(tmp_path)
    bad_rows = _cin(tmp_path, "a.csv", ["x", "2022", "40"])
    rejects = tmp_path / "rejects.csv"

    def disk_full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", disk_full)
    assert error_line(run_load(runner, tmp_path, "cin-schools", bad_rows, "--rejects", rejects)) == (
        f"Error: {rejects}: the disk is full (No space left on device): free some space or choose a location on "
        "another disk, then run the command again")
    assert warehouse_state(db_path(tmp_path)) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "cin_2021.csv", "w.duckdb"]


@pytest.mark.parametrize("where", ["folder", "inside-a-file"])
def test_rejects_that_cannot_be_a_file_is_an_error_before_anything_is_read(tmp_path, runner, where):
    before = _loaded(tmp_path)
    good = _cin(tmp_path, "a.csv", ["114580", "2022", "40"])
    if where == "folder":
        target = tmp_path / "somewhere"
        target.mkdir()
        expected = f"Error: --rejects {target} is a folder: give the name of a file, such as {target / 'rejects.csv'}"
    else:
        target = good / "rejects.csv"
        expected = f"Error: --rejects {target}: {good} is a file, not a folder; choose another path"
    assert error_line(run_load(runner, tmp_path, "cin-schools", good, "--rejects", target)) == expected
    assert warehouse_state(db_path(tmp_path)) == before


def test_db_that_is_a_csv_file_is_refused_and_left_alone(tmp_path, runner):
    good = _cin(tmp_path, "a.csv", ["114580", "2022", "40"])
    existing = _cin(tmp_path, "existing.csv", ["114580", "2021", "39"])
    kept = existing.read_bytes()
    result = runner.invoke(cli, ["load", "cin-schools", str(good), "--db", str(existing)])
    assert error_line(result) == (
        f"Error: --db {existing} exists and is not a DuckDB database; give the path of a warehouse written by "
        "repaudit, or the name of a file that does not exist yet to start a new one")
    assert existing.read_bytes() == kept


def test_db_that_is_a_folder_or_inside_a_file_is_refused(tmp_path, runner):
    good = _cin(tmp_path, "a.csv", ["114580", "2022", "40"])
    folder = tmp_path / "warehouse"
    folder.mkdir()
    assert error_line(runner.invoke(cli, ["load", "cin-schools", str(good), "--db", str(folder)])) == (
        f"Error: --db {folder} is a folder: give the name of a file, such as {folder / 'repaudit.duckdb'}")
    inside = good / "sub" / "w.duckdb"
    assert error_line(runner.invoke(cli, ["load", "cin-schools", str(good), "--db", str(inside)])) == (
        f"Error: --db {inside}: {good} is a file, not a folder; choose another path")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "warehouse"] and not any(folder.iterdir())


def test_db_folder_that_cannot_be_created(tmp_path, runner):
    good = _cin(tmp_path, "a.csv", ["114580", "2022", "40"])
    db = Path("/proc/repaudit-test/w.duckdb")
    assert error_line(runner.invoke(cli, ["load", "cin-schools", str(good), "--db", str(db)])) == (
        f"Error: {db}: no such file or folder, and it cannot be created here: check the path")


def test_an_empty_db_file_is_refused(tmp_path, runner):
    good = _cin(tmp_path, "a.csv", ["114580", "2022", "40"])
    empty = tmp_path / "w.duckdb"
    empty.write_bytes(b"")
    assert error_line(run_load(runner, tmp_path, "cin-schools", good)) == (
        f"Error: --db {empty} is empty; give the path of a warehouse written by repaudit, or the name of a file "
        "that does not exist yet to start a new one")


def test_repaudit_db_is_the_default_warehouse(tmp_path, runner, monkeypatch):
    good = _cin(tmp_path, "a.csv", ["114580", "2022", "40"])
    db = tmp_path / "from_env.duckdb"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REPAUDIT_DB", str(db))
    result = runner.invoke(cli, ["load", "cin-schools", str(good)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"a.csv: 1 rows read = 1 loaded + 0 rejected + 0 skipped -> school_indicators "
                                    f"(1 rows) in {db}")
    assert not (tmp_path / "output").exists()
    with Warehouse(db, read_only=True) as wh:
        assert wh.count("school_indicators") == 1
    given = tmp_path / "given.duckdb"
    assert runner.invoke(cli, ["load", "cin-schools", str(good), "--db", str(given)]).exit_code == 0
    assert given.exists()
    assert "[env var: REPAUDIT_DB;" in runner.invoke(cli, ["load", "--help"]).output


def test_progress_bar_only_for_large_files(tmp_path):
    from click.testing import CliRunner

    rows = [[str(100000 + i // 30), f"E01{i:06d}", "3"] for i in range(60_000)]
    path = write_csv(tmp_path / "big_flows.csv", ["urn", "lsoa", "pupils"], rows)
    runner = CliRunner()
    shown = runner.invoke(cli, ["load", "flows", str(path), "--year", "2022", "--db", str(tmp_path / "a.duckdb")])
    assert shown.exit_code == 0, shown.output
    assert "big_flows.csv:" in shown.stderr and "rows/s" in shown.stderr
    hidden = runner.invoke(cli, ["load", "flows", str(path), "--year", "2022", "--no-progress",
                                 "--db", str(tmp_path / "b.duckdb")])
    assert hidden.stderr == ""
    small = write_csv(tmp_path / "small.csv", ["urn", "lsoa", "pupils"], rows[:10])
    quiet = runner.invoke(cli, ["load", "flows", str(small), "--year", "2022", "--db", str(tmp_path / "c.duckdb")])
    assert quiet.stderr == ""


def test_help_lists_every_source_and_real_examples(runner):
    text = runner.invoke(cli, ["load", "--help"]).output
    for name in SOURCES:
        assert f"  {name} " in text
    assert "repaudit load sen --year 2018 england_census.csv" in text
    assert "--rejects FILE" in text
