"""Input limits (sources/limits.py): each limit refuses a file beyond it with a message naming the file, the limit
and how to raise it, leaving the warehouse as it was; only regular files are read; standard input is read once;
simulate's numbers are range-checked. Files are built small in each test and the limits lowered to meet them."""
from __future__ import annotations

import gzip
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from repaudit.cli import cli
from repaudit.errors import InputFileError, RepauditError
from repaudit.sources import limits
from repaudit.sources.reader import read_csv_table
from warehouse_state import warehouse_state

FLOWS = "URN,LSOA21CD,pupils\n" + "".join(f"{100000 + i},E01000{i:03d},{i + 1}\n" for i in range(40))
GIAS_HEADER = "URN,EstablishmentName,LA (code)\n"


@pytest.fixture
def db(sample_db, tmp_path):
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(sample_db.read_bytes())
    return copy


def load(runner, db, *args, **kwargs):
    return runner.invoke(cli, ["load", *map(str, args), "--db", str(db)], **kwargs)


def error_line(result) -> str:
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert result.exit_code == 1 and len(errors) == 1, result.output
    return errors[0]


# --- the limits, one by one, through the CLI: the file, the limit and how to raise it are named ----------------

def test_a_gzip_expanding_beyond_the_bytes_limit_is_refused_and_nothing_changes(runner, db, tmp_path):
    path = tmp_path / "flows.csv.gz"
    path.write_bytes(gzip.compress(FLOWS.encode()))
    before = warehouse_state(db)
    line = error_line(load(runner, db, "flows", "--year", "2022", "--limit", "bytes=500", path))
    assert line == (f"Error: {path}: expands to more than 500 bytes once decompressed, beyond the input limit "
                    "bytes=500; if the file is genuine, raise it with --limit bytes=N (or REPAUDIT_LIMITS=bytes=N)")
    assert warehouse_state(db) == before


def test_the_limit_is_on_what_the_gzip_expands_to_not_its_size(runner, db, tmp_path):
    """41 lines of 1,000 compress to far fewer bytes: the bytes limit counts the text, the rows limit its lines."""
    path = tmp_path / "flows.csv.gz"
    path.write_bytes(gzip.compress(FLOWS.encode()))
    size = len(FLOWS.encode())
    assert path.stat().st_size < 400 < size
    assert load(runner, db, "flows", "--year", "2022", "--limit", f"bytes={size}", path).exit_code == 0
    assert f"beyond the input limit bytes={size - 1:,}" in error_line(
        load(runner, db, "flows", "--year", "2022", "--limit", f"bytes={size - 1}", path))
    line = error_line(load(runner, db, "flows", "--year", "2022", "--limit", "rows=40", path))
    assert "holds more than 40 lines, beyond the input limit rows=40" in line
    ok = load(runner, db, "flows", "--year", "2022", "--limit", "rows=41", path)
    assert ok.exit_code == 0 and "40 rows read = 40 loaded" in ok.output, ok.output


def test_the_environment_sets_the_limits_and_the_option_overrides_it(runner, db, tmp_path):
    path = tmp_path / "flows.csv"
    path.write_text(FLOWS)
    line = error_line(load(runner, db, "flows", "--year", "2022", path, env={"REPAUDIT_LIMITS": "rows=10"}))
    assert "holds 41 lines, beyond the input limit rows=10" in line
    ok = load(runner, db, "flows", "--year", "2022", "--limit", "rows=100", path, env={"REPAUDIT_LIMITS": "rows=10"})
    assert ok.exit_code == 0, ok.output


def test_a_bad_limit_is_a_usage_error_naming_the_names(runner, db, tmp_path):
    path = tmp_path / "flows.csv"
    path.write_text(FLOWS)
    result = load(runner, db, "flows", "--limit", "lines=3", path)
    assert result.exit_code == 2
    assert "'lines=3' is not NAME=N with NAME one of bytes, rows, strings, features, vertices" in result.output


def test_limits_parse_units_and_refuse_nonsense():
    assert limits.parse_limits(["bytes=2GB", "rows=2e7,features=1000"]) == limits.InputLimits(
        bytes=2 * 10**9, rows=20_000_000, features=1000)
    for bad in ("rows=0", "rows=-5", "rows=x", "rows", "bytes=2XB"):
        with pytest.raises(ValueError):
            limits.parse_limits([bad])


def workbook(path: Path, strings: int, rows: int) -> int:
    """A minimal .xlsx: STRINGS shared strings, ROWS rows in its one sheet (the limits are checked before any
    spreadsheet library reads it). Returns the bytes its parts hold once unzipped."""
    parts = {"xl/workbook.xml": "<workbook/>",
             "xl/sharedStrings.xml": "<sst>" + "<si><t>x</t></si>" * strings + "</sst>",
             "xl/worksheets/sheet1.xml": "<worksheet><sheetData>" + '<row r="1"><c><v>1</v></c></row>' * rows
                                         + "</sheetData></worksheet>"}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return sum(len(text) for text in parts.values())


@pytest.mark.parametrize("limit,says", [
    ("strings=999", "xl/sharedStrings.xml holds more than 999 shared strings, beyond the input limit strings=999"),
    ("rows=299", "xl/worksheets/sheet1.xml holds more than 299 rows, beyond the input limit rows=299"),
    ("bytes=10KB", "expands to {total:,} bytes once unzipped, beyond the input limit bytes=10,000")])
def test_workbook_limits(runner, db, tmp_path, limit, says):
    path = tmp_path / "File_7_IoD2019.xlsx"
    total = workbook(path, strings=1000, rows=300)
    says = says.format(total=total)
    before = warehouse_state(db)
    line = error_line(load(runner, db, "iod", "--limit", limit, path))
    assert str(path) in line and says in line and f"--limit {limit.split('=')[0]}=N" in line, line
    assert warehouse_state(db) == before


def test_tag_counts_match_an_independent_count_across_chunk_edges(tmp_path, monkeypatch):
    """The streamed count of <si> and <row> equals str.count on the whole part, whatever the chunk size (a tag cut
    in two by a chunk edge is counted once): checked with chunks of 7 bytes, which cut most tags."""
    path = tmp_path / "book.xlsx"
    workbook(path, strings=123, rows=77)
    monkeypatch.setattr(limits, "CHUNK", 7)
    with zipfile.ZipFile(path) as archive:
        text = archive.read("xl/sharedStrings.xml").decode()
        assert limits.count_tags(path, archive, "xl/sharedStrings.xml", b"si", "strings") == text.count("<si>") == 123
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        assert limits.count_tags(path, archive, "xl/worksheets/sheet1.xml", b"row", "rows") == sheet.count("<row ")


def squares(count: int) -> str:
    features = ",".join(
        f'{{"type":"Feature","properties":{{"LSOA21CD":"E0199{i:04d}"}},"geometry":{{"type":"Polygon","coordinates":'
        f'[[[{430000 + i * 10},{330000}],[{430005 + i * 10},{330000}],[{430005 + i * 10},{330005}],'
        f'[{430000 + i * 10},{330000}]]]}}}}' for i in range(count))
    return ('{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:27700"}},"features":['
            + features + "]}")


@pytest.mark.parametrize("name,limit,says", [
    ("b.geojson", "features=5", "holds more than 5 features, beyond the input limit features=5"),
    ("b.geojson", "vertices=23", "holds 24 vertices, beyond the input limit vertices=23"),
    ("b.zip", "features=5", "holds more than 5 features"),
    ("b.zip", "bytes=1000", "once unzipped, beyond the input limit bytes=1,000"),
    ("b.geojson.gz", "bytes=1000", "once decompressed, beyond the input limit bytes=1,000")])
def test_geometry_limits(runner, db, tmp_path, name, limit, says):
    path = tmp_path / name
    text = squares(6)
    if name.endswith(".zip"):
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("b.geojson", text)
    elif name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    before = warehouse_state(db)
    line = error_line(load(runner, db, "lsoa-boundaries", "--limit", limit, path))
    assert str(path) in line and says in line, line
    assert warehouse_state(db) == before
    assert load(runner, db, "lsoa-boundaries", "--limit", "features=6,vertices=24,bytes=3KB", path).exit_code == 0


# --- only regular files; standard input once ---------------------------------------------------------------

def test_a_device_a_pipe_and_a_folder_are_refused_before_reading(runner, db, tmp_path):
    fifo = tmp_path / "flows.csv"
    os.mkfifo(fifo)                 # nobody writes: opening it would wait for ever
    before = warehouse_state(db)
    assert error_line(load(runner, db, "gias", "/dev/zero")) == (
        "Error: /dev/zero: is a device, not a regular file: give the path of a file (or `-` to read standard input "
        "once)")
    assert f"{fifo}: is a pipe, not a regular file" in error_line(load(runner, db, "flows", fifo))
    assert warehouse_state(db) == before
    with pytest.raises(InputFileError, match="is a folder, not a regular file"):
        read_csv_table(tmp_path)
    with pytest.raises(InputFileError, match="/dev/zero: is a device"):
        read_csv_table("/dev/zero")


def test_standard_input_is_read_once(runner, db):
    result = load(runner, db, "flows", "--year", "2022", "-", input=FLOWS)
    assert result.exit_code == 0, result.output
    assert "stdin: 40 rows read = 40 loaded + 0 rejected + 0 skipped" in result.output
    assert not list(Path("/tmp").glob("repaudit-stdin-*/stdin")), "the copy of standard input was left behind"


def test_standard_input_errors_name_it_and_twice_is_refused(runner, db):
    line = error_line(load(runner, db, "flows", "--year", "2022", "--limit", "bytes=100", "-", input=FLOWS))
    assert line.startswith("Error: standard input: holds more than 100 bytes, beyond the input limit bytes=100")
    assert "standard input can be read once" in error_line(load(runner, db, "flows", "-", "-", input=FLOWS))


def test_dev_stdin_from_a_pipe_loads_every_row(db):
    """The shell case: `... | repaudit load flows /dev/stdin` used to fail with a false 'missing columns' because
    telling the file's kind consumed the pipe."""
    done = subprocess.run([sys.executable, "-m", "repaudit", "load", "flows", "--year", "2022", "/dev/stdin",
                           "--db", str(db)], input=FLOWS.encode(), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert b"40 rows read = 40 loaded + 0 rejected + 0 skipped" in done.stdout


# --- simulate's numbers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("option,value,says", [
    ("--runs", "10000000", "--runs 10000000 is outside 1 to 10,000, the limit on lottery runs"),
    ("--runs", "0", "--runs 0 is outside 1 to 10,000"),
    ("--cohorts", "201", "--cohorts 201 is outside 1 to 200"),
    ("--jobs", "0", "--jobs 0 is outside 1 to 8: give the number of processes to use"),
    ("--seed", "-1", "--seed -1 is outside 0 to 4,294,967,295"),
    ("--seed", str(2**32), "--seed 4294967296 is outside 0 to 4,294,967,295")])
def test_simulate_numbers_out_of_range(runner, db, tmp_path, option, value, says):
    result = runner.invoke(cli, ["simulate", "--policy", "fsm-quota", "--synthetic", "--la", "990", option, value,
                                 "--db", str(db), "--out", str(tmp_path / "sim")])
    assert error_line(result).startswith(f"Error: {says}"), result.output
    assert not (tmp_path / "sim").exists()


def test_the_edges_of_the_ranges_are_accepted():
    from repaudit.simulate.run import MAX_COHORTS, MAX_RUNS, MAX_SEED, check_counts

    check_counts(1, 0, 1)
    check_counts(MAX_RUNS, MAX_SEED, MAX_COHORTS)
    for runs, seed, cohorts in ((MAX_RUNS + 1, 0, 1), (1, MAX_SEED + 1, 1), (1, 0, MAX_COHORTS + 1), (1, -1, 1)):
        with pytest.raises(RepauditError):
            check_counts(runs, seed, cohorts)


@pytest.mark.parametrize("pan,ok", [("2000", True), ("2001", False), ("1e19", False), ("1000000000000", False)])
def test_capacities_pan_range(tmp_path, pan, ok):
    from repaudit.simulate.schools import read_capacities

    path = tmp_path / "pans.csv"
    path.write_text(f"urn,pan\n100001,3\n100002,{pan}\n")
    if ok:
        assert read_capacities(path)["pan"].tolist() == [3, 2000]
        return
    with pytest.raises(InputFileError) as error:
        read_capacities(path)
    assert str(error.value).startswith(f"{path}, row 3, column 'pan': PAN {pan} is above 2,000")


def test_a_policy_nested_100000_deep_is_one_sentence(tmp_path):
    from repaudit.simulate.policies import load_policy

    path = tmp_path / "deep.toml"
    path.write_text("criteria = " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(InputFileError, match="nests lists or tables deeper than can be read"):
        load_policy(path)
