"""cin: the EES children-in-need table B1 and the ONS 0-17 population in EES layout -> area_statistics, with
the reporting-year shift, levels, suppression reasons, and the pairing DfE uses for rates per 10,000."""
import csv
import gzip

import pytest

from load_support import error_line, query, run_load, write_csv
from repaudit.load import load_file

B1 = "cin/b1_children_in_need_2013_to_2025.csv.gz"
POPULATION = "cin/ons_mid-year_population_estimates_2012_to_2024.csv.gz"
CLA = "cin/cla_number_and_rate_per_10k_children.csv.gz"
EES = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
       "region_name", "old_la_code", "new_la_code", "la_name"]


def test_b1_every_row_with_levels_and_years(real, wh):
    result = load_file(wh, "cin", real / B1)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected, result.rows_skipped) == (2132, 2132, 0, 0)
    levels = dict(wh.df("SELECT level, count(*) FROM area_statistics GROUP BY 1").values)
    assert levels == {"National": 13, "Regional": 143, "Local authority": 1976}
    years = wh.df("SELECT min(year) lo, max(year) hi FROM area_statistics").iloc[0]
    assert (years.lo, years.hi) == (2012, 2024)                      # reporting years 2013-2025 (31 March)
    assert result.notes[0] == ("cin_at31: reporting years 2013-2025 (at 31 March) stored as academic years "
                               "2012-2024")


def test_brighton_and_england_values(real, wh):
    load_file(wh, "cin", real / B1)
    rows = wh.df("SELECT area_code, year, value, name, coalesce(old_la_code, '-'), coalesce(region, '-') "
                 "FROM area_statistics "
                 "WHERE area_code IN ('E06000043', 'E92000001') AND year IN (2023, 2024) ORDER BY 1, 2")
    # 2025,...,846,E06000043,Brighton and Hove,...,At31_episodes 2055; 2024: 1991; England 2025: 402400
    assert rows.values.tolist() == [
        ["E06000043", 2023, 1991, "Brighton and Hove", "846", "South East"],
        ["E06000043", 2024, 2055, "Brighton and Hove", "846", "South East"],
        ["E92000001", 2023, 399460, "England", "-", "-"],
        ["E92000001", 2024, 402400, "England", "-", "-"],
    ]


def test_suppressed_values_keep_their_reason(real, wh):
    result = load_file(wh, "cin", real / B1)
    with gzip.open(real / B1, "rt", encoding="utf-8", newline="") as handle:
        tokens = [r["At31_episodes"] for r in csv.DictReader(handle) if not r["At31_episodes"].isdigit()]
    assert sorted(tokens) == ["c", "c", "u", "x", "x", "x", "x", "x", "x"]
    reasons = dict(wh.df("SELECT missing_reason, count(*) FROM area_statistics WHERE value IS NULL GROUP BY 1").values)
    assert reasons == {"not available": 6, "confidential": 2, "low reliability": 1}
    assert "9 cin_at31 values missing, reason kept: 6 not available, 2 confidential, 1 low reliability" in result.notes
    hampshire = wh.df("SELECT missing_reason FROM area_statistics WHERE area_code = 'E10000014' AND year = 2023")
    assert hampshire.missing_reason[0] == "low reliability"


def test_population_pairs_with_cin_as_dfe_divides_them(real, wh):
    load_file(wh, "cin", real / B1)
    result = load_file(wh, "cin", real / POPULATION)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2132, 2132, 0)
    assert "21 population_0_17 values missing, reason kept: 21 not available" in result.notes
    england = wh.df("SELECT measure, value FROM area_statistics WHERE area_code = 'E92000001' AND year = 2024")
    values = dict(england.values)
    assert values == {"cin_at31": 402400, "population_0_17": 12183016}
    # DfE's own CLA table for 2025 divides by 12,183,016, the mid-2024 estimate: the pairing the years encode
    with gzip.open(real / CLA, "rt", encoding="utf-8-sig", newline="") as handle:
        cla = [r for r in csv.DictReader(handle) if r["time_period"] == "2025" and r["geographic_level"] == "National"]
    assert {r["population_estimate"] for r in cla} == {"12183016"}
    rate = wh.df("SELECT 10000 * c.value / p.value AS rate FROM area_statistics c JOIN area_statistics p "
                 "USING (area_code, year) WHERE c.measure = 'cin_at31' AND p.measure = 'population_0_17' "
                 "AND area_code = 'E06000043' AND year = 2024").rate[0]
    assert rate == pytest.approx(10000 * 2055 / 46612)


def test_other_categories_age_groups_and_levels_are_skipped_with_notes(tmp_path, runner):
    path = write_csv(tmp_path / "population.csv", EES + ["age_group", "population_estimate"], [
        ["2024", "Calendar year", "National", "E92000001", "England", "", "", "", "", "", "Children aged 0 to 17 years",
         "12183016"],
        ["2024", "Calendar year", "National", "E92000001", "England", "", "", "", "", "", "Aged 18 and over", "1"],
        ["2024", "Calendar year", "Ward", "E92000001", "England", "", "", "", "", "", "Children aged 0 to 17 years",
         "7"],
    ])
    result = run_load(runner, tmp_path, "cin", path)
    lines = result.output.splitlines()
    assert lines[0].startswith("population.csv: 3 rows read = 1 loaded + 0 rejected + 2 skipped -> area_statistics")
    assert "  note: 1 rows with age_group Aged 18 and over skipped: not population_0_17" in lines
    assert "  note: 1 rows with geographic_level Ward skipped: not a national, regional or LA figure" in lines


def test_bad_rows_are_rejected(tmp_path, wh):
    path = write_csv(tmp_path / "b1.csv", EES + ["category", "At31_episodes"], [
        ["2025", "Reporting year", "Local authority", "E92000001", "England", "E12000008", "South East", "846",
         "E06000043", "Brighton and Hove", "Children in Need", "2055"],
        ["2025", "Reporting year", "Local authority", "E92000001", "England", "E12000008", "South East", "846",
         "E06000043", "Brighton and Hove", "Children in Need", "2056"],
        ["2025", "Reporting year", "Local authority", "E92000001", "England", "E12000008", "South East", "999",
         "", "Nowhere", "Children in Need", "5"],
        ["2025", "Reporting year", "Local authority", "E92000001", "England", "E12000008", "South East", "845",
         "E10000032", "East Sussex", "Children in Need", "many"],
    ])
    result = load_file(wh, "cin", path)
    assert result.rejects[["row_number", "reason"]].values.tolist() == [
        [3, "duplicate area and year E06000043, 2024 (first on row 2)"],
        [4, "no area code for this Local authority row"],
        [5, "column 'At31_episodes' holds 'many': expected a number or a suppression code"],
    ]


def test_a_table_without_a_measure_lists_its_columns(tmp_path, runner):
    path = write_csv(tmp_path / "c1.csv", EES + ["referral_count"], [["2025"] + [""] * 9 + ["5"]])
    assert error_line(run_load(runner, tmp_path, "cin", path)) == (
        f"Error: {path}: not a 'cin' file: missing column(s) At31_episodes (children in need table B1) or "
        "population_estimate (ONS 0-17 population). Columns found: " + ", ".join(EES + ["referral_count"]))
    assert query(tmp_path, "SELECT count(*) n FROM area_statistics").n[0] == 0
