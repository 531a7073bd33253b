"""gias: GIAS establishments -> schools. The national subset (27,153 establishments), the Hampshire/Surrey
download with original headers and ragged rows, and bad input through the CLI."""
import csv
import datetime as dt
import gzip
import io

import pytest

from load_support import error_line, query, run_load, write_csv
from repaudit.load import load_file
from repaudit.warehouse import Warehouse

NATIONAL = "gias/edubasealldata20250524_reheadered_subset.csv.gz"
HAMPSHIRE = "gias/gias_hampshire850_surrey936_primary_20220420_original_headers.csv.gz"
HEADER = ["URN", "LA (code)", "LA (name)", "EstablishmentName", "TypeOfEstablishment (name)",
          "EstablishmentStatus (name)", "PhaseOfEducation (name)", "NumberOfPupils", "PercentageFSM", "OpenDate"]


def school(urn, name="Hove Park School", pupils="1200", fsm="21.7", opened="01-09-2011"):
    return [urn, "846", "Brighton and Hove", name, "Community school", "Open", "Secondary", pupils, fsm, opened]


@pytest.fixture(scope="module")
def loaded():
    """Warehouses holding one real file each, loaded once for the tests that only read them."""
    cache = {}

    def get(path):
        if path not in cache:
            wh = Warehouse(":memory:")
            cache[path] = (wh, load_file(wh, "gias", path))
        return cache[path]

    yield get
    for wh, _ in cache.values():
        wh.close()


def test_national_subset_loads_every_establishment(real, loaded):
    wh, result = loaded(real / NATIONAL)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected, result.rows_skipped) == (27153, 27153, 0, 0)
    assert wh.count("schools") == 27153
    assert result.vintage == "20250524"
    row = wh.df("SELECT * FROM schools WHERE urn = 114580").iloc[0]
    # "114580","846","Brighton and Hove","4016","Dorothy Stringer School",...,"1635","21.0","530794","107134","E01017003"
    assert (row["name"], row.la_code, row.la_name, row.phase) == ("Dorothy Stringer School", "846", "Brighton and Hove",
                                                                  "Secondary")
    assert (row.pupils, row.easting, row.northing, row.lsoa) == (1635, 530794.0, 107134.0, "E01017003")
    assert row.pct_fsm == pytest.approx(0.21)
    assert (row.type, row.type_group, row.status) == ("Community school", "Local authority maintained schools", "Open")


def test_cp1252_names_and_blank_percentages(real, loaded):
    wh, _ = loaded(real / NATIONAL)
    names = dict(wh.df("SELECT urn, name FROM schools WHERE urn IN (100371, 132517)").values)
    assert names == {100371: "Ecole Française de Londres Jacques Prévert", 132517: "Samarès School"}
    independent = wh.df("SELECT pct_fsm, pupils FROM schools WHERE urn = 100001").iloc[0]
    assert independent.pct_fsm != independent.pct_fsm and independent.pupils == 764     # "" -> NULL, kept


def test_every_percentage_is_the_file_value_over_100(real, loaded):
    wh, _ = loaded(real / NATIONAL)
    with gzip.open(real / NATIONAL, "rt", encoding="cp1252", newline="") as handle:
        expected = {int(r["URN"]): float(r["PercentageFSM"]) / 100 for r in csv.DictReader(handle) if r["PercentageFSM"]}
    stored = dict(wh.df("SELECT urn, pct_fsm FROM schools WHERE pct_fsm IS NOT NULL").values)
    assert stored.keys() == expected.keys()
    assert all(stored[u] == pytest.approx(expected[u]) for u in expected)


def test_original_headers_ragged_rows_and_dates(real, loaded):
    wh, result = loaded(real / HAMPSHIRE)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (1096, 1096, 0)
    with gzip.open(real / HAMPSHIRE, "rt", encoding="cp1252", newline="") as handle:
        rows = list(csv.reader(handle))
    longer = sum(len(r) > len(rows[0]) for r in rows[1:])
    assert longer == 69
    assert (f"rows with more fields than the header: {longer}; their extra trailing fields (unnamed, e.g. further "
            "linked establishments) were ignored") in result.notes
    # 116018 has 112 fields (a trailing "148215 Successor"); its named columns still line up
    weyford = wh.df("SELECT * FROM schools WHERE urn = 116018").iloc[0]
    assert (weyford["name"], weyford.status) == ("Weyford Nursery and Primary School", "Closed")
    assert weyford.close_date.date() == dt.date(2020, 10, 31)
    assert (weyford.pupils, weyford.capacity, weyford.lsoa, weyford.region) == (393, 630, "E01022636", "South East")
    assert weyford.pct_fsm == pytest.approx(0.169)
    statuses = dict(wh.df("SELECT status, count(*) FROM schools GROUP BY status").values)
    assert statuses == {"Open": 726, "Closed": 368, "Open, but proposed to close": 2}
    trust = wh.df("SELECT trust_name FROM schools WHERE urn = 124964").trust_name[0]
    assert trust == "Voice Education Trust"


def test_gender_is_stored_as_the_file_gives_it(real, loaded):
    wh, _ = loaded(real / HAMPSHIRE)
    with gzip.open(real / HAMPSHIRE, "rt", encoding="cp1252", newline="") as handle:
        rows = list(csv.DictReader(handle))
    expected = {int(r["URN"]): r["Gender (name)"].strip() for r in rows}            # blank -> NULL -> ''
    stored = dict(wh.df("SELECT urn, coalesce(gender, '') FROM schools").values)
    assert stored == expected
    assert set(stored.values()) == {"Mixed", ""}                  # primary schools: mixed or not given
    national, _ = loaded(real / NATIONAL)                     # the 15-column subset has no Gender column
    assert national.df("SELECT count(gender) AS n FROM schools").n[0] == 0


def test_unknown_dates_written_01_01_1900_are_stored_empty(real, loaded):
    wh, result = loaded(real / HAMPSHIRE)
    assert "20 OpenDate values of 01-01-1900 (GIAS for 'unknown') stored empty" in result.notes
    assert wh.df("SELECT count(*) n FROM schools WHERE open_date = DATE '1900-01-01'").n[0] == 0


def test_loading_twice_keeps_one_row_per_school(real, wh):
    load_file(wh, "gias", real / HAMPSHIRE)
    load_file(wh, "gias", real / HAMPSHIRE)
    assert wh.count("schools") == 1096


def test_snake_case_extract_headers(tmp_path, wh):
    path = write_csv(tmp_path / "gias_extract.csv",
                     ["urn", "la_code", "establishment_name", "education_phase", "number_of_pupils", "percentage_fsm",
                      "lsoa_code"],
                     [["100000", "201", "The Aldgate School", "Primary", "244", "21.7", "E01032739"]])
    load_file(wh, "gias", path)
    row = wh.df("SELECT * FROM schools").iloc[0]
    assert (row.urn, row["name"], row.phase, row.pupils, row.lsoa) == (100000, "The Aldgate School", "Primary", 244,
                                                                       "E01032739")
    assert row.pct_fsm == pytest.approx(0.217)


def test_cp1252_quoted_fixture(tmp_path, runner):
    path = write_csv(tmp_path / "edubasealldata20240901.csv", HEADER,
                     [school("114611", "St Thomas à Becket Catholic Primary School")], encoding="cp1252", quote_all=True)
    result = run_load(runner, tmp_path, "gias", path)
    assert result.exit_code == 0, result.output
    assert query(tmp_path, "SELECT name FROM schools").name[0] == "St Thomas à Becket Catholic Primary School"


def test_duplicate_urn_keeps_the_first_and_rejects_the_rest(tmp_path, runner):
    path = write_csv(tmp_path / "gias.csv", HEADER,
                     [school("114607", "Hove Park School"), school("114608", "Patcham High School"),
                      school("114607", "Hove Park School (again)")], encoding="cp1252", quote_all=True)
    result = run_load(runner, tmp_path, "gias", path)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (f"gias.csv: 3 rows read = 2 loaded + 1 rejected + 0 skipped -> schools "
                                             f"(2 rows) in {tmp_path / 'w.duckdb'}")
    assert query(tmp_path, "SELECT name FROM schools WHERE urn = 114607").name[0] == "Hove Park School"
    rejected = query(tmp_path, "SELECT row_number, reason, raw FROM rejects").iloc[0]
    assert (rejected.row_number, rejected.reason) == (4, "duplicate URN 114607 (first on row 2)")
    assert rejected.raw.startswith("114607,846,Brighton and Hove,Hove Park School (again)")


def test_unusable_urns_and_names_are_rejected_with_reasons(tmp_path, wh):
    path = write_csv(tmp_path / "gias.csv", HEADER,
                     [school("abc"), school(""), school("114580", name=""), school("114581", name="Longhill")])
    result = load_file(wh, "gias", path)
    assert list(result.rejects.reason) == ["URN 'abc' is not a number", "URN is empty", "EstablishmentName is empty"]
    assert list(result.rejects.row_number) == [2, 3, 4]
    assert wh.df("SELECT urn FROM schools").urn.tolist() == [114581]


def test_a_bad_number_keeps_the_school_and_says_so(tmp_path, wh):
    path = write_csv(tmp_path / "gias.csv", HEADER, [school("114580", pupils="lots"), school("114581", fsm="x")])
    result = load_file(wh, "gias", path)
    assert result.rows_loaded == 2 and result.rows_rejected == 0
    assert "1 NumberOfPupils cells are not numbers (e.g. 'lots'): stored empty" in result.notes
    rows = wh.df("SELECT urn, pupils, pct_fsm FROM schools ORDER BY urn")
    assert rows.pupils.isna().tolist() == [True, False] and rows.pct_fsm.isna().tolist() == [False, True]


def test_missing_name_column_lists_the_columns_found(tmp_path, runner):
    path = write_csv(tmp_path / "schools.csv", ["URN", "School", "Phase"], [["100000", "Aldgate", "Primary"]])
    line = error_line(run_load(runner, tmp_path, "gias", path))
    assert line == (f"Error: {path}: not a 'gias' file: missing column(s) EstablishmentName. "
                    "Columns found: URN, School, Phase")


def test_ragged_row_in_a_tiny_file_is_loaded_with_a_note(tmp_path, runner):
    path = tmp_path / "gias.csv"
    text = '"URN","EstablishmentName","LA (code)"\r\n"100000","The Aldgate School","201","extra link"\r\n'
    path.write_bytes(text.encode("cp1252"))
    result = run_load(runner, tmp_path, "gias", path)
    assert result.exit_code == 0, result.output
    assert ("  note: rows with more fields than the header: 1; their extra trailing fields (unnamed, e.g. further "
            "linked establishments) were ignored") in result.output.splitlines()
    assert query(tmp_path, "SELECT la_code FROM schools").la_code[0] == "201"


def test_header_only_file(tmp_path, runner):
    path = tmp_path / "gias.csv"
    path.write_text('"URN","EstablishmentName"\r\n', encoding="cp1252")
    assert error_line(run_load(runner, tmp_path, "gias", path)) == f"Error: {path}: has a header but no data rows"


def test_file_reads_the_same_from_bytes_and_gzip(tmp_path, wh):
    rows = [school(str(114570 + i), f"School {i}") for i in range(5)]
    plain = write_csv(tmp_path / "a.csv", HEADER, rows, encoding="cp1252", quote_all=True)
    zipped = tmp_path / "b.csv.gz"
    zipped.write_bytes(gzip.compress(plain.read_bytes()))
    first = load_file(wh, "gias", plain).tables[0].frame
    second = load_file(wh, "gias", zipped).tables[0].frame
    assert first.equals(second)
    assert list(csv.reader(io.StringIO(plain.read_text(encoding="cp1252"))))[1][3] == "School 0"
