"""The map's data: palette classes, HTML-safe JSON, compact school features, community and catchment geometry."""
import json

import pandas as pd
import pytest

from audit_examples import XSS_SCRIPT, example_result, with_lsoas
from repaudit.maps.community import community_data
from map_page import layer_features, school_rows
from repaudit.maps.features import drawable, flagged_urns, indicator_columns, school_table
from repaudit.safe_text import script_json as safe_json
from repaudit.maps.geometry import catchment_polygons, lonlat
from repaudit.maps.palette import GAP_COLOURS, NO_DATA, gap_colour, gap_legend, rate_breaks, rate_colour, rate_edges


@pytest.mark.parametrize("gap, k", [(-40, 0), (-15.01, 0), (-15, 1), (-10, 2), (-5.5, 2), (-2.01, 3),
                                    (-2, 4), (0, 4), (1.99, 4), (2, 5), (10, 7), (15, 8), (60, 8)])
def test_gap_classes_are_centred_on_zero(gap, k):
    assert gap_colour(gap) == GAP_COLOURS[k]


def test_missing_gap_is_grey_and_legend_runs_from_under_to_over():
    assert gap_colour(None) == gap_colour(float("nan")) == NO_DATA
    labels = [label for _, label in gap_legend()]
    assert labels[0] == "below -15" and labels[4] == "within ±2" and labels[-1] == "+15 and above"


def test_rate_breaks_split_the_range_equally():
    breaks = rate_breaks([0.10, 0.35, 0.20])
    assert breaks == [0.15, 0.2, 0.25, 0.3]
    assert rate_edges([0.10, 0.35, 0.20]) == [0.1, 0.15, 0.2, 0.25, 0.3, 0.35]
    assert rate_colour(0.10, breaks) != rate_colour(0.34, breaks)


def test_safe_json_cannot_close_a_script_element():
    text = safe_json({"name": XSS_SCRIPT, "amp": "a & b"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"name": XSS_SCRIPT, "amp": "a & b"}


def test_lonlat_matches_a_known_point():
    # OS grid reference TQ 300 800 (530000, 180000) is by Charing Cross, about 51.50 N, 0.13 W: the order of
    # the axes (easting first, longitude first) is what this pins down
    lon, lat = lonlat([530000.0], [180000.0])
    assert lon[0] == pytest.approx(-0.128, abs=0.01) and lat[0] == pytest.approx(51.504, abs=0.01)


def test_school_features_carry_the_result_values_compactly():
    drawn = drawable(example_result().schools)
    assert sorted(drawn["urn"].unique()) == [900001, 900002, 900003, 900004, 900005]   # excluded ones left out
    table, index = school_table(drawn)
    rows = school_rows(table)
    fsm = layer_features(indicator_columns(drawn, "fsm", index), table)
    assert len(fsm) == 5
    alpha = next(f for f in fsm if rows[f["properties"]["i"]]["urn"] == 900001)
    p = alpha["properties"]
    assert (p["n"], p["s"], p["c"], p["g"], p["r"], p["f"], p["h"]) == (1000, 0.1, 0.2, -10.0, 0.5, 0, 100.0)
    assert p["z"] == pytest.approx(-0.1 / (0.2 * 0.8 / 1000) ** 0.5, abs=0.005)
    assert alpha["geometry"]["coordinates"] == [-0.14, 50.83]
    assert rows[p["i"]]["trust"] == "Sea Trust"
    assert flagged_urns(drawn) == [900001, 900002, 900003, 900005]   # FSM: 1 3 5; SEN: 2 (z +2.80), 3 (z -2.82)


def test_columns_travel_as_one_value_digits_or_a_list():
    from repaudit.maps.features import packed
    assert packed([3, 3, 3]) == 3 and packed(["Alpha", "Alpha"]) == "Alpha" and packed([None, None]) is None
    assert packed([0, 1, 2, 9]) == {"digits": "0129"}
    assert packed([0, 10]) == [0, 10] and packed([1, None]) == [1, None] and packed([1, -1]) == [1, -1]
    assert packed([]) == []


def test_the_leading_indicator_needs_no_row_index_and_decodes_to_the_same_schools():
    drawn = drawable(example_result().schools)
    plain_table, plain_index = school_table(drawn)
    lead_table, lead_index = school_table(drawn, "fsm")
    for indicator in ("fsm", "sen"):
        plain = layer_features(indicator_columns(drawn, indicator, plain_index), plain_table)
        lead_columns = indicator_columns(drawn, indicator, lead_index)
        assert (lead_columns["i"] is None) == (indicator == "fsm")
        lead = layer_features(lead_columns, lead_table)
        rows_plain, rows_lead = school_rows(plain_table), school_rows(lead_table)
        assert [(rows_plain[f["properties"].pop("i")], f) for f in plain] == \
            [(rows_lead[f["properties"].pop("i")], f) for f in lead]


def test_easting_northing_used_when_lat_lon_missing():
    schools = example_result().schools.drop(columns=["lat", "lon"])
    drawn = drawable(schools).set_index("urn")
    assert drawn.loc[900001, "lon"].iloc[0] == pytest.approx(-0.14, abs=1e-5)
    assert drawn.loc[900001, "lat"].iloc[0] == pytest.approx(50.83, abs=1e-5)


def _square(e, n, size=500):
    return f"POLYGON(({e} {n}, {e + size} {n}, {e + size} {n + size}, {e} {n + size}, {e} {n}))"


def test_community_layer_uses_polygons_then_centroids_then_schools(wh):
    result = with_lsoas(example_result(("fsm",), model="residential"), {
        "E01000001": ("fsm", 0.12, 150.0), "E01000002": ("fsm", 0.30, 200.0), "E01000003": ("fsm", 0.20, 90.0)})
    drawn = drawable(result.schools)
    assert community_data(result, None, ["fsm"], drawn)["kind"] == "schools"
    wh.con.execute("INSERT INTO lsoa_centroids (lsoa, easting, northing) VALUES "
                   "('E01000001', 530000, 105000), ('E01000002', 531000, 106000)")
    centroids = community_data(result, wh, ["fsm"], drawn)
    assert centroids["kind"] == "centroids" and centroids["missing"] == 1
    assert {f["properties"]["l"]: f["properties"]["fsm"] for f in centroids["geojson"]["features"]} == {
        "E01000001": 0.12, "E01000002": 0.30}
    for code, (e, n) in {"E01000001": (530000, 105000), "E01000002": (531000, 105000),
                         "E01000003": (532000, 105000)}.items():
        wh.con.execute(f"INSERT INTO lsoa_boundaries (lsoa, geom) VALUES ('{code}', ST_GeomFromText('{_square(e, n)}'))")
    polygons = community_data(result, wh, ["fsm"], drawn)
    assert polygons["kind"] == "polygons" and polygons["missing"] == 0
    ring = polygons["geojson"]["features"][0]["geometry"]["coordinates"][0]
    assert len(ring) == 5 and all(-0.2 < x < -0.1 and 50.8 < y < 50.9 for x, y in ring)
    assert polygons["breaks"]["fsm"] == [0.12, 0.156, 0.192, 0.228, 0.264, 0.3]


def test_community_layers_per_phase_when_lsoas_have_rates_for_several(wh):
    base = example_result(("fsm", "sen"), model="residential")
    base.lsoas = pd.DataFrame([
        {"lsoa": "E01000001", "indicator": "fsm", "phase": "primary", "rate": 0.12, "child_population": 100.0},
        {"lsoa": "E01000001", "indicator": "fsm", "phase": "secondary", "rate": 0.18, "child_population": 80.0},
        {"lsoa": "E01000001", "indicator": "sen", "phase": "primary", "rate": 0.10, "child_population": 100.0},
        {"lsoa": "E01000001", "indicator": "sen", "phase": "secondary", "rate": None, "child_population": 80.0}])
    wh.con.execute("INSERT INTO lsoa_centroids (lsoa, easting, northing) VALUES ('E01000001', 530000, 105000)")
    data = community_data(base, wh, ["fsm", "sen"], drawable(base.schools))
    assert [lay["key"] for lay in data["layers"]] == ["fsm_primary", "fsm_secondary", "sen"]
    assert data["geojson"]["features"][0]["properties"] == {"l": "E01000001", "fsm_primary": 0.12,
                                                            "fsm_secondary": 0.18, "sen": 0.10}


def test_catchment_outlines_only_for_the_schools_asked(wh):
    for urn, e in ((900001, 530500), (900004, 524000)):
        wh.con.execute(f"INSERT INTO catchments (layer, catchment_id, name, urn, geom) VALUES ('test', 'c{urn}', "
                       f"NULL, {urn}, ST_GeomFromText('{_square(e, 105000, 1000)}'))")
    outlines = catchment_polygons(wh, [900001, 900003])
    assert [f["properties"] for f in outlines["features"]] == [{"u": 900001, "n": "c900001"}]   # name falls back to id
    lon, lat = lonlat([530500.0], [105000.0])
    assert list(outlines["features"][0]["geometry"]["coordinates"][0][0]) == [lon[0], lat[0]]
    assert catchment_polygons(wh, [900003]) is None and catchment_polygons(None, [900001]) is None


def test_an_audited_school_without_a_location_is_left_off_the_map_and_said():
    from repaudit.maps import map_page
    from map_page import element_arguments

    result = example_result()
    unplaced = result.schools["urn"] == 900001
    result.schools.loc[unplaced, ["lat", "lon", "easting", "northing"]] = float("nan")
    assert (result.schools.loc[unplaced, "status"] == "audited").all()
    audited = set(result.schools.loc[result.schools["status"] == "audited", "urn"])
    drawn = drawable(result.schools)
    assert set(drawn["urn"]) == audited - {900001}
    config = element_arguments(map_page(result), "RepauditSetup")[0]
    assert {"kind": "unplaced", "text": "1 audited school has no location and is not drawn (listed in "
            "schools.csv)."} in config["banners"]
