"""Plausibility rules on every numeric input of the tabular loaders: an implausible value rejects its row with a
reason naming the rule, is never stored, and never rescales the rest of its column; a rate column's scale is
decided on the whole column and said in a note."""
import pytest

from load_support import error_line, run_load, write_csv
from repaudit.load import load_file

SPC_HEADER = ["time_period", "urn", "school_name", "number of pupils known to be eligible for free school meals",
              "headcount of pupils"]
SEN_HEADER = ["time_period", "URN", "Total pupils", "SEN support", "EHC plan"]
IOD_HEADER = ["LSOA code (2011)", "IDACI Score", "Income Domain Score"]


def reasons(result) -> dict[int, str]:
    return dict(zip(result.rejects.row_number, result.rejects.reason))


def test_spc_fsm_above_headcount_and_negative_fsm_are_rejected_not_stored(tmp_path, wh):
    path = write_csv(tmp_path / "spc.csv", SPC_HEADER, [
        [202223, 100001, "Fair School", 83, 794],
        [202223, 100002, "Over School", 900, 794],
        [202223, 100003, "Minus School", -40, 794],
        [202223, 100004, "Huge School", 10, 20000],
        [202223, 100005, "Half School", 10.5, 794],
    ])
    result = load_file(wh, "spc", path)
    assert reasons(result) == {
        3: "FSM count 900 is more than headcount 794",
        4: "FSM count -40 is negative: a count cannot be below 0",
        5: "headcount 20000 is above 10,000, the most pupils on one school's roll that is plausible "
           "(the largest in the real GIAS 2025, SPC 2022/23 and 2018 census files is 3,467)",
        6: "FSM count 10.5 is not a whole number of people",
    }
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 1, 4)
    stored = wh.df("SELECT urn, numerator, denominator FROM school_indicators")
    assert stored.values.tolist() == [[100001, 83, 794]]
    assert wh.df("SELECT urn FROM school_census").urn.tolist() == [100001]


def test_sen_counts_above_the_roll_or_negative_are_rejected(tmp_path, wh):
    path = write_csv(tmp_path / "sen.csv", SEN_HEADER, [
        [202122, 100001, 794, 54, 10],
        [202122, 100002, 794, 5000, 10],
        [202122, 100003, 794, 54, -3],
        [202122, 100004, 794, 500, 400],
        [202122, 100005, 794, "x", 10],
    ])
    result = load_file(wh, "sen", path)
    assert reasons(result) == {
        3: "SEN support count 5000 is more than pupils 794",
        4: "EHC plan count -3 is negative: a count cannot be below 0",
        5: "SEN support 500 and EHC plans 400 together are more than pupils 794",
    }
    stored = wh.df("SELECT urn, indicator, numerator FROM school_indicators ORDER BY urn, indicator").fillna(-1)
    assert stored.values.tolist() == [[100001, "ehcp", 10], [100001, "sen_support", 54],
                                      [100005, "ehcp", 10], [100005, "sen_support", -1]]


def test_gias_negative_pupils_outlier_capacity_and_percentage_outside_0_100(tmp_path, wh):
    path = write_csv(tmp_path / "edubasealldata20250101.csv",
                     ["URN", "EstablishmentName", "NumberOfPupils", "PercentageFSM", "SchoolCapacity"], [
                         [100001, "Good School", 743, 11.2, 810],
                         [100002, "Minus School", -250, 11.2, 810],
                         [100003, "Odd School", 743, 140, 810],
                         [100004, "Vast School", 743, 11.2, "1e9"],
                     ])
    result = load_file(wh, "gias", path)
    assert reasons(result) == {
        3: "NumberOfPupils -250 is negative: a count cannot be below 0",
        4: "PercentageFSM 140 is outside 0-100, the scale of the column (0-100 percentages: as GIAS "
           "PercentageFSM is published)",
        5: "SchoolCapacity 1e9 is above 10,000, the most places at one school that is plausible (the largest "
           "SchoolCapacity in the real GIAS files is 1,620)",
    }
    stored = wh.df("SELECT urn, pupils, pct_fsm, capacity FROM schools")
    assert stored.values.tolist() == [[100001, 743, pytest.approx(0.112), 810]]


def test_one_idaci_of_1_7_rejects_its_row_and_leaves_the_column_unscaled(tmp_path, wh):
    rows = [[f"E0100000{i}", f"0.{i}5", "0.1"] for i in range(1, 9)] + [["E01000009", "1.7", "0.1"]]
    path = write_csv(tmp_path / "IoD2019_scores.csv", IOD_HEADER, rows)
    result = load_file(wh, "iod", path)
    assert reasons(result) == {10: "IDACI Score 1.7 is outside 0-1, the scale of the column (0-1 proportions: "
                                    "8 of 9 values lie within 0-1)"}
    stored = wh.df("SELECT lsoa, score FROM lsoa_deprivation WHERE measure = 'idaci' ORDER BY lsoa")
    assert stored.score.tolist() == pytest.approx([i / 10 + 0.05 for i in range(1, 9)])     # not divided by 100
    assert ("'IDACI Score' is on a 0-1 scale (0-1 proportions; 8 of 9 values lie within 0-1); 1 value outside "
            "it rejected") in result.notes
    assert "'Income Domain Score' is on a 0-1 scale (0-1 proportions; all 9 values lie within 0-1)" in result.notes


def test_an_idaci_column_fitting_neither_scale_is_refused_naming_its_values(tmp_path, runner):
    rows = [[f"E0100000{i}", "1.2" if i % 2 else "0.4", "0.1"] for i in range(1, 10)][:4] + \
           [[f"E0100001{i}", "0.3", "0.1"] for i in range(5)]
    path = write_csv(tmp_path / "IoD2019_scores.csv", IOD_HEADER, rows)
    line = error_line(run_load(runner, tmp_path, "iod", path))
    assert line == (f"Error: {path}, column 'IDACI Score': 'IDACI Score' fits neither 0-1 proportions nor 0-100 "
                    "percentages: 2 of 9 values lie outside the scale most of them use (e.g. 1.2, 1.2; largest 1.2, "
                    "smallest 0.3); correct those values, or give the whole column on one scale, and load the file "
                    "again")


def test_a_percent_idaci_column_is_divided_by_100_and_says_so(tmp_path, wh):
    rows = [["E01000001", "12.5", "0.1"], ["E01000002", "0.5", "0.1"], ["E01000003", "45", "0.1"],
            ["E01000004", "170", "0.1"], ["E01000005", "30", "0.1"]]
    path = write_csv(tmp_path / "IoD2019_scores.csv", IOD_HEADER, rows)
    result = load_file(wh, "iod", path)
    assert reasons(result) == {5: "IDACI Score 170 is outside 0-100, the scale of the column (0-100 percentages: "
                                   "4 of 5 values are above 1)"}
    stored = wh.df("SELECT score FROM lsoa_deprivation WHERE measure = 'idaci' ORDER BY lsoa").score.tolist()
    assert stored == pytest.approx([0.125, 0.005, 0.45, 0.30])
    assert ("'IDACI Score' is on a 0-100 scale (0-100 percentages; 4 of 5 values are above 1): divided by 100 to "
            "give proportions; 1 value outside it rejected") in result.notes


def test_imd_ranks_and_deciles_outside_their_range_are_rejected(tmp_path, wh):
    header = ["LSOA code (2011)", "Index of Multiple Deprivation (IMD) Rank", "Index of Multiple Deprivation (IMD) "
              "Decile", "Index of Multiple Deprivation (IMD) Score"]
    path = write_csv(tmp_path / "IMD2019.csv", header, [
        ["E01000001", 29199, 9, 6.2], ["E01000002", 0, 9, 6.2], ["E01000003", 100, 11, 6.2],
        ["E01000004", 100, 3, 150], ["E01000005", 12.5, 3, 20]])
    result = load_file(wh, "iod", path)
    assert reasons(result) == {
        3: "Index of Multiple Deprivation (IMD) Rank 0 is outside 1-40,000 (a rank of LSOAs runs from 1 to the "
           "number of LSOAs, fewer than 40,000)",
        4: "Index of Multiple Deprivation (IMD) Decile 11 is outside 1-10 (a decile runs from 1 to 10)",
        5: "Index of Multiple Deprivation (IMD) Score 150 is outside 0-100 (an IMD score is a weighted sum of "
           "domain scores within 0-100; the published IoD2019 maximum is 92.7)",
        6: "Index of Multiple Deprivation (IMD) Rank 12.5 is not a whole number (a rank of LSOAs runs from 1 to the "
           "number of LSOAs, fewer than 40,000)",
    }
    assert wh.df("SELECT lsoa, rank, decile FROM lsoa_deprivation").values.tolist() == [["E01000001", 29199, 9]]


def test_population_negative_huge_and_outlier_counts_are_rejected(tmp_path, wh):
    header = ["lsoa21_code", "age_group", "usual_residents"]
    path = write_csv(tmp_path / "census2021_pop.csv", header, [
        ["E01000001", "Aged 4 years and under", 63], ["E01000001", "Aged 5 to 9 years", -63],
        ["E01000002", "Aged 4 years and under", "1e9"], ["E01000002", "Aged 5 to 9 years", 50000],
        ["E01000003", "Aged 5 to 9 years", "7,484"]])
    result = load_file(wh, "population", path)
    limit = ("is above 20,000, the most residents of one LSOA in one age band that is plausible (the largest in "
             "Census 2021 by LSOA and 6 age bands is 7,484)")
    assert reasons(result) == {3: "usual_residents -63 is negative: a count cannot be below 0",
                               4: f"usual_residents 1e9 {limit}", 5: f"usual_residents 50000 {limit}"}
    assert wh.df("SELECT lsoa, population FROM lsoa_population ORDER BY lsoa").values.tolist() == [
        ["E01000001", 63], ["E01000003", 7484]]


def test_flows_outlier_and_parts_above_pupils_are_rejected(tmp_path, wh):
    header = ["urn", "lsoa", "pupils", "fsm", "sen", "cin", "year"]
    path = write_csv(tmp_path / "flows.csv", header, [
        [100001, "E01000001", 12, 3, 1, 0, 2022], [100001, "E01000002", "1e12", 0, 0, 0, 2022],
        [100001, "E01000003", 5, 0, 0, 9, 2022], [100001, "E01000004", 2.5, 0, 0, 0, 2022],
        [100001, "E01000005", 5, 0, 6, 0, 2022]])
    result = load_file(wh, "flows", path)
    assert reasons(result) == {
        3: "pupils 1e12 is above 10,000, the most pupils of one school living in one LSOA that is plausible (a "
           "flow cannot exceed one school's roll; the largest real roll is 3,467)",
        4: "cin 9 is more than pupils 5",
        5: "pupils 2.5 is not a whole number of people",
        6: "sen 6 is more than pupils 5",
    }
    assert wh.df("SELECT lsoa, pupils FROM flows").values.tolist() == [["E01000001", 12]]


def test_cin_la_counts_negative_or_beyond_the_level_limit_are_rejected(tmp_path, wh):
    header = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
              "region_name", "new_la_code", "la_name", "category", "At31_episodes"]
    base = ["Reporting year", "Local authority", "E92000001", "England", "E12000004", "East Midlands"]
    path = write_csv(tmp_path / "b1_children_in_need.csv", header, [
        [2023, *base, "E06000001", "One", "Children in Need", 686],
        [2023, *base, "E06000002", "Two", "Children in Need", -5],
        [2023, *base, "E06000003", "Three", "Children in Need", 250000],
        [2023, "Reporting year", "National", "E92000001", "England", "", "", "", "", "Children in Need", 404710]])
    result = load_file(wh, "cin", path)
    assert reasons(result) == {
        3: "At31_episodes -5 is negative: a count cannot be below 0",
        4: "At31_episodes 250000 is above 100,000, the most children in need in one local authority that is "
           "plausible (the largest in table B1 2013-2025 is 11,925)",
    }
    assert sorted(wh.df("SELECT value FROM area_statistics").value) == [686, 404710]


def test_missing_value_codes_are_named_in_the_reason(tmp_path, wh):
    path = write_csv(tmp_path / "cin.csv", ["urn", "year", "cin", "pupils"], [[100001, 2022, -99, 500]])
    result = load_file(wh, "cin-schools", path)
    assert reasons(result) == {2: "CIN count -99 is negative: a missing-value code? leave the cell empty or write x "
                                  "for a missing count"}


TABULAR = ("gias", "gias-groups", "gias-links", "spc", "sen", "cin", "iod", "population")


def test_no_real_row_breaks_a_rule(real):
    """The limits were set from the real files: every real tabular file of these sources loads with no reject."""
    from real_files import REAL_FILES
    from repaudit.load import SOURCES

    checked = 0
    for source, name, options in REAL_FILES:
        if source in TABULAR:
            result = SOURCES[source].read(real / name, **options)
            assert result.rows_rejected == 0, (name, result.rejects.reason.value_counts().head().to_dict())
            checked += 1
    assert checked == 12
