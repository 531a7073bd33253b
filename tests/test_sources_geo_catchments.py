"""catchments: the real Brighton and Hove catchment files (CRS84 and EPSG:27700), URNs from --urn-map or a
property, repaired polygons, and bad input."""
import json

import pytest
import shapely
from geo_helpers import BNG, feature, square, write_geojson
from pyproj import Transformer

from repaudit.cli import cli
from repaudit.errors import InputFileError, MissingColumnError, WrongSourceError
from repaudit.load import load_file
from repaudit.sources import catchments

OPTION_Z = "brighton/catchments/catchulator_catchment_z.geojson"
OPTION_Z_BNG = "brighton/catchments/dennett_optionZ_Mar25_epsg27700.geojson"
# GIAS edubasealldata20250524 easting/northing of three Brighton and Hove secondary schools.
PATCHAM_HIGH = (530717, 108617)       # URN 114608
LONGHILL_HIGH = (536239, 103942)      # URN 114581
VARNDEAN = (531232, 107295)           # URN 114579


def containing(wh, layer, xy):
    return wh.df("SELECT name FROM catchments WHERE layer = ? AND ST_Contains(geom, ST_Point(?, ?))",
                 [layer, *xy]).name.tolist()


@pytest.mark.parametrize("name, layer", [(OPTION_Z, "catchulator_catchment_z"),
                                         (OPTION_Z_BNG, "dennett_optionZ_Mar25_epsg27700")])
def test_option_z_catchments_contain_their_schools(real, wh, name, layer):
    result = load_file(wh, "catchments", real / name)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected, result.rows_unaccounted) == (6, 6, 0, 0)
    names = wh.df("SELECT catchment_id, name FROM catchments ORDER BY catchment_id::INT")
    assert names.name.tolist() == ["VarndeanStringer", "Patcham", "BACA", "Longhill", "HoveBlatchington", "PACA"]
    assert containing(wh, layer, PATCHAM_HIGH) == ["Patcham"]
    assert containing(wh, layer, LONGHILL_HIGH) == ["Longhill"]
    assert containing(wh, layer, VARNDEAN) == ["VarndeanStringer"]


def test_crs84_polygon_area_matches_an_independent_projection(real, wh):
    load_file(wh, "catchments", real / OPTION_Z)
    doc = json.loads((real / OPTION_Z).read_text())
    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    patcham = next(f for f in doc["features"] if f["properties"]["catchment"] == "Patcham")
    rings = [[[to_bng.transform(x, y) for x, y in ring] for ring in polygon]
             for polygon in patcham["geometry"]["coordinates"]]
    expected = shapely.MultiPolygon([shapely.Polygon(r[0], r[1:]) for r in rings]).area
    ours = wh.df("SELECT ST_Area(geom) a FROM catchments WHERE name = 'Patcham'").a[0]
    assert ours == pytest.approx(expected, rel=1e-9)
    assert 10e6 < ours < 13e6                                             # about 11.4 km2


def test_invalid_catchment_is_repaired_and_reported(real, wh):
    result = load_file(wh, "catchments", real / "brighton/catchments/catchulator_catchment_03.geojson")
    assert result.rows_loaded == 8 and "1 invalid geometries repaired with make_valid (features 7)" in result.notes
    assert wh.df("SELECT count(*) n FROM catchments WHERE NOT ST_IsValid(geom)").n[0] == 0


def test_urn_map_names_the_school_of_each_catchment(real, tmp_path, wh):
    urn_map = tmp_path / "urns.csv"
    urn_map.write_text("name,urn\nPatcham,114608\nlonghill,114581\nNowhere,100000\n")
    result = load_file(wh, "catchments", real / OPTION_Z, urn_map=urn_map)
    urns = dict(wh.df("SELECT name, urn FROM catchments WHERE urn IS NOT NULL").values)
    assert urns == {"Patcham": 114608, "Longhill": 114581}
    assert "--urn-map gave a URN to 2 of 6 catchments" in result.notes
    assert "--urn-map names matching no catchment in this file: nowhere" in result.notes


def test_urn_property_is_used(tmp_path):
    path = write_geojson(tmp_path / "own.geojson", [feature({"name": "North", "URN": 114608}, square(530000, 108000)),
                                                    feature({"name": "South", "URN": None}, square(530000, 100000))])
    frame = catchments.read(path).tables[0].frame
    assert frame.urn.tolist()[0] == 114608 and frame.urn.isna().tolist() == [False, True]
    assert frame.layer.tolist() == ["own", "own"] and frame.catchment_id.tolist() == ["1", "2"]


def test_loading_twice_leaves_the_same_rows(real, wh):
    query = "SELECT layer, catchment_id, name, urn, ST_AsWKB(geom) w, source_file FROM catchments ORDER BY 1, 2"
    load_file(wh, "catchments", real / OPTION_Z)
    first = wh.df(query)
    load_file(wh, "catchments", real / OPTION_Z)
    assert wh.df(query).equals(first)


def test_urn_map_with_two_urns_for_one_name_is_refused(real, tmp_path):
    urn_map = tmp_path / "urns.csv"
    urn_map.write_text("name,urn\nVarndeanStringer,114579\nVarndeanStringer,114580\n")
    with pytest.raises(InputFileError, match="row 3: catchment 'varndeanstringer' is given two URNs"):
        catchments.read(real / OPTION_Z, urn_map=urn_map)


def test_urn_map_with_a_bad_urn_names_the_row(real, tmp_path):
    urn_map = tmp_path / "urns.csv"
    urn_map.write_text("name,urn\nPatcham,114608\nBACA,unknown\n")
    with pytest.raises(InputFileError, match="row 3, column 'urn': URN 'unknown' is not a whole number"):
        catchments.read(real / OPTION_Z, urn_map=urn_map)


def test_missing_name_property_lists_the_columns_found(tmp_path, wh):
    path = write_geojson(tmp_path / "n.geojson", [feature({"colour": "red"}, square(530000, 108000))])
    with pytest.raises(MissingColumnError, match="missing column.* catchment. Columns found: colour"):
        load_file(wh, "catchments", path)


def test_points_are_the_wrong_kind_of_file(tmp_path):
    point = {"type": "Point", "coordinates": [530000, 100000]}
    path = write_geojson(tmp_path / "p.geojson", [feature({"name": "A"}, point)], crs=BNG)
    with pytest.raises(WrongSourceError, match="points"):
        catchments.read(path)


def test_cli_loads_a_catchment_file_with_an_urn_map(real, tmp_path, runner):
    urn_map = tmp_path / "urns.csv"
    urn_map.write_text("catchment,urn\nPatcham,114608\n")
    out = runner.invoke(cli, ["load", "catchments", str(real / OPTION_Z_BNG), "--urn-map", str(urn_map),
                              "--db", str(tmp_path / "w.duckdb")])
    assert out.exit_code == 0, out.output
    counts = "6 rows read = 6 loaded + 0 rejected + 0 skipped -> catchments (6 rows)"
    assert f"dennett_optionZ_Mar25_epsg27700.geojson: {counts}" in out.output
    assert "note: --urn-map gave a URN to 1 of 6 catchments" in out.output


def test_catchments_without_a_known_school_are_named(tmp_path, wh):
    wh.con.execute("INSERT INTO schools (urn, name) VALUES (114608, 'Patcham High School')")
    path = write_geojson(tmp_path / "c.geojson", [feature({"name": "North", "URN": 114608}, square(530000, 108000)),
                                                  feature({"name": "East", "URN": 999999}, square(536000, 104000)),
                                                  feature({"name": "South"}, square(530000, 100000))])
    result = load_file(wh, "catchments", path)
    assert result.rows_loaded == 3
    assert result.notes == [
        "1 catchment with no school URN (kept; the catchment model gives each to the schools standing inside it; "
        "name the school with --urn-map): 'South'",
        "1 catchment whose URN is not a school in the warehouse (kept, but no school is matched to it by URN; load "
        "the GIAS file that has it or correct the URN): 'East (URN 999999)'"]


def test_a_catchment_in_the_sea_is_rejected(tmp_path, wh):
    path = write_geojson(tmp_path / "c.geojson", [feature({"name": "North"}, square(530000, 108000)),
                                                  feature({"name": "Offshore"}, square(720000, 250000))])
    result = load_file(wh, "catchments", path)
    assert list(result.rejects.row_number) == [2] and result.rows_loaded == 1


def test_a_formula_urn_and_an_endless_name_are_rejected_and_counted(tmp_path, wh):
    path = write_geojson(tmp_path / "c.geojson", [feature({"name": "North", "URN": "=1+1"}, square(530000, 108000)),
                                                  feature({"name": "Zone " * 400, "URN": 1}, square(531000, 108000)),
                                                  feature({"name": "South", "URN": 2}, square(532000, 108000))])
    result = load_file(wh, "catchments", path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected, result.rows_unaccounted) == (3, 1, 2, 0)
    assert result.rejects.reason.tolist() == ["URN '=1+1' is not a number",
                                              "the catchment name is 1,999 characters long (more than 1,000): not a name"]
    assert wh.df("SELECT name FROM catchments").name.tolist() == ["South"]
