"""lsoa-centroids: the ONS 2021 population-weighted centroids (x, y in EPSG:27700), 2011 lon/lat centroids
projected with pyproj, GeoJSON points, and bad input."""
import geopandas as gpd
import pandas as pd
import pytest
from geo_helpers import CRS84, feature, square, write_geojson

from repaudit.errors import GeometryError, MissingColumnError, WrongSourceError
from repaudit.load import load_file
from repaudit.sources import lsoa_centroids

PWC = "geography/LSOA_Dec_2021_PWC_EW.csv.gz"
LONLAT = "geography/lsoa2011_centroids_EW_hack25usefuldata.csv.gz"


def point(wh, lsoa):
    return wh.df("SELECT easting, northing, lsoa_vintage FROM lsoa_centroids WHERE lsoa = ?", [lsoa]).iloc[0]


def test_population_weighted_centroids(real, wh):
    result = load_file(wh, "lsoa-centroids", real / PWC)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (35672, 35672, 0)
    assert result.rows_unaccounted == 0
    first = point(wh, "E01000001")
    assert (first.easting, first.northing, first.lsoa_vintage) == (532181.7642, 181792.2818, 2021)
    assert point(wh, "W01001958").easting == 266189.3933
    assert point(wh, "E01035762").lsoa_vintage == 2021                   # a code that exists only in 2021


def test_lonlat_centroids_are_projected_to_british_national_grid(real, wh):
    result = load_file(wh, "lsoa-centroids", real / LONLAT)
    assert (result.rows_read, result.rows_loaded) == (34753, 34753)
    raw = pd.read_csv(real / LONLAT)
    check = gpd.GeoSeries(gpd.points_from_xy(raw.longitude, raw.latitude), crs=4326).to_crs(27700)
    ours = wh.df("SELECT lsoa, easting, northing, lsoa_vintage FROM lsoa_centroids").set_index("lsoa")
    ours = ours.loc[raw.lsoa11_code]
    assert (ours.easting.to_numpy() - check.x.to_numpy()).__abs__().max() < 1e-6
    assert (ours.northing.to_numpy() - check.y.to_numpy()).__abs__().max() < 1e-6
    assert set(ours.lsoa_vintage) == {2011}


def test_a_projected_centroid_lies_near_the_population_weighted_one(real, wh):
    load_file(wh, "lsoa-centroids", real / LONLAT)
    geometric = point(wh, "E01000001")
    # ONS 2021 population-weighted centroid of the unchanged LSOA E01000001 (City of London 001A).
    distance = ((geometric.easting - 532181.7642) ** 2 + (geometric.northing - 181792.2818) ** 2) ** 0.5
    assert 10 < distance < 400


def test_loading_twice_leaves_the_same_rows(real, wh):
    query = "SELECT * EXCLUDE (loaded_at) FROM lsoa_centroids ORDER BY lsoa"
    load_file(wh, "lsoa-centroids", real / PWC)
    first = wh.df(query)
    load_file(wh, "lsoa-centroids", real / PWC)
    assert wh.df(query).equals(first)


def test_geojson_points_in_crs84(tmp_path, wh):
    path = write_geojson(tmp_path / "c.geojson", [
        feature({"LSOA21CD": "E01000001"}, {"type": "Point", "coordinates": [-0.09714, 51.5182]}),
        feature({"LSOA21CD": "E01000002"}, None),
    ], crs=CRS84)
    result = load_file(wh, "lsoa-centroids", path)
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    expected = gpd.GeoSeries(gpd.points_from_xy([-0.09714], [51.5182]), crs=4326).to_crs(27700)
    got = point(wh, "E01000001")
    assert (got.easting, got.northing) == (pytest.approx(expected.x[0]), pytest.approx(expected.y[0]))
    assert wh.df("SELECT row_number FROM rejects").row_number.tolist() == [2]


def test_xy_columns_holding_degrees_are_read_as_lonlat(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("LSOA21CD,x,y\nE01000001,-0.09714,51.5182\n")
    result = lsoa_centroids.read(path)
    assert result.tables[0].frame.easting[0] == pytest.approx(532125, abs=5)
    assert any("hold degrees" in n for n in result.notes)


def test_bad_rows_are_rejected(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("LSOA21CD,x,y\nE01000001,532181.7,181792.3\nE01000002,abc,181000\n"
                    "E01000003,9000000,181000\nE01000001,532000,181000\nM01,532000,181000\n")
    result = lsoa_centroids.read(path)
    assert result.rows_loaded == 1
    assert list(result.rejects.row_number) == [3, 4, 5, 6]
    assert list(result.rejects.reason) == ["x 'abc' is not a number",
                                           "x 9,000,000, y 181,000 lies in the sea or outside Great Britain "
                                           "(8,345 km from the coast of England and Wales)",
                                           "duplicate LSOA code E01000001 (first on row 2)",
                                           "'M01' is not an LSOA code (E01/W01 + 6 digits)"]


def test_wrong_crs_puts_every_point_outside_england_and_wales(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("LSOA21CD,x,y\nE01000001,532181.7,181792.3\n")
    with pytest.raises(GeometryError, match="every point lies outside England and Wales .* Pass --crs"):
        lsoa_centroids.read(path, crs="EPSG:3857")


def test_missing_coordinates_list_the_columns_found(real, wh):
    with pytest.raises(MissingColumnError) as err:
        load_file(wh, "lsoa-centroids", real / "geography/LSOA11_to_LSOA21_to_LAD22_Lookup_EW.csv.gz")
    assert "x and y (or longitude and latitude)" in str(err.value) and "Columns found: F_LSOA11CD" in str(err.value)


def test_polygons_are_the_wrong_kind_of_file(tmp_path):
    path = write_geojson(tmp_path / "p.geojson", [feature({"LSOA21CD": "E01000001"}, square(530000, 180000))])
    with pytest.raises(WrongSourceError, match="lsoa-boundaries"):
        lsoa_centroids.read(path)
