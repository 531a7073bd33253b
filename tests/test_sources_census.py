"""census: the performance-tables census file of every year (2017/18-2023/24) -> fsm, sen_support and ehcp from
one census day, every drift between releases read the same way, and FSM checked against the SPC of 2022/23."""
import csv
import gzip
import shutil

import numpy as np
import pandas as pd
import pytest

from load_support import error_line, run_load, write_csv
from repaudit.load import load_file
from repaudit.sources.census import NOT_COLLECTED, fsm_from_percentage
from repaudit.warehouse import Warehouse

CENSUS = {2017: "performance_tables_england_census_2017_18.csv.gz",
          2018: "performance_tables_england_census_KSPDeveloper.csv.gz",
          2021: "performance_tables_england_census_2021_22.csv.gz",
          2022: "performance_tables_england_census_2022_23.csv.gz",
          2023: "performance_tables_england_census_2023_24.csv.gz"}
SPC = "spc_sen/spc_school_level_underlying_data_2022_23.csv.gz"


@pytest.fixture(scope="module")
def five_years(real):
    """The SPC 2022/23 then all five census files in one warehouse: (warehouse, results by year)."""
    with Warehouse(":memory:") as wh:
        load_file(wh, "spc", real / SPC)
        results = {year: load_file(wh, "census", real / "spc_sen" / name) for year, name in CENSUS.items()}
        yield wh, results


def raw_rows(real, year):
    with gzip.open(real / "spc_sen" / CENSUS[year], "rt", encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_all_five_years_load_every_row_accounted_and_none_rejected(real, five_years):
    wh, results = five_years
    for year, result in results.items():
        rows = raw_rows(real, year)
        assert result.rows_read == len(rows) - 1
        assert result.rows_rejected == 0 and result.rows_unaccounted == 0, (year, result.rejects.head())
        assert result.vintage == f"{year}/{(year + 1) % 100:02d}"
    assert results[2017].rows_skipped == 3        # 2 national rows and URN 141353 written twice
    assert "1 row repeating an earlier row in every field skipped, on rows 20370" in results[2017].notes
    years = wh.df("select indicator, list(distinct year order by year) as years from school_indicators "
                  "where source_file like 'performance_tables%' group by 1 order by 1")
    assert [[name, list(y)] for name, y in years.values] == [
        [name, [2017, 2018, 2021, 2022, 2023]] for name in ("ehcp", "fsm", "sen_support")]


def test_the_year_comes_from_the_name_or_the_layout(five_years):
    _, results = five_years
    assert any(n.startswith("year 2017/18 (January 2018 census) from the file name") for n in results[2017].notes)
    assert any(n.startswith("year 2018/19 (January 2019 census) from the header's layout") for n in results[2018].notes)


def test_a_renamed_2023_24_file_is_told_by_the_misspelt_column(real, tmp_path, wh):
    copy = tmp_path / "england_census.csv.gz"
    shutil.copy(real / "spc_sen" / CENSUS[2023], copy)
    result = load_file(wh, "census", copy)
    assert any("2023/24" in n and "PNUMUNCLF" in n for n in result.notes)
    assert wh.df("select distinct year from school_indicators").year.tolist() == [2023]


def test_fsm_equals_the_spc_for_every_state_funded_school_in_both(real, five_years):
    wh, results = five_years
    spc = pd.read_csv(real / SPC, usecols=["urn", "phase_type_grouping",
                                           "number of pupils known to be eligible for free school meals"],
                      dtype=str)
    spc = spc[spc["phase_type_grouping"].str.startswith("State-funded")]
    spc["spc_fsm"] = pd.to_numeric(spc.iloc[:, 2], errors="coerce")
    census = pd.DataFrame(raw_rows(real, 2022)[1:], columns=raw_rows(real, 2022)[0])
    both = spc.merge(census, left_on="urn", right_on="URN")
    assert len(both) > 21_000
    stored = wh.df("select urn::varchar as urn, numerator, missing_reason from school_indicators "
                   "where indicator = 'fsm' and year = 2022")
    checked = both.merge(stored, on="urn", how="left")
    counted = checked[checked["spc_fsm"].notna()]
    assert len(counted) == 21_971 and (counted["numerator"] == counted["spc_fsm"]).all()
    uncounted = checked[checked["spc_fsm"].isna()]          # no count in the SPC: none here either, with a reason
    assert uncounted["numerator"].isna().all() and uncounted["missing_reason"].notna().all()
    assert ("checked against spc_school_level_underlying_data_2022_23.csv.gz (same year): FSM counts equal for "
            "22,025 of 22,025 schools in both, rolls equal for 22,025") in results[2022].notes


def test_not_applicable_zeros_are_not_zeros(five_years):
    wh, _ = five_years
    rows = wh.df("select urn, year, indicator, numerator, coalesce(missing_reason, '-') from school_indicators "
                 "where urn in (100001, 100668) and year = 2021 order by urn, indicator").values.tolist()
    # 100001 independent, a short row: FSM 0 is not collected, SEN support 88 is a count;
    # 100668 a state-funded nursery, also a short row: its FSM 0 is a real zero.
    assert rows[1][3] != rows[1][3]                      # NaN: no count
    rows[1][3] = None
    assert rows == [[100001, 2021, "ehcp", 0, "-"], [100001, 2021, "fsm", None, NOT_COLLECTED],
                    [100001, 2021, "sen_support", 88, "-"],
                    [100668, 2021, "ehcp", 2, "-"], [100668, 2021, "fsm", 0, "-"],
                    [100668, 2021, "sen_support", 21, "-"]]


def test_2017_18_fsm_counts_from_the_percentage(real, five_years):
    wh, results = five_years
    got = dict(wh.df("select urn, numerator from school_indicators where year = 2017 and indicator = 'fsm' "
                     "and urn in (100000, 141354, 100001, 101849)").values.tolist())
    # 100000: NOR 284, PNUMFSM 11.3 -> 32.09 -> 32; 141354: NOR 661, 25.6% -> 169.2 -> 169; 100001 (ESTAB 6005,
    # PNUMFSM 0, FSM-ever NP) is independent: not collected; 101849 (ESTAB 6900, a state-funded secondary
    # numbered like an independent school): NOR 1299, 8.3% -> 107.8 -> 108.
    assert got[100000] == 32 and got[141354] == 169 and np.isnan(got[100001]) and got[101849] == 108
    assert any(n.startswith("FSM counts made from the percentage PNUMFSM") for n in results[2017].notes)


def test_fsm_from_percentage_by_hand():
    count, fits = fsm_from_percentage(np.array([11.3, 10.0, 10.0, 0.0]), np.array([284, 1500, 2500, 90]))
    # 284 x 11.3% = 32.09; 2500 x 10% = 250 and 249 (9.96% -> 10.0) and 251 (10.04%) also round to 10.0%
    assert count.tolist() == [32, 150, 250, 0] and fits.tolist() == [1, 1, 3, 1]


def test_disagreement_with_the_stored_fsm_is_reported(tmp_path, wh):
    spc = write_csv(tmp_path / "spc.csv", ["time_period", "urn", "number of pupils known to be eligible for free "
                                           "school meals", "headcount of pupils"],
                    [["202223", "100000", "49", "271"], ["202223", "100002", "10", "100"]])
    load_file(wh, "spc", spc)
    census = write_csv(tmp_path / "england_census_2022_23.csv",
                       ["URN", "LA", "Estab", "SCHOOLTYPE", "NOR", "TSENELSE", "TSENELK", "NUMFSM"],
                       [["100000", "201", "3614", "State-funded primary", "271", "8", "59", "49"],
                        ["100002", "201", "3615", "State-funded primary", "100", "1", "5", "12"]])
    result = load_file(wh, "census", census)
    assert result.notes[-2:] == [
        "checked against spc.csv (same year): FSM counts equal for 1 of 2 schools in both, rolls equal for 2",
        "FSM differs for 1 schools (URN 100002: 12 here, 10 there); this file's values replace the stored ones"]


def test_a_file_without_a_year_or_a_known_layout_asks_for_year(tmp_path, runner):
    path = write_csv(tmp_path / "england_census.csv", ["URN", "SCHOOLTYPE", "NOR", "TSENELSE", "TSENELK", "NUMFSM"],
                     [["100000", "State-funded primary", "10", "1", "1", "1"]])
    line = error_line(run_load(runner, tmp_path, "census", path))
    assert line.startswith(f"Error: {path}: does not say its year")
    assert "--year 2022" in line
