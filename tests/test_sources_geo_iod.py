"""iod: the real IoD2019 files (File 7a scores, File 1-3 ranks and deciles), merging scores and ranks from
different files, 0-100 percentages, the edition year, and files of the wrong kind."""
import csv
import gzip

import pytest

from repaudit.errors import InputFileError, MissingColumnError, WrongSourceError
from repaudit.load import load_file
from repaudit.sources import iod

FILE_7A = "iod2019/File_7a_IoD2019_income_IDACI_IDAOPI_scores_EW.csv.gz"
FILE_3 = "iod2019/File_3_-_IoD2019_Supplementary_Indices_-_IDACI_and_IDAOPI.csv.gz"
FILE_1 = "iod2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"


def rows(path):
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def measure(wh, lsoa, name):
    return wh.df("SELECT score, rank, decile, lsoa_vintage, year, la_code FROM lsoa_deprivation "
                 "WHERE lsoa = ? AND measure = ?", [lsoa, name]).iloc[0]


def test_file_7a_idaci_scores_are_proportions(real, wh):
    result = load_file(wh, "iod", real / FILE_7A)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected, result.rows_unaccounted) == (34753, 34753, 0, 0)
    assert wh.df("SELECT count(*) n FROM lsoa_deprivation WHERE measure = 'idaci'").n[0] == 34753
    first = measure(wh, "E01000001", "idaci")
    assert first.score == pytest.approx(0.006) and (first.lsoa_vintage, first.year) == (2011, 2019)
    assert first.la_code == "E09000001"
    assert measure(wh, "E01000002", "idaci").score == pytest.approx(0.037)
    assert measure(wh, "E01000001", "income").score == pytest.approx(0.007)


def test_file_7a_mean_idaci_matches_an_independent_reading(real, wh):
    load_file(wh, "iod", real / FILE_7A)
    england = [float(r["IDACI Score"]) for r in rows(real / FILE_7A) if r["LSOA Code (2011)"].startswith("E")]
    ours = wh.df("SELECT count(*) n, avg(score) m, max(score) top FROM lsoa_deprivation "
                 "WHERE measure = 'idaci' AND lsoa LIKE 'E%'").iloc[0]
    assert ours.n == len(england) == 32844
    assert ours.m == pytest.approx(sum(england) / len(england), rel=1e-12) and ours.top == max(england)


def test_england_and_wales_ranks_are_not_passed_off_as_official(real):
    result = iod.read(real / FILE_7A)
    frame = result.tables[0].frame
    assert frame["rank"].isna().all()
    assert any("not the official (England-only) ones" in n for n in result.notes)


def test_file_3_official_ranks_and_deciles(real, wh):
    result = load_file(wh, "iod", real / FILE_3)
    assert (result.rows_read, result.rows_loaded, result.rows_unaccounted) == (32844, 32844, 0)
    assert wh.count("lsoa_deprivation") == 2 * 32844
    idaci = measure(wh, "E01000001", "idaci")
    assert (idaci["rank"], idaci.decile) == (32806, 10) and idaci.score != idaci.score   # NaN: no score here
    imd = measure(wh, "E01000001", "imd")
    assert (imd["rank"], imd.decile) == (29199, 9)
    assert wh.df("SELECT min(rank) lo, max(rank) hi FROM lsoa_deprivation WHERE measure = 'idaci'").iloc[0].tolist() \
        == [1, 32844]


def test_scores_from_file_7a_and_ranks_from_file_3_merge(real, wh):
    load_file(wh, "iod", real / FILE_7A)
    load_file(wh, "iod", real / FILE_3)
    idaci = measure(wh, "E01000001", "idaci")
    assert idaci.score == pytest.approx(0.006) and (idaci["rank"], idaci.decile) == (32806, 10)
    assert wh.df("SELECT count(*) n FROM lsoa_deprivation WHERE measure = 'idaci' AND score IS NOT NULL "
                 "AND rank IS NOT NULL AND lsoa LIKE 'E%'").n[0] == 32844


@pytest.mark.parametrize("order", [("scores", "ranks"), ("ranks", "scores")])
def test_merging_does_not_depend_on_the_order_of_loading(tmp_path, wh, order):
    files = {"scores": "LSOA code (2011),IDACI Score\nE01000001,0.006\nE01000002,0.037\n",
             "ranks": "LSOA code (2011),IDACI Rank,IDACI Decile\nE01000001,32806,10\n"}
    for kind in order:
        (tmp_path / f"IoD2019_{kind}.csv").write_text(files[kind])
        load_file(wh, "iod", tmp_path / f"IoD2019_{kind}.csv")
    got = wh.df("SELECT lsoa, score, rank, decile FROM lsoa_deprivation ORDER BY lsoa")
    assert got.score.tolist() == [0.006, 0.037]
    assert got["rank"].tolist()[0] == 32806 and got.decile.tolist()[0] == 10 and got["rank"].isna().tolist()[1]


def test_loading_twice_leaves_the_same_rows(real, wh):
    query = "SELECT * EXCLUDE (loaded_at) FROM lsoa_deprivation ORDER BY lsoa, measure"
    load_file(wh, "iod", real / FILE_1)
    first = wh.df(query)
    load_file(wh, "iod", real / FILE_1)
    assert wh.df(query).equals(first) and len(first) == 32844


def test_percentages_on_0_100_become_proportions(tmp_path, wh):
    path = tmp_path / "IoD2025_idaci_percent.csv"
    path.write_text("LSOA code (2021),IDACI Score (%)\nE01000001,0.6\nE01035000,13.4\nE01000003,45\n")
    result = load_file(wh, "iod", path)
    scores = wh.df("SELECT lsoa, score, lsoa_vintage, year FROM lsoa_deprivation ORDER BY lsoa")
    assert list(scores.score) == pytest.approx([0.006, 0.45, 0.134])
    assert set(scores.lsoa_vintage) == {2021} and set(scores.year) == {2025}
    assert any("0-100 scale" in n for n in result.notes)


def test_suppressed_and_bad_cells(tmp_path):
    path = tmp_path / "iod2019_small.csv"
    path.write_text("LSOA code (2011),IDACI Score,IDACI Rank\nE01000001,x,5\nE01000002,0.1,abc\nE01000003,0.2,7\n")
    result = iod.read(path)
    frame = result.tables[0].frame.set_index("lsoa")
    assert frame.loc["E01000001", "score"] != frame.loc["E01000001", "score"]      # 'x' -> missing, row kept
    assert frame.loc["E01000003", "rank"] == 7
    assert list(result.rejects.row_number) == [3]
    assert result.rejects.reason[0] == "IDACI Rank 'abc' is not a number"


def test_edition_comes_from_year_option_when_the_name_does_not_say(tmp_path, wh):
    path = tmp_path / "deprivation.csv"
    path.write_text("LSOA code (2011),IDACI Score\nE01000001,0.006\n")
    with pytest.raises(InputFileError, match="pass --year 2019"):
        load_file(wh, "iod", path)
    load_file(wh, "iod", path, year=2015)
    assert wh.df("SELECT year FROM lsoa_deprivation").year[0] == 2015


def test_population_denominators_are_not_an_iod_measure_file(real, wh):
    with pytest.raises(MissingColumnError) as err:
        load_file(wh, "iod", real / "iod2019/File_6_-_IoD2019_Population_Denominators.csv.gz")
    assert "an IDACI, IMD or Income score, rank or decile column" in str(err.value)
    assert "Dependent Children aged 0-15: mid 2015 (excluding prisoners)" in str(err.value)


def test_missing_lsoa_column_lists_the_columns_found(real, wh):
    with pytest.raises(MissingColumnError, match="Columns found: time_period, time_identifier"):
        load_file(wh, "iod", real / "cin/b1_children_in_need_2013_to_2025.csv.gz")


def test_a_geometry_file_is_refused(real):
    with pytest.raises(WrongSourceError, match="geometry file"):
        iod.read(real / "brighton/catchments/catchulator_catchment_z.geojson")


def test_empty_file(tmp_path):
    path = tmp_path / "IoD2019_empty.csv"
    path.write_text("")
    with pytest.raises(InputFileError, match="is empty"):
        iod.read(path)


@pytest.mark.parametrize("column, expected", [
    ("IDACI Score", ("idaci", "score")),
    ("Income Deprivation Affecting Children Index (IDACI) Rank (where 1 is most deprived)", ("idaci", "rank")),
    ("Income Deprivation Affecting Children Index (IDACI) Score (rate)", ("idaci", "score")),
    ("Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)", ("imd", "decile")),
    ("Income Score (rate)", ("income", "score")),
    ("Income Domain Rank (where 1 is most deprived)", ("income", "rank")),
    ("IDAOPI Score", None),
    ("Employment Rank (where 1 is most deprived)", None),
    ("LSOA code (2011)", None),
])
def test_measure_columns_are_recognised_in_any_release(column, expected):
    assert iod.measure_of(column) == expected


def test_official_xlsx_gives_the_same_rows_as_its_csv_export(real, wh):
    name = "iod2019/File_3_-_IoD2019_Supplementary_Indices_-_IDACI_and_IDAOPI"
    from_xlsx = iod.read(real / f"{name}.xlsx")
    from_csv = iod.read(real / f"{name}.csv.gz")
    assert from_xlsx.rows_read == 32844 and from_xlsx.rows_rejected == 0
    assert from_xlsx.tables[0].frame.equals(from_csv.tables[0].frame)
    load_file(wh, "iod", real / f"{name}.xlsx")
    assert (measure(wh, "E01000001", "idaci")["rank"], measure(wh, "E01000001", "idaci").decile) == (32806, 10)


def test_xlsx_without_an_lsoa_sheet_names_its_sheets(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["Title", "Indices of Deprivation"])
    book.save(tmp_path / "IoD2019_notes.xlsx")
    with pytest.raises(InputFileError, match="has no sheet with the expected columns .*'Notes'"):
        iod.read(tmp_path / "IoD2019_notes.xlsx")
