"""Real local authority outlines: `repaudit load la-boundaries` reads ONS-style files (codes, names or both),
refuses what is not an area, and the national map dissolves districts into the LA their schools belong to."""
import shutil

import pytest
import shapely

from geo_helpers import feature, square, write_geojson
from repaudit.cli import cli
from repaudit.load import load_file
from repaudit.maps.areas import boundary_outlines
from repaudit.warehouse import Warehouse

KM = 1000.0


def _schools(wh, rows):
    for urn, la_name, lad_code, lsoa in rows:
        wh.con.execute("insert into schools (urn, name, la_name, lad_code, lsoa) values (?, ?, ?, ?, ?)",
                       [urn, f"School {urn}", la_name, lad_code, lsoa])


def test_districts_dissolve_into_their_county_and_a_unitary_stays_itself(tmp_path, wh):
    # a county of two districts side by side, and a unitary to the east; codes in the file
    path = write_geojson(tmp_path / "lad.geojson", [
        feature({"LAD22CD": "E07000001", "LAD22NM": "West District"}, square(500 * KM, 100 * KM, 10 * KM)),
        feature({"LAD22CD": "E07000002", "LAD22NM": "East District"}, square(510 * KM, 100 * KM, 10 * KM)),
        feature({"LAD22CD": "E06000009", "LAD22NM": "Seaton"}, square(520 * KM, 100 * KM, 10 * KM))])
    result = load_file(wh, "la-boundaries", path)
    assert result.rows_loaded == 3
    _schools(wh, [(1, "Countyshire", "E07000001", None), (2, "Countyshire", "E07000002", None),
                  (3, "Seaton", "E06000009", None)])
    shapes = boundary_outlines(wh)
    assert set(shapes) == {"Countyshire", "Seaton"}
    assert shapes["Countyshire"].area == pytest.approx(200 * KM * KM)            # both districts, one shape
    assert shapely.get_num_geometries(shapes["Countyshire"]) == 1                 # dissolved, not two parts
    assert shapes["Seaton"].area == pytest.approx(100 * KM * KM)


def test_a_file_with_names_only_is_matched_through_the_lsoa_lookup(tmp_path, wh):
    path = write_geojson(tmp_path / "names.geojson", [
        feature({"LAD22NM": "West District"}, square(500 * KM, 100 * KM, 10 * KM)),
        feature({"LAD22NM": "Seaton"}, square(520 * KM, 100 * KM, 10 * KM))])
    result = load_file(wh, "la-boundaries", path)
    assert any("no area codes" in n for n in result.notes)
    wh.con.execute("insert into lsoa_lookup (lsoa11, lsoa21, lad_code, lad_name) values "
                   "('E01000001', 'E01000001', 'E07000001', 'West District')")
    _schools(wh, [(1, "Countyshire", None, "E01000001"), (3, "Seaton", None, None)])
    assert set(boundary_outlines(wh)) == {"Countyshire", "Seaton"}     # by district name, and by LA name


def test_rows_that_are_not_areas_are_rejected_with_reasons(tmp_path, wh):
    path = write_geojson(tmp_path / "bad.geojson", [
        feature({"LAD22CD": "E07000001", "LAD22NM": "Fine"}, square(500 * KM, 100 * KM, 10 * KM)),
        feature({"LAD22CD": "=1+1", "LAD22NM": "Formula"}, square(510 * KM, 100 * KM, 10 * KM)),
        feature({"LAD22CD": "", "LAD22NM": ""}, square(520 * KM, 100 * KM, 10 * KM)),
        feature({"LAD22CD": "E07000001", "LAD22NM": "Again"}, square(530 * KM, 100 * KM, 10 * KM))])
    result = load_file(wh, "la-boundaries", path)
    reasons = " | ".join(result.rejects["reason"])
    assert result.rows_loaded == 1 and len(result.rejects) == 3
    assert "'=1+1' is not an ONS area code" in reasons and "neither a code nor a name" in reasons
    assert "repeated" in reasons or "more than once" in reasons or "duplicate" in reasons


def test_a_file_without_codes_or_names_is_an_error(tmp_path, runner):
    path = write_geojson(tmp_path / "anon.geojson", [feature({"colour": "red"}, square(500 * KM, 100 * KM))])
    res = runner.invoke(cli, ["load", "la-boundaries", str(path), "--db", str(tmp_path / "w.duckdb")])
    assert res.exit_code == 1
    assert res.output.startswith(f"Error: {path}: has no area code or name property")


def wh_names(db):
    with Warehouse(db, read_only=True) as wh:
        return wh.con.execute("select name from la_boundaries").fetchall()


def test_the_real_outlines_cover_every_english_la_of_the_national_warehouse(real, national_db, tmp_path):
    db = tmp_path / "england.duckdb"
    shutil.copy(national_db, db)
    with Warehouse(db) as wh:
        result = load_file(wh, "la-boundaries", real / "geography/LAD22_outlines_EW.geojson.gz")
        assert result.rows_loaded == 327 and result.rejects.empty
        shapes = boundary_outlines(wh)
        english = {r[0] for r in wh.con.execute(
            "select distinct la_name from schools where la_code between '201' and '938' and la_code not like '7%' "
            "and la_name not in ('Isles Of Scilly')").fetchall()}
        kent_districts = wh.con.execute("select count(*) from la_boundaries where name in ('Ashford', 'Canterbury', "
                                        "'Dover', 'Maidstone', 'Thanet', 'Swale')").fetchone()[0]
    named = {r[0] for r in wh_names(db)}
    # every English LA takes its real outline, except those the file leaves out (it has 327 of the 331
    # districts of 2022), which keep the outline built from their schools on the map
    assert english - set(shapes) == {la for la in english if la not in named and la not in set(shapes)}
    assert len(english - set(shapes)) <= 4 and len(english) >= 150
    assert kent_districts == 6
    kent, medway = shapes["Kent"], shapes["Medway"]
    assert kent.intersection(medway).area < 0.02 * medway.area     # a unitary is not swallowed by its county
                                                                    # (only simplified edges overlap)
    assert 3_000 * KM * KM < kent.area < 4_000 * KM * KM            # Kent (without Medway) is about 3,540 km²
    assert 70 * KM * KM < shapes["Brighton and Hove"].area < 90 * KM * KM   # about 83 km²


def test_the_national_map_draws_the_loaded_outlines_and_says_so(tmp_path, wh):
    from map_page import element_arguments
    from repaudit.maps import write_map
    from test_map_national import national_example

    path = write_geojson(tmp_path / "la.geojson", [
        feature({"name": "Brighton and Hove"}, square(525 * KM, 100 * KM, 15 * KM)),
        feature({"name": "Lewes"}, square(540 * KM, 100 * KM, 20 * KM))])
    load_file(wh, "la-boundaries", path)
    _schools(wh, [(1, "Brighton and Hove", None, None), (2, "Lewes", None, None)])
    html = write_map(national_example(), tmp_path / "n.html", wh).read_text(encoding="utf-8")
    features = {f["properties"]["a"]: f for f in element_arguments(html, "AreaLayer")[0]["features"]}
    lewes = shapely.geometry.shape(features["Lewes"]["geometry"])
    from pyproj import Transformer
    to_lonlat = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    expected = shapely.Polygon([to_lonlat.transform(x * KM, y * KM)
                                for x, y in ((540, 100), (560, 100), (560, 120), (540, 120))])
    assert lewes.symmetric_difference(expected).area < 0.02 * expected.area   # the square, in lon/lat
    setup = element_arguments(html, "RepauditSetup")[0]
    assert setup["areas"]["note"] == "Local authority outlines: the loaded boundary file, simplified."
    without = write_map(national_example(), tmp_path / "v.html").read_text(encoding="utf-8")
    assert element_arguments(without, "RepauditSetup")[0]["areas"]["note"].startswith("Outlines are approximate")
