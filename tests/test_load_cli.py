"""`repaudit load`: the summary that accounts for every row, --rejects, progress bars, and the one-line errors
for an unknown SOURCE, a file of the wrong kind, a wrong encoding and an empty file (exit code 1)."""
import gzip

from load_support import error_line, query, run_load, write_csv
from repaudit.cli import cli
from repaudit.load import SOURCES

GROUPS = "gias/gias_allgroupslinks_202203_ajb1970.csv.gz"
KNOWN = ", ".join(sorted(SOURCES))


def test_unknown_source_names_the_choices_the_closest_and_the_file_kind(real, runner, tmp_path):
    line = error_line(run_load(runner, tmp_path, "giass", real / GROUPS))
    assert line == (f"Error: unknown SOURCE 'giass'. Choose one of: {KNOWN}. Did you mean 'gias'? For "
                    "gias_allgroupslinks_202203_ajb1970.csv.gz: this looks like a 'gias-groups' file; try `repaudit "
                    "load gias-groups gias_allgroupslinks_202203_ajb1970.csv.gz`.")


def test_unknown_source_for_a_file_of_no_known_kind(runner, tmp_path):
    path = write_csv(tmp_path / "notes.csv", ["when", "what"], [["today", "nothing"]])
    assert error_line(run_load(runner, tmp_path, "census", path)) == (
        f"Error: unknown SOURCE 'census'. Choose one of: {KNOWN}.")


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


def test_a_failing_file_leaves_the_files_before_it_loaded(tmp_path, runner):
    good = write_csv(tmp_path / "a.csv", ["urn", "year", "cin"], [["114580", "2022", "40"]])
    bad = write_csv(tmp_path / "b.csv", ["urn", "cin"], [["114580", "41"]])
    result = run_load(runner, tmp_path, "cin-schools", good, bad)
    assert result.exit_code == 1 and result.output.splitlines()[0].startswith("a.csv: 1 rows read = 1 loaded")
    assert query(tmp_path, "SELECT count(*) n FROM school_indicators").n[0] == 1


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
