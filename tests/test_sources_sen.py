"""sen: school-level SEN support and EHC plans -> school_indicators, from the performance-tables census file
(real, summary rows skipped) and the EES school-level SEN format (fixtures in its two spellings)."""
import csv
import gzip

from load_support import error_line, query, run_load, write_csv
from repaudit.load import load_file

CENSUS = "spc_sen/performance_tables_england_census_KSPDeveloper.csv.gz"


def test_performance_tables_census_every_school_and_the_summary_rows(real, wh):
    result = load_file(wh, "sen", real / CENSUS, year=2018)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected, result.rows_skipped) == (23942, 23939, 0, 3)
    assert result.rows_unaccounted == 0
    assert result.notes[0] == ("3 summary rows (URN/ESTAB NAT, PRI, SEC or SPE: national totals, not schools) "
                               "skipped, on rows 23941, 23942, 23943")
    assert result.vintage == "2018/19"
    counts = dict(wh.df("SELECT indicator, count(*) FROM school_indicators GROUP BY 1").values)
    assert counts == {"sen_support": 23939, "ehcp": 23939}


def test_named_schools_equal_the_file(real, wh):
    load_file(wh, "sen", real / CENSUS, year=2018)
    rows = wh.df("SELECT urn, indicator, numerator, denominator, year FROM school_indicators "
                 "WHERE urn IN (100000, 114580) ORDER BY urn, indicator").values.tolist()
    # 100000,201,3614,State-funded primary,285,...,TSENELSE 5,...,TSENELK 50; 114580: NOR 1673, 36, 161
    assert rows == [[100000, "ehcp", 5, 285, 2018], [100000, "sen_support", 50, 285, 2018],
                    [114580, "ehcp", 36, 1673, 2018], [114580, "sen_support", 161, 1673, 2018]]


def test_na_cells_are_missing_with_their_reason_and_totals_match(real, wh):
    result = load_file(wh, "sen", real / CENSUS, year=2018)
    with gzip.open(real / CENSUS, "rt", encoding="utf-8-sig", newline="") as handle:
        schools = [r for r in csv.DictReader(handle) if r["URN"].isdigit()]
    expected = sum(int(r["TSENELK"]) for r in schools if r["TSENELK"] != "NA")
    missing = sum(r["TSENELK"] == "NA" for r in schools)
    stored = wh.df("SELECT sum(numerator) s, count(missing_reason) m FROM school_indicators "
                   "WHERE indicator = 'sen_support'")
    assert (stored.s[0], stored.m[0]) == (expected, missing) == (expected, 47)
    assert "47 sen_support counts missing, reason kept: 47 not available" in result.notes
    pru = wh.df("SELECT numerator, denominator, missing_reason FROM school_indicators WHERE urn = 103769").iloc[0]
    assert pru.numerator != pru.numerator and pru.missing_reason == "not available"


def test_the_census_file_needs_a_year(real, runner, tmp_path):
    line = error_line(run_load(runner, tmp_path, "sen", real / CENSUS))
    assert line == (f"Error: {real / CENSUS}: has no year column (looked for time_period, year, academic_year, "
                    "census_year): pass the academic year with --year, e.g. `repaudit load sen --year 2022 "
                    "performance_tables_england_census_KSPDeveloper.csv.gz` for 2022/23")


def test_ees_school_level_format_with_spaces_in_names(tmp_path, wh):
    path = write_csv(tmp_path / "sen_school_level_underlying_data.csv",
                     ["time_period", "geographic_level", "URN", "school_name", "Total pupils", "SEN support",
                      "EHC plan"],
                     [["202324", "School", "114580", "Dorothy Stringer School", "1640", "180", "40"],
                      ["202223", "School", "114580", "Dorothy Stringer School", "1635", "170", "38"]])
    result = load_file(wh, "sen", path)
    assert result.rows_loaded == 2 and result.rows_skipped == 0
    rows = wh.df("SELECT year, indicator, numerator, denominator FROM school_indicators ORDER BY year, indicator")
    assert rows.values.tolist() == [[2022, "ehcp", 38, 1635], [2022, "sen_support", 170, 1635],
                                    [2023, "ehcp", 40, 1640], [2023, "sen_support", 180, 1640]]


def test_ees_snake_case_spelling(tmp_path, wh):
    path = write_csv(tmp_path / "sen.csv", ["time_period", "urn", "total_pupils", "sen_support", "ehc_plan"],
                     [["202425", "100000", "271", "c", "z"]])
    load_file(wh, "sen", path)
    rows = wh.df("SELECT indicator, numerator, denominator, missing_reason FROM school_indicators ORDER BY indicator")
    assert rows[["indicator", "denominator", "missing_reason"]].values.tolist() == [
        ["ehcp", 271, "not applicable"], ["sen_support", 271, "confidential"]]
    assert rows.numerator.isna().all()


def test_summary_rows_are_not_rejects(tmp_path, runner):
    path = write_csv(tmp_path / "england_census.csv", ["URN", "LA", "ESTAB", "NOR", "TSENELSE", "TSENELK"],
                     [["100000", "201", "3614", "285", "5", "50"], ["NAT", "", "PRI", "4727089", "74404", "595708"],
                      ["abc", "201", "3615", "10", "1", "1"]], encoding="utf-8-sig")
    result = run_load(runner, tmp_path, "sen", path, "--year", "2018")
    lines = result.output.splitlines()
    assert lines[0].startswith("england_census.csv: 3 rows read = 1 loaded + 1 rejected + 1 skipped -> "
                               "school_indicators (2 rows)")
    assert lines[1] == ("  note: 1 summary rows (URN/ESTAB NAT, PRI, SEC or SPE: national totals, not schools) "
                        "skipped, on rows 3")
    assert query(tmp_path, "SELECT row_number, reason FROM rejects").values.tolist() == [[4, "URN 'abc' is not a number"]]


def test_missing_sen_columns_list_the_columns_found(tmp_path, runner):
    path = write_csv(tmp_path / "sen.csv", ["URN", "NOR", "TSENELK"], [["100000", "285", "50"]])
    assert error_line(run_load(runner, tmp_path, "sen", path, "--year", "2018")) == (
        f"Error: {path}: not a 'sen' file: missing column(s) EHC plan. Columns found: URN, NOR, TSENELK")
