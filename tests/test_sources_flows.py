"""flows: residence flows -> flows. The fast path (pandas C parser + queries/flows_checked.sql) must give the
same rows and rejects as the csv-module reader, reject bad rows with their line numbers, and keep
(urn, lsoa, year) unique across reloads without a PRIMARY KEY."""
import gzip

import duckdb
import numpy as np
import pytest

from load_support import error_line, query, run_load, write_csv
from repaudit.load import load_file
from repaudit.sources import flows, reader

HEADER = ["urn", "lsoa", "pupils", "fsm", "sen", "year"]
BAD = ("urn,lsoa,pupils,fsm,sen,year\n"
       "114580,E01016969,12,3,1,2022\n"                # 2 good
       "abc,E01016969,12,3,1,2022\n"                   # 3 bad URN
       "114580,E02000001,12,3,1,2022\n"                # 4 an MSOA code
       "\n"                                            # 5 empty line, not a row
       "114580,E01016970,c,3,1,2022\n"                 # 6 pupils suppressed
       "114580,E01016971,12,lots,1,2022\n"             # 7 fsm not a number
       "114580,E01016972,12,13,1,2022\n"               # 8 fsm above pupils
       "114580,e01016969 ,12,3,1,2022\n"               # 9 repeats row 2 once cleaned
       "114580,E01016973,12,x,c,2022\n"                # 10 good, fsm and sen suppressed
       "114580,E01016974,12,3,1,2022/23\n"             # 11 good, slash year
       "114580,E01016975,12,3,1,22\n"                  # 12 bad year
       '114581,E01016969,"1,012",3,1,2022\n'           # 13 good, thousands separator
       ",,,,,\n")                                      # 14 a row of empty cells
REASONS = [
    [3, "URN 'abc' is not a number"],
    [4, "'E02000001' is not an LSOA code (E01/W01 + 6 digits)"],
    [6, "pupils 'c' is a suppression code: a flow needs its pupil count"],
    [7, "fsm 'lots' is not a number or a suppression code"],
    [8, "fsm 13 is more than pupils 12"],
    [9, "duplicate URN, LSOA and year 114580, E01016969, 2022 (first on row 2)"],
    [12, "year '22' is not a year such as 2022, 2022/23 or 202223"],
    [14, "URN is empty"],
]


@pytest.fixture
def fast(monkeypatch):
    """Send every file, however small, through the pandas fast path."""
    monkeypatch.setattr(reader, "FAST_MIN_BYTES", 0)


def test_bad_rows_are_rejected_with_their_line_numbers(tmp_path, wh, fast):
    path = tmp_path / "flows.csv"
    path.write_text(BAD)
    result = load_file(wh, "flows", path)
    assert result.rejects[["row_number", "reason"]].values.tolist() == REASONS
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (12, 4, 8)
    rows = wh.df("SELECT urn, lsoa, year, pupils, fsm, sen FROM flows ORDER BY urn, lsoa").fillna(-1)
    assert rows.values.tolist() == [[114580, "E01016969", 2022, 12, 3, 1], [114580, "E01016973", 2022, 12, -1, -1],
                                    [114580, "E01016974", 2022, 12, 3, 1], [114581, "E01016969", 2022, 1012, 3, 1]]
    assert result.notes == ["1 fsm counts missing (stored empty): 1 not available",
                            "1 sen counts missing (stored empty): 1 confidential"]
    assert result.rejects.raw[0] == "abc,E01016969,2022,12,3,1"


def test_duckdb_reader_gives_the_cells_and_lines_of_the_csv_reader(tmp_path, monkeypatch):
    path = tmp_path / "flows.csv"
    path.write_text(BAD.replace("\n\n", "\n"))                  # no empty line: DuckDB's reader takes it
    careful = flows.read(path)
    monkeypatch.setattr(reader, "FAST_MIN_BYTES", 0)
    con = duckdb.connect()
    assert reader.read_csv_into_duckdb(path, con, "_cells") == HEADER
    cells = con.execute("SELECT * FROM _cells ORDER BY _line").df()
    table = reader.read_csv_table(path)
    assert cells["_line"].tolist() == table.line.tolist()
    assert cells[HEADER].values.tolist() == table.frame.values.tolist()
    quick = flows.read(path)
    assert quick.tables[0].frame.astype(str).equals(careful.tables[0].frame.astype(str))
    assert quick.rejects.equals(careful.rejects) and len(quick.rejects) == len(REASONS)


@pytest.mark.parametrize("text", [BAD,                                        # an empty line
                                  "urn,lsoa,pupils\n1,E01000001,3\n2,E01000002\n",          # a short row
                                  "urn,lsoa,pupils\n1,E01000001,3\n2,E01000002,3,4\n",      # a long row
                                  'urn,lsoa,pupils\n1,"E0100\n0001",3\n',                  # a value over two lines
                                  "urn,lsoa,pupils\n1,E01000001,caf\xe9\n"])               # not UTF-8
def test_files_the_duckdb_reader_leaves_to_the_csv_reader(tmp_path, monkeypatch, text):
    path = tmp_path / "flows.csv"
    path.write_bytes(text.encode("latin-1"))
    monkeypatch.setattr(reader, "FAST_MIN_BYTES", 0)
    con = duckdb.connect()
    assert reader.read_csv_into_duckdb(path, con, "_cells") is None
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = '_cells'").fetchone()[0] == 0


def test_a_row_with_an_extra_value_falls_back_and_is_rejected(tmp_path, wh, fast):
    path = tmp_path / "flows.csv"
    path.write_text("urn,lsoa,pupils\n114580,E01016969,12\n114580,St Luke's, Brighton,E01016970,3\n")
    result = load_file(wh, "flows", path, year=2022)
    assert result.rejects[["row_number", "reason"]].values.tolist() == [
        [3, "2 values beyond the header's 3 columns (a value may contain an unquoted comma)"]]


def test_many_rows_through_the_fast_path(tmp_path, wh, fast):
    rng = np.random.default_rng(7)
    n = 60_000
    urns = 100000 + np.arange(n) // 40
    lsoas = [f"E01{k:06d}" for k in (np.arange(n) % 40) * 800 + urns % 800 + 1]
    pupils = rng.integers(1, 30, n)
    fsm = (pupils * rng.random(n)).astype(int)
    lines = ["urn,lsoa,pupils,fsm"] + [f"{u},{l},{p},{f}" for u, l, p, f in zip(urns, lsoas, pupils, fsm)]
    path = tmp_path / "npd_flows_2022.csv.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    result = load_file(wh, "flows", path, year=2022)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (n, n, 0)
    totals = wh.df("SELECT count(*) n, sum(pupils) p, sum(fsm) f, count(DISTINCT urn) s FROM flows").iloc[0]
    assert (totals.n, totals.p, totals.f, totals.s) == (n, pupils.sum(), fsm.sum(), n // 40)


def test_reloads_and_overlapping_files_keep_keys_unique(tmp_path, wh):
    first = write_csv(tmp_path / "a.csv", HEADER, [["114580", "E01016969", "12", "3", "1", "2022"],
                                                   ["114580", "E01016970", "5", "1", "0", "2022"]])
    second = write_csv(tmp_path / "b.csv", HEADER, [["114580", "E01016969", "14", "4", "1", "2022"]])
    load_file(wh, "flows", first)
    load_file(wh, "flows", first)
    load_file(wh, "flows", second)
    rows = wh.df("SELECT lsoa, pupils, source_file FROM flows ORDER BY lsoa").values.tolist()
    assert rows == [["E01016969", 14, "b.csv"], ["E01016970", 5, "a.csv"]]


def test_the_year_comes_from_the_option_when_the_file_has_none(tmp_path, runner):
    path = write_csv(tmp_path / "flows.csv", ["urn", "lsoa", "pupils"], [["114580", "E01016969", "12"]])
    assert error_line(run_load(runner, tmp_path, "flows", path)) == (
        f"Error: {path}: has no year column (looked for time_period, year, academic_year, census_year): pass the "
        "academic year with --year, e.g. `repaudit load flows --year 2022 flows.csv`")
    result = run_load(runner, tmp_path, "flows", path, "--year", "2022")
    assert result.output.splitlines()[0].startswith("flows.csv: 1 rows read = 1 loaded + 0 rejected + 0 skipped")
    assert query(tmp_path, "SELECT year FROM flows").year[0] == 2022


def test_missing_pupils_column_lists_the_columns_found(tmp_path, runner):
    path = write_csv(tmp_path / "flows.csv", ["urn", "lsoa", "fsm"], [["114580", "E01016969", "3"]])
    assert error_line(run_load(runner, tmp_path, "flows", path, "--year", "2022")) == (
        f"Error: {path}: not a 'flows' file: missing column(s) pupils. Columns found: urn, lsoa, fsm")


def test_rejects_file_holds_every_rejected_row(tmp_path, runner):
    path = tmp_path / "flows.csv"
    path.write_text(BAD)
    out = tmp_path / "out" / "rejects.csv"
    result = run_load(runner, tmp_path, "flows", path, "--rejects", out)
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0] == "source,source_file,row_number,reason,raw"
    assert lines[1] == "flows,flows.csv,3,URN 'abc' is not a number,\"abc,E01016969,2022,12,3,1\""
    assert len(lines) == 1 + len(REASONS)


def test_london_schools_atlas_columns_and_bom_load(tmp_path, wh):
    """The GLA London Schools Atlas flows file as published: UTF-8 with a BOM, its own column names, no year."""
    path = tmp_path / "atlas.csv"
    path.write_text("\ufeffSecondary_School_URN,Secondary_School_Name,Total_SecSchool_Pupils,Secondary2LSOA_Flow_No.,"
                    "LSOA_CODE,LSOA_NAME,Pupil_count\n"
                    "100277,Haggerston School,866,Sec2LSOA_Flow1,E01001775,Hackney 024C,32\n"
                    "100277,Haggerston School,866,Sec2LSOA_Flow2,E01001755,Hackney 025D,26\n", encoding="utf-8")
    with pytest.raises(Exception, match="--year"):
        load_file(wh, "flows", path)
    result = load_file(wh, "flows", path, year=2014)
    assert result.rows_loaded == 2
    assert wh.df("SELECT urn, lsoa, year, pupils FROM flows ORDER BY pupils").values.tolist() == [
        [100277, "E01001755", 2014, 26], [100277, "E01001775", 2014, 32]]
