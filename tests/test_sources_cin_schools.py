"""cin-schools: a user's own children-in-need counts by school -> school_indicators 'cin'; nothing invented."""
from load_support import error_line, query, run_load, write_csv
from repaudit.load import load_file


def test_counts_years_and_optional_pupils(tmp_path, wh):
    path = write_csv(tmp_path / "cin_by_school.csv", ["URN", "academic_year", "CIN count", "pupils"],
                     [["114580", "2022/23", "41", "1640"], ["114581", "202223", "57", "1,010"]])
    result = load_file(wh, "cin-schools", path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 2, 0)
    rows = wh.df("SELECT urn, year, indicator, numerator, denominator FROM school_indicators ORDER BY urn")
    assert rows.values.tolist() == [[114580, 2022, "cin", 41, 1640], [114581, 2022, "cin", 57, 1010]]


def test_without_pupils_the_denominator_stays_empty(tmp_path, runner):
    path = write_csv(tmp_path / "cin.csv", ["urn", "cin"], [["114580", "41"]])
    result = run_load(runner, tmp_path, "cin-schools", path, "--year", "2023")
    assert result.exit_code == 0, result.output
    assert "  note: no pupils column: denominators left empty (the audit uses each school's roll)" in result.output
    row = query(tmp_path, "SELECT year, numerator, denominator FROM school_indicators").iloc[0]
    assert (row.year, row.numerator) == (2023, 41) and row.denominator != row.denominator


def test_suppressed_counts_stay_missing_with_their_reason(tmp_path, wh):
    path = write_csv(tmp_path / "cin.csv", ["urn", "year", "cin"], [["114580", "2023", "c"], ["114581", "2023", ":"]])
    result = load_file(wh, "cin-schools", path)
    rows = wh.df("SELECT urn, numerator, missing_reason FROM school_indicators ORDER BY urn")
    assert rows.numerator.isna().all()
    assert rows.missing_reason.tolist() == ["confidential", "not available"]
    assert "2 CIN counts missing, reason kept: 1 confidential, 1 not available" in result.notes


def test_impossible_values_are_rejected(tmp_path, wh):
    path = write_csv(tmp_path / "cin.csv", ["urn", "year", "cin_count", "pupils"], [
        ["114580", "2023", "-1", "100"], ["114581", "2023", "2.5", "100"], ["114582", "2023", "120", "100"],
        ["114583", "2023", "3", "0"], ["114584", "2023", "some", "100"], ["114584", "2023", "3", "100"],
        ["114584", "2023", "4", "100"]])
    result = load_file(wh, "cin-schools", path)
    assert result.rejects[["row_number", "reason"]].values.tolist() == [
        [2, "CIN count -1 is negative: a missing-value code? leave the cell empty or write x for a missing count"],
        [3, "CIN count 2.5 is not a whole number of people"],
        [4, "CIN count 120 is more than pupils 100"],
        [5, "'pupils' must be above 0: 0"],
        [6, "column 'cin_count' holds 'some': expected a number or a suppression code"],
        [8, "duplicate URN and year 114584, 2023 (first on row 7)"],
    ]
    assert wh.df("SELECT urn, numerator FROM school_indicators").values.tolist() == [[114584, 3]]


def test_a_file_without_counts_lists_its_columns(tmp_path, runner):
    path = write_csv(tmp_path / "cin.csv", ["urn", "year", "children"], [["114580", "2023", "41"]])
    assert error_line(run_load(runner, tmp_path, "cin-schools", path)) == (
        f"Error: {path}: not a 'cin-schools' file: missing column(s) cin_count. Columns found: urn, year, children")
