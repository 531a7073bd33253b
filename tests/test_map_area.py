"""A map of one area carries only the community data of that area and its neighbours, not the country's."""
from audit_examples import example_result, with_lsoas
from map_page import element_arguments
from repaudit.maps import map_page
from repaudit.maps.community import MARGIN_KM, area_box
from repaudit.maps.features import drawable

# Brighton (the example's schools lie around 530000, 105000), Lewes next door, and Manchester far away
CENTROIDS = {"E01000001": (530000, 105000), "E01000002": (541500, 110000), "E01005000": (384000, 398000)}


def _result():
    return with_lsoas(example_result(("fsm",), model="residential"), {
        "E01000001": ("fsm", 0.12, 150.0), "E01000002": ("fsm", 0.30, 200.0), "E01005000": ("fsm", 0.40, 90.0)})


def _community_codes(html):
    return {f["properties"]["l"] for f in element_arguments(html, "SharedData")[0]["features"]}


def test_area_box_is_the_schools_extent_widened_by_the_margin():
    drawn = drawable(example_result(("fsm",)).schools)
    west, south, east, north = area_box(drawn)
    assert round((drawn["lat"].min() - south) * 111.0, 6) == MARGIN_KM
    assert round((north - drawn["lat"].max()) * 111.0, 6) == MARGIN_KM
    assert west < drawn["lon"].min() and east > drawn["lon"].max()


def test_la_map_carries_its_own_and_neighbouring_lsoas_only(wh):
    for code, (e, n) in CENTROIDS.items():
        wh.con.execute(f"INSERT INTO lsoa_centroids (lsoa, easting, northing) VALUES ('{code}', {e}, {n})")
    result = _result()
    assert result.meta["filters"]["la"] == "Brighton and Hove"
    assert _community_codes(map_page(result, wh)) == {"E01000001", "E01000002"}
    result.meta["filters"] = {}                          # a national map keeps every LSOA
    assert _community_codes(map_page(result, wh)) == set(CENTROIDS)


def test_with_boundaries_only_the_polygons_near_the_area_are_kept(wh):
    for code, (e, n) in CENTROIDS.items():
        wh.con.execute(f"INSERT INTO lsoa_boundaries (lsoa, geom) VALUES ('{code}', ST_GeomFromText("
                       f"'POLYGON(({e} {n}, {e + 400} {n}, {e + 400} {n + 400}, {e} {n + 400}, {e} {n}))'))")
    assert _community_codes(map_page(_result(), wh)) == {"E01000001", "E01000002"}
