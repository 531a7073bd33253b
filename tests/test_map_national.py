"""The national map's local-authority layer: outlines dissolved from school cells, pupil-weighted gaps
(hand-worked), quantile classes coloured from the diverging palette; and in Chromium, areas at national
zoom and schools once zoomed in, a phase choice, outlines only on flagged schools."""
import pytest

from audit_examples import example_result
from browser_support import chromium, open_page
from map_page import element_arguments
from repaudit.maps import write_map
from repaudit.maps.areas import class_colours, class_labels, outlines, quantile_breaks, weighted_gaps
from repaudit.maps.features import drawable
from repaudit.maps.palette import GAP_COLOURS


def national_example():
    """The example result as a national audit: two schools moved to a second LA, and a primary among them."""
    result = example_result(("fsm",))
    s = result.schools
    s.loc[s["urn"].isin([900003, 900005]), "la_name"] = "Lewes"
    s.loc[s["urn"] == 900004, "phase"] = "Primary"
    result.meta["filters"] = {}
    return result


def test_outlines_give_each_la_the_cells_of_its_schools():
    result = national_example()
    shapes = outlines(result.schools)
    assert set(shapes) == {"Brighton and Hove", "Lewes"}
    assert not shapes["Brighton and Hove"].intersects(shapes["Lewes"].buffer(-100))      # cells do not overlap
    for urn, la in ((900001, "Brighton and Hove"), (900003, "Lewes"), (900005, "Lewes")):
        row = result.schools[result.schools["urn"] == urn].iloc[0]
        import shapely
        assert shapes[la].contains(shapely.Point(row["easting"], row["northing"]))


def test_neighbours_share_their_simplified_border_without_overlaps_or_gaps():
    import numpy as np
    import pandas as pd
    import shapely
    from repaudit.maps.areas import REACH_M, SIMPLIFY_M
    rng = np.random.default_rng(3)
    e, n = rng.uniform(400_000, 440_000, 600), rng.uniform(100_000, 140_000, 600)
    west = e < 420_000 + 4000 * np.sin(n / 2500)                   # a wiggly border the simplification straightens
    schools = pd.DataFrame({"urn": np.arange(600), "la_name": np.where(west, "West", "East"), "easting": e,
                            "northing": n})
    shapes = outlines(schools)
    cells = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(shapely.points(e, n)),
                                                                            ordered=True)),
                                 shapely.buffer(shapely.points(e, n), REACH_M, quad_segs=4))
    whole = shapely.union_all(cells, grid_size=50).area

    def mismatch(a, b):                  # m2 of overlap between the two, and of gap opened inside the whole
        return a.intersection(b).area + abs(whole - shapely.union_all([a, b]).area)
    assert mismatch(shapes["West"], shapes["East"]) < 1e6                         # under 1 km2 of 2,490 km2
    # the check can fail: each LA simplified on its own opens gaps along the border they share
    alone = [shapely.simplify(shapely.union_all(cells[m], grid_size=50), SIMPLIFY_M, preserve_topology=True)
             for m in (west, ~west)]
    assert mismatch(*alone) > 5e6


def test_pupil_weighted_gap_per_la_and_phase_is_hand_worked():
    gaps = weighted_gaps(drawable(national_example().schools), ["fsm"])
    # Brighton and Hove: Alpha 1000 x -10, the XSS school 400 x -2, Gamma (primary) 200 x -3 -> -11,400 / 1,600
    assert gaps["Brighton and Hove"]["fsm_all"] == round(-11400 / 1600, 2) == -7.12
    assert gaps["Brighton and Hove"]["fsm_secondary"] == round(-10800 / 1400, 2)
    assert gaps["Brighton and Hove"]["fsm_primary"] == -3.0
    # Lewes: Beta 600 x +5, the script-named school 300 x -5 -> 1,500 / 900
    assert gaps["Lewes"] == {"fsm_all": round(1500 / 900, 2), "fsm_secondary": round(1500 / 900, 2)}


def test_quantile_classes_and_their_colours():
    assert quantile_breaks([-4, -3, -2, -1, 0, 1, 2, 3], classes=4) == [-2.2, -0.5, 1.2]
    # two classes below 0: strongest and palest red; the class holding 0: the middle; one class above: a mid blue
    assert class_colours([-2.2, -0.5, 1.2]) == [GAP_COLOURS[0], GAP_COLOURS[3], GAP_COLOURS[4], GAP_COLOURS[6]]
    assert class_labels([-2.2, -0.5, 1.2]) == ["below -2.2", "-2.2 to -0.5", "-0.5 to +1.2", "+1.2 and above"]
    assert len(class_colours([-3, -2, -1, 1, 2])) == 6


def test_only_national_maps_carry_the_area_layer(tmp_path):
    html = write_map(national_example(), tmp_path / "n.html").read_text(encoding="utf-8")
    features = element_arguments(html, "AreaLayer")[0]["features"]
    assert sorted(f["properties"]["a"] for f in features) == ["Brighton and Hove", "Lewes"]
    la_map = write_map(example_result(("fsm",)), tmp_path / "la.html").read_text(encoding="utf-8")
    assert "AreaLayer" not in la_map


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def test_areas_at_national_zoom_schools_when_zoomed_in_and_a_phase_choice(browser, tmp_path):
    page, log = open_page(browser, write_map(national_example(), tmp_path / "n.html"))
    page.wait_for_function("window.repaudit && window.repaudit.ready === true", timeout=15000)
    state = "[repaudit.areaMode, repaudit.map.hasLayer(repaudit.area), repaudit.map.hasLayer(repaudit.layers.fsm.layer)]"
    page.evaluate("repaudit.map.setZoom(7, {animate: false})")
    page.wait_for_timeout(300)
    assert page.evaluate(state) == [True, True, False]
    assert page.locator("path.repaudit-school").count() == 0
    assert page.locator(".repaudit-legend").inner_text().count("pp") >= 2
    page.evaluate("repaudit.map.setZoom(12, {animate: false})")
    page.wait_for_timeout(300)
    assert page.evaluate(state) == [False, False, True]
    assert page.locator("path.repaudit-school").count() == 5
    # emphasis only for flagged schools: unflagged circles have no outline
    widths = page.evaluate("repaudit.layers.fsm.markers.map(function (m) { return [m.options.className.indexOf('flagged') >= 0, m.options.weight]; })")
    assert all((w > 0) == flagged for flagged, w in widths)
    page.select_option(".repaudit-phase select", "primary")
    assert page.locator("path.repaudit-school").count() == 1
    page.select_option(".repaudit-phase select", "all")
    assert page.locator("path.repaudit-school").count() == 5
    assert "5 schools audited; 2 not audited" in page.locator(".repaudit-excluded summary").inner_text()
    assert log.errors == []


def test_keyboard_reaches_search_phase_and_layers_and_opens_a_school(browser, tmp_path):
    page, log = open_page(browser, write_map(national_example(), tmp_path / "k.html"))
    page.wait_for_function("window.repaudit && window.repaudit.ready === true", timeout=15000)
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.closest('.repaudit-search') ? 'search' : "
                                     "document.activeElement.closest('.repaudit-phase') ? 'phase' : "
                                     "document.activeElement.closest('.leaflet-control-layers') ? 'layers' : "
                                     "document.activeElement.tagName"))
        if {"search", "phase", "layers"} <= set(reached):
            break
    assert {"search", "phase", "layers"} <= set(reached)
    page.focus(".repaudit-search input")
    page.keyboard.type("Alpha")
    page.keyboard.press("Enter")
    page.wait_for_selector(".leaflet-popup-content .repaudit-popup")
    assert page.locator(".repaudit-popup-name").inner_text() == "Alpha Academy"
    assert log.errors == []


def test_search_from_the_opening_view_lands_on_the_school_at_once_and_its_popup_stays_on_screen(browser, tmp_path):
    result = national_example()
    page, log = open_page(browser, write_map(result, tmp_path / "s.html"))
    page.wait_for_function("window.repaudit && window.repaudit.ready === true", timeout=15000)
    page.evaluate("repaudit.map.setView([52.5, -1.5], 7, {animate: false})")   # a national map's opening view
    assert page.evaluate("repaudit.areaMode") is True                   # the LA layer, no schools
    page.locator(".repaudit-search input").fill("Beta")
    page.locator(".repaudit-search input").press("Enter")             # no wait between the two: one Enter
    page.wait_for_selector(".leaflet-popup-content .repaudit-popup")
    beta = result.schools.set_index("urn").loc[900003]
    zoom, lat, lon = page.evaluate("[repaudit.map.getZoom(), repaudit.map.getCenter().lat, repaudit.map.getCenter().lng]")
    page.wait_for_timeout(600)                                         # any animation still pending would move it now
    assert page.evaluate("repaudit.map.getZoom()") == zoom >= 13
    popup = page.evaluate("repaudit.map.latLngToContainerPoint([%f, %f])" % (beta["lat"], beta["lon"]))
    size = page.evaluate("[repaudit.map.getSize().x, repaudit.map.getSize().y]")
    assert 0 <= popup["x"] <= size[0] and 0 <= popup["y"] <= size[1]   # the school is in view
    assert page.locator(".repaudit-popup-name").inner_text() == "Beta School"
    page.set_viewport_size({"width": 900, "height": 420})
    page.locator(".leaflet-popup-content summary").click()
    page.wait_for_timeout(200)
    top = page.evaluate("document.querySelector('.leaflet-popup').getBoundingClientRect().top - "
                        "repaudit.map.getContainer().getBoundingClientRect().top")
    assert top >= 0                                                    # "Details" did not push it off the top
    assert log.errors == []


def _with_segregation(result):
    """The national example with LA segregation rows: D net of chance per LA and phase (hand-set)."""
    import pandas as pd
    rows = [("Brighton and Hove", "Secondary", 1400, 0.30, 0.02), ("Brighton and Hove", "Primary", 200, 0.12, 0.06),
            ("Lewes", "Secondary", 900, 0.10, 0.07)]
    result.areas = pd.DataFrame([{"level": "la", "area_code": name[:3], "area_name": name, "indicator": "fsm",
                                  "phase": phase, "pupils": pupils, "D": d, "D_random": rnd, "D_excess": d - rnd,
                                  "mostly_chance": rnd >= d / 2} for name, phase, pupils, d, rnd in rows])
    return result


def test_las_are_coloured_by_segregation_net_of_chance_with_all_phases_weighted_by_pupils():
    from repaudit.maps.areas import area_layer
    result = _with_segregation(national_example())
    layer = area_layer(result.schools, drawable(result.schools), ["fsm"], result.areas)
    props = {f["properties"]["a"]: f["properties"] for f in layer["geojson"]["features"]}
    assert layer["measure"] == "net"
    assert props["Brighton and Hove"]["e_fsm_secondary"] == 0.28 and props["Brighton and Hove"]["e_fsm_primary"] == 0.06
    assert props["Brighton and Hove"]["e_fsm_all"] == pytest.approx((1400 * 0.28 + 200 * 0.06) / 1600, abs=1e-3)
    assert props["Lewes"]["e_fsm_all"] == 0.03 and props["Lewes"]["m_fsm_secondary"] == 1    # 0.07 >= 0.10 / 2
    assert set(layer["classes"]) == {"fsm_all", "fsm_primary", "fsm_secondary"}
    secondary = layer["classes"]["fsm_secondary"]
    assert secondary["labels"][0].startswith("below ") and "pp" not in " ".join(secondary["labels"])
    assert len(secondary["colours"]) == len(secondary["breaks"]) + 1


def test_the_legend_and_fill_say_net_of_chance_in_the_browser(browser, tmp_path):
    from repaudit.maps.areas import net_colours
    result = _with_segregation(national_example())
    page, log = open_page(browser, write_map(result, tmp_path / "net.html"))
    page.wait_for_function("window.repaudit && window.repaudit.ready === true", timeout=15000)
    page.evaluate("repaudit.map.setZoom(7, {animate: false})")
    page.wait_for_timeout(300)
    legend = page.locator(".repaudit-legend").inner_text()
    assert "segregation net of chance" in legend and "primary and secondary weighted by pupils" in legend
    fills = page.evaluate("(function () { var out = {}; repaudit.area.eachLayer(function (l) { "
                          "out[l.feature.properties.a] = l.options.fillColor; }); return out; })()")
    classes = page.evaluate("repaudit.config.areas.classes.fsm_all")
    assert classes["colours"] == net_colours(classes["breaks"])
    # the more sorted LA (Brighton and Hove, 0.25 net) takes a darker class than Lewes (0.03)
    order = classes["colours"]
    assert order.index(fills["Brighton and Hove"]) > order.index(fills["Lewes"])
    assert log.errors == []


def test_a_popup_links_the_schools_own_page_when_it_has_one(browser, tmp_path):
    from repaudit.maps import map_page
    path = tmp_path / "linked.html"
    path.write_text(map_page(national_example(), school_links={900003: "../../school/900003.html"}), encoding="utf-8")
    page, log = open_page(browser, path)
    page.wait_for_function("window.repaudit && window.repaudit.ready === true", timeout=15000)
    for name, href in (("Beta", "../../school/900003.html"), ("Alpha", None)):
        page.locator(".repaudit-search input").fill(name)
        page.locator(".repaudit-search input").press("Enter")
        page.wait_for_selector(".leaflet-popup-content .repaudit-popup")
        links = page.locator(".leaflet-popup-content a.repaudit-popup-page")
        assert (links.get_attribute("href") if links.count() else None) == href
    assert log.errors == []
