"""population: the Census 2021 LSOA table by six age bands (long format), wide NOMIS and sex-split ONS
layouts, age-band labels, and bad input."""
import csv
import gzip
from collections import defaultdict

import pytest

from repaudit.errors import MissingColumnError, WrongSourceError
from repaudit.load import load_file
from repaudit.sources import population
from repaudit.sources.age_bands import age_range, is_total
from repaudit.warehouse import Warehouse

CENSUS = "population/census2021_lsoa21_usual_residents_by_age6.csv.gz"


_LOADED = {}


@pytest.fixture
def census(real):
    """The Census table (214,032 rows) loaded once for this module: (warehouse, load result)."""
    if not _LOADED:
        wh = Warehouse(":memory:")
        _LOADED["census"] = (wh, load_file(wh, "population", real / CENSUS))
    return _LOADED["census"]


def test_census_2021_table(census):
    wh, result = census
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (214032, 214032, 0)
    assert result.rows_unaccounted == 0
    brighton = wh.df("SELECT age_band, age_min, age_max, population, year, lsoa_vintage FROM lsoa_population "
                     "WHERE lsoa = 'E01016969' ORDER BY age_min")
    assert brighton.population.tolist() == [151, 337, 465, 361, 296, 233]
    assert brighton.age_min.tolist() == [0, 16, 25, 35, 50, 65]
    assert brighton.age_max.iloc[:5].tolist() == [15, 24, 34, 49, 64] and brighton.age_max.isna().iloc[5]
    assert set(brighton.year) == {2021} and set(brighton.lsoa_vintage) == {2021}


def test_census_totals_match_an_independent_reading(real, census):
    wh, _ = census
    totals = defaultdict(float)
    with gzip.open(real / CENSUS, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            totals[row["age_group"]] += float(row["usual_residents"])
    ours = dict(wh.df("SELECT age_band, sum(population) FROM lsoa_population GROUP BY 1").values)
    assert ours == totals
    assert sum(totals.values()) == pytest.approx(59_597_542, rel=1e-4)  # Census 2021, England and Wales
    assert wh.df("SELECT count(DISTINCT lsoa) n FROM lsoa_population").n[0] == 35672


def test_loading_twice_leaves_the_same_rows(real, census):
    wh, _ = census
    query = "SELECT * EXCLUDE (loaded_at) FROM lsoa_population WHERE lsoa LIKE 'E0101%' ORDER BY lsoa, age_band"
    first = wh.df(query)
    load_file(wh, "population", real / CENSUS)
    assert wh.df(query).equals(first) and wh.count("lsoa_population") == 214032


def test_wide_nomis_table(tmp_path):
    path = tmp_path / "nomis_ts007a.csv"
    path.write_text('date,geography,geography code,Age: Total,Age: Aged 4 years and under,Age: Aged 5 to 9 years,'
                    'Age: Aged 85 years and over\n'
                    '2021,City of London 001A,E01000001,"1,478",30,25,40\n'
                    '2021,City of London 001B,E01000002,1382,x,20,35\n')
    result = population.read(path, year=2021)
    frame = result.tables[0].frame.sort_values(["lsoa", "age_min"])
    assert frame.age_band.tolist()[:3] == ["Age: Aged 4 years and under", "Age: Aged 5 to 9 years",
                                           "Age: Aged 85 years and over"]
    assert frame.age_min.tolist()[:3] == [0, 5, 85] and frame.age_max.tolist()[:2] == [4, 9]
    assert frame.population.tolist()[:3] == [30, 25, 40]
    assert frame.population.isna().tolist()[3] and len(frame) == 6
    assert (result.rows_read, result.rows_loaded, result.rows_unaccounted) == (2, 2, 0)


def test_wide_sex_split_single_years_are_summed(tmp_path):
    path = tmp_path / "sapelsoasyoa_mid-2022.csv"
    path.write_text("LAD 2021 Code,LSOA 2021 Code,LSOA 2021 Name,Total,F0,F1,F90+,M0,M1,M90+\n"
                    "E09000001,E01000001,City of London 001A,100,3,4,5,6,7,8\n")
    result = population.read(path)
    frame = result.tables[0].frame.set_index("age_band")
    assert frame.population.to_dict() == {"0": 9, "1": 11, "90+": 13}
    assert frame.loc["90+", "age_min"] == 90 and frame.age_max.isna().tolist() == [False, False, True]
    assert set(frame.year) == {2022}


def test_bad_rows_are_rejected_with_reasons(tmp_path):
    path = tmp_path / "census2021_pop.csv"
    path.write_text("lsoa21_code,age_group,usual_residents\n"
                    "E01000001,Aged 15 years and under,125\n"
                    "E01000001,Total,1000\n"
                    "E01000001,Teenagers,50\n"
                    "E01000001,Aged 16 to 24 years,lots\n"
                    "E01000001,Aged 15 years and under,125\n"
                    "E02000001,Aged 15 years and under,900\n")
    result = population.read(path)
    assert (result.rows_read, result.rows_loaded, result.rows_skipped, result.rows_rejected) == (6, 1, 1, 4)
    assert result.rows_unaccounted == 0
    assert "1 all-ages total rows skipped: the bands are loaded, their total is not" in result.notes
    assert list(result.rejects.row_number) == [4, 5, 6, 7]
    reasons = list(result.rejects.reason)
    assert reasons[0].startswith("age band 'Teenagers' not understood")
    assert reasons[1] == "usual_residents 'lots' is not a number"
    assert reasons[2] == "duplicate LSOA and age band E01000001, Aged 15 years and under (first on row 2)"
    assert reasons[3] == "'E02000001' is not an LSOA code (E01/W01 + 6 digits)"


def test_no_age_information_lists_the_columns_found(real, wh):
    with pytest.raises(MissingColumnError, match="an age column .* Columns found: FID, LSOA21CD, GlobalID, x, y"):
        load_file(wh, "population", real / "geography/LSOA_Dec_2021_PWC_EW.csv.gz")


def test_a_geometry_file_is_refused(real):
    with pytest.raises(WrongSourceError, match="geometry file"):
        population.read(real / "brighton/catchments/catchulator_catchment_z.geojson")


@pytest.mark.parametrize("label, expected", [
    ("Aged 15 years and under", (0, 15)),
    ("Aged 16 to 24 years", (16, 24)),
    ("Aged 65 years and over", (65, None)),
    ("Age: Aged 4 years and under", (0, 4)),
    ("Aged under 1 year", (0, 0)),
    ("90+", (90, None)),
    ("0-4", (0, 4)),
    ("7", (7, 7)),
    ("Aged 1 year", (1, 1)),
    ("Teenagers", None),
    ("Aged 24 to 16 years", None),
    ("2021", None),
])
def test_age_labels(label, expected):
    assert age_range(label) == expected


def test_total_labels():
    assert is_total("Age: Total") and is_total("All usual residents") and not is_total("Aged 7 years")
