"""spc: school-level SPC underlying data -> school_census + school_indicators 'fsm', on the real 2022/23 file
and on fixtures in the column-name vintages of other releases."""
import csv
import gzip

import pytest

from load_support import error_line, query, run_load, write_csv
from repaudit.load import load_file
from repaudit.warehouse import Warehouse

SPC = "spc_sen/spc_school_level_underlying_data_2022_23.csv.gz"
FSM = "number of pupils known to be eligible for free school meals"


@pytest.fixture(scope="module")
def spc_2022(request):
    """The real 2022/23 file loaded once (2 s) for the tests that only read it."""
    state = {}

    def get(real):
        if not state:
            state["wh"] = Warehouse(":memory:")
            state["result"] = load_file(state["wh"], "spc", real / SPC)
        return state["wh"], state["result"]

    yield get
    if state:
        state["wh"].close()


def test_every_school_is_loaded(real, spc_2022):
    wh, result = spc_2022(real)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected, result.rows_skipped) == (24442, 24442, 0, 0)
    assert wh.count("school_census") == 24442
    assert wh.df("SELECT count(*) n FROM school_indicators WHERE indicator = 'fsm' AND year = 2022").n[0] == 24442
    assert result.vintage == "2022/23"
    assert result.notes[0] == "FSM denominator: 'headcount of pupils'"


def test_named_schools_fsm_counts_equal_the_file(real, spc_2022):
    wh, _ = spc_2022(real)
    rows = wh.df("SELECT urn, numerator, denominator, missing_reason FROM school_indicators ORDER BY urn")
    rows = rows.set_index("urn")
    # zcat ... | grep 114580: Dorothy Stringer School, 294 known to be eligible, headcount 1640 (17.9%)
    assert (rows.loc[114580, "numerator"], rows.loc[114580, "denominator"]) == (294, 1640)
    assert (rows.loc[100000, "numerator"], rows.loc[100000, "denominator"]) == (49, 271)      # The Aldgate School
    assert (rows.loc[136164, "numerator"], rows.loc[136164, "denominator"]) == (344, 838)     # BACA
    independent = rows.loc[100544]                                                            # David Game College: z
    assert independent.numerator != independent.numerator and independent.missing_reason == "not applicable"


def test_totals_equal_a_second_reading_of_the_file(real, spc_2022):
    wh, result = spc_2022(real)
    with gzip.open(real / SPC, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    counted = [int(r[FSM]) for r in rows if r[FSM] != "z"]
    stored = wh.df("SELECT count(numerator) n, sum(numerator) s, count(missing_reason) m FROM school_indicators")
    assert (stored.n[0], stored.s[0], stored.m[0]) == (len(counted), sum(counted), len(rows) - len(counted))
    assert "2,408 FSM counts missing, reason kept: 2,408 not applicable" in result.notes


def test_descriptive_fields_of_a_named_school(real, spc_2022):
    wh, _ = spc_2022(real)
    row = wh.df("SELECT * FROM school_census WHERE urn = 136164").iloc[0]
    assert (row["name"], row.la_code, row.la_name, row.lad_code, row.region) == (
        "Brighton Aldridge Community Academy", "846", "Brighton and Hove", "E06000043", "South East")
    assert (row.phase_type_grouping, row.admissions_policy, row.trust_name, row.pupils) == (
        "State-funded secondary", "Non-selective", "ALDRIDGE EDUCATION", 838)
    grammar = wh.df("SELECT count(*) n FROM school_census WHERE admissions_policy = 'Selective' "
                    "AND phase_type_grouping = 'State-funded secondary'").n[0]
    assert grammar == 163                                                                    # SOURCES.md


def test_snake_case_release_with_many_years(tmp_path, wh):
    path = write_csv(tmp_path / "spc_school_level_underlying_data.csv",
                     ["time_period", "urn", "school_name", "headcount_of_pupils",
                      "number_of_pupils_known_to_be_eligible_for_free_school_meals",
                      "percent_of_pupils_known_to_be_eligible_for_free_school_meals"],
                     [["202021", "114580", "Dorothy Stringer School", "1650", "250", "15.2"],
                      ["202122", "114580", "Dorothy Stringer School", "1645", "270", "16.4"],
                      ["202122", "114581", "Longhill High School", "1,010", "300", "29.7"]])
    result = load_file(wh, "spc", path)
    assert (result.rows_read, result.rows_loaded) == (3, 3)
    rows = wh.df("SELECT urn, year, numerator, denominator FROM school_indicators ORDER BY urn, year")
    assert rows.values.tolist() == [[114580, 2020, 250, 1650], [114580, 2021, 270, 1645], [114581, 2021, 300, 1010]]


def test_2010_release_uses_its_fsm_denominator(tmp_path, wh):
    path = write_csv(tmp_path / "spc_2011.csv",
                     ["URN", "school name", "headcount of pupils", "number of pupils (used for FSM calculation)",
                      "number of pupils known to be eligible for and claiming free school meals"],
                     [["114580", "Dorothy Stringer School", "1660", "1600", "200"]])
    result = load_file(wh, "spc", path, year=2010)
    row = wh.df("SELECT year, numerator, denominator FROM school_indicators").iloc[0]
    assert (row.year, row.numerator, row.denominator) == (2010, 200, 1600)
    assert result.notes[0] == "FSM denominator: 'number of pupils (used for FSM calculation)'"
    assert wh.df("SELECT pupils FROM school_census").pupils[0] == 1660


def test_recut_extract_with_short_names_and_slash_years(tmp_path, wh):
    path = write_csv(tmp_path / "fsm_extract.csv", ["urn", "year", "fsm_eligible", "headcount_total"],
                     [["100000", "2023/24", "51", "268"]])
    load_file(wh, "spc", path)
    assert wh.df("SELECT urn, year, numerator, denominator FROM school_indicators").values.tolist() == [
        [100000, 2023, 51, 268]]


def test_suppressed_cells_are_missing_with_their_reason(tmp_path, runner):
    path = write_csv(tmp_path / "spc.csv", ["time_period", "urn", "headcount of pupils", FSM],
                     [["202223", "100001", "20", "c"], ["202223", "100002", "30", "x"], ["202223", "100003", "40", "7"]])
    result = run_load(runner, tmp_path, "spc", path)
    assert result.exit_code == 0, result.output
    assert "  note: 2 FSM counts missing, reason kept: 1 confidential, 1 not available" in result.output.splitlines()
    rows = query(tmp_path, "SELECT urn, numerator, denominator, missing_reason FROM school_indicators ORDER BY urn")
    assert rows.missing_reason.fillna("").tolist() == ["confidential", "not available", ""]
    assert rows.numerator.isna().tolist() == [True, True, False] and rows.denominator.tolist() == [20, 30, 40]


def test_bad_rows_are_rejected_with_row_numbers(tmp_path, wh):
    path = tmp_path / "spc.csv"
    path.write_text(f"time_period,urn,headcount of pupils,{FSM}\n"
                    "202223,100001,20,abc\n"
                    "202223,100001,20,3\n"
                    "202223,100002,20,3\n"
                    "202223,100002,25,4\n"
                    "202223,100003,20,3,extra\n"
                    "2022x,100004,20,3\n")
    result = load_file(wh, "spc", path)
    assert result.rejects[["row_number", "reason"]].values.tolist() == [
        [2, f"column '{FSM}' holds 'abc': expected a number or a suppression code"],
        [5, "duplicate URN and year 100002, 2022 (first on row 4)"],
        [6, "1 value beyond the header's 4 columns (a value may contain an unquoted comma)"],
        [7, "year '2022x' is not a year such as 2022, 2022/23 or 202223"],
    ]
    assert wh.df("SELECT urn FROM school_census ORDER BY urn").urn.tolist() == [100001, 100002]


def test_non_school_rows_are_skipped_with_a_note(tmp_path, runner):
    path = write_csv(tmp_path / "spc.csv", ["time_period", "geographic_level", "urn", "headcount of pupils", FSM],
                     [["202223", "National", "", "9000000", "2000000"], ["202223", "School", "100000", "271", "49"]])
    result = run_load(runner, tmp_path, "spc", path)
    lines = result.output.splitlines()
    assert lines[0].startswith("spc.csv: 2 rows read = 1 loaded + 0 rejected + 1 skipped -> school_census (1 rows)")
    assert "  note: 1 rows at geographic_level National skipped: not schools" in lines


def test_a_file_without_a_year_needs_the_year_option(tmp_path, runner):
    path = write_csv(tmp_path / "fsm.csv", ["urn", "headcount", FSM], [["100000", "271", "49"]])
    assert error_line(run_load(runner, tmp_path, "spc", path)) == (
        f"Error: {path}: has no year column (looked for time_period, year, academic_year, census_year): pass the "
        "academic year with --year, e.g. `repaudit load spc --year 2022 fsm.csv` for 2022/23")
    result = run_load(runner, tmp_path, "spc", path, "--year", "2022")
    assert result.exit_code == 0 and query(tmp_path, "SELECT year FROM school_census").year[0] == 2022


def test_missing_fsm_column_lists_the_columns_found(tmp_path, runner):
    path = write_csv(tmp_path / "spc.csv", ["time_period", "urn", "headcount of pupils"], [["202223", "100000", "271"]])
    assert error_line(run_load(runner, tmp_path, "spc", path)) == (
        f"Error: {path}: not a 'spc' file: missing column(s) {FSM}. Columns found: time_period, urn, "
        "headcount of pupils")


def test_the_cin_table_is_not_an_spc_file(real, runner, tmp_path):
    path = real / "cin/b1_children_in_need_2013_to_2025.csv.gz"
    line = error_line(run_load(runner, tmp_path, "spc", path))
    assert line.startswith(f"Error: {path}: is not a 'spc' file: this looks like a 'cin' file; try `repaudit load cin "
                           "b1_children_in_need_2013_to_2025.csv.gz`. Columns found: time_period, time_identifier,")
