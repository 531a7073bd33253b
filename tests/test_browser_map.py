"""The interactive map in headless Chromium (Debian's), fully offline: no JavaScript errors, one drawn circle
per audited school, popups with the gap, names shown as text, layer control, trust filter, search."""
import re

import pytest

from audit_examples import XSS_IMG, XSS_SCRIPT, XSS_TRUST, example_result, with_lsoas
from browser_support import chromium, open_page, screenshot
from map_page import school_features
from repaudit.maps import build as map_build
from repaudit.maps import write_map
from repaudit.maps.palette import gap_colour


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _audited(result, indicator):
    s = result.schools
    return int(((s["status"] == "audited") & (s["indicator"] == indicator)).sum())


def _load(browser, path):
    page, log = open_page(browser, path)
    page.wait_for_function("window.repaudit && window.repaudit.ready === true", timeout=15000)
    return page, log


def _popup_field(page, field):
    return page.locator(f".leaflet-popup-content tr[data-field={field}] td").text_content()


def _open(page, urn):
    """Open this school's popup, whatever circle lies on top of it (as the search box does)."""
    page.evaluate("urn => { const e = repaudit.layers[repaudit.current]; "
                  "repaudit.show(e.markers.find(m => String(repaudit.schools[m.schoolIndex].urn) === String(urn))); }",
                  urn)
    page.wait_for_selector(".leaflet-popup-content .repaudit-popup")


@pytest.fixture
def map_page(browser, tmp_path):
    result = example_result()
    path = write_map(result, tmp_path / "map.html")
    page, log = _load(browser, path)
    yield result, page, log
    page.close()


def test_page_loads_offline_without_errors_and_draws_every_audited_school(map_page):
    result, page, log = map_page
    assert _audited(result, "fsm") == 5
    assert page.locator("path.repaudit-school.indicator-fsm").count() == 5
    assert page.locator("path.repaudit-school.indicator-sen").count() == 0      # one indicator at a time
    assert page.locator("path.repaudit-school.flagged").count() == 3            # FSM flags of schools 1, 3, 5
    page.wait_for_timeout(300)
    screenshot(page, "map_browser_test.png")
    assert log.errors == [] and log.refused == [] and log.dialogs == []


def test_popup_opens_with_a_sentence_and_folds_the_details(map_page):
    _, page, log = map_page
    _open(page, 900001)
    first = page.locator(".leaflet-popup-content .repaudit-popup > p").first
    assert first.inner_text() == ("10.0% of pupils are eligible for free school meals, against 20.0% in the community "
                                  "around it: 100 fewer than a representative intake (95% range 75 to 125).")
    assert page.locator(".leaflet-popup-content [data-field=flag_words]").inner_text() == \
        "Far fewer than its community (below the 99.8% funnel limit)."
    assert page.locator(".leaflet-popup-content details").get_attribute("open") is None
    assert not page.locator(".leaflet-popup-content tr[data-field=z]").is_visible()
    page.locator(".leaflet-popup-content summary").click()
    assert page.locator(".leaflet-popup-content tr[data-field=z]").is_visible()
    assert log.errors == []


@pytest.mark.parametrize("short, low, high", [(-38.0, -75.84, -0.157), (-21.0, -42.45, 0.452), (37.0, 6.2, 68.4),
                                               (3.4, -2.6, 8.7), (0.2, -3.7, 4.1), (1296.4, 1200.2, 1390.6)])
def test_popup_shortfall_words_are_the_reports(map_page, short, low, high):
    from repaudit import plain
    _, page, log = map_page
    # the page carries the shortfall and its range in whole pupils (rounded as the report rounds them)
    words = page.evaluate(f"repaudit.shortfallWords({round(short)}, {round(low)}, {round(high)})")
    assert words == plain.shortfall_words(short, (low, high)) and "-0" not in words


def test_clicking_a_school_opens_a_popup_with_its_gap_and_metrics(map_page):
    _, page, log = map_page
    _open(page, 900001)
    assert page.locator(".repaudit-popup-name").inner_text() == "Alpha Academy"
    assert _popup_field(page, "gap_pp") == "-10.0 pp"          # 100 * (0.10 - 0.20)
    assert _popup_field(page, "school_rate") == "10.0%"
    assert _popup_field(page, "community_rate") == "20.0%"
    # 1000 * (0.20 - 0.10) = 100, 95% range 100 +- 1.96 sqrt(1000 * 0.2 * 0.8) = 75 to 125
    assert _popup_field(page, "shortfall") == "100 fewer than a representative intake (95% range 75 to 125)"
    assert _popup_field(page, "z") == "-7.91"                  # -0.1 / sqrt(0.2 * 0.8 / 1000)
    assert "99.8%" in _popup_field(page, "flag")
    assert _popup_field(page, "community_model") == "nearby-schools"
    assert _popup_field(page, "vintage") == "spc 2023/24 (synthetic)"
    assert _popup_field(page, "years") == "2021/22 to 2023/24 (3 years)"
    fill = page.locator("path.urn-900001").get_attribute("fill")
    assert fill == gap_colour(-10.0) == "#f4a582"               # the -10 to -5 class
    assert log.errors == []


def test_malicious_names_render_as_text_and_no_script_runs(map_page):
    _, page, log = map_page
    _open(page, 900002)
    assert page.locator(".repaudit-popup-name").inner_text() == XSS_IMG
    assert page.locator(".leaflet-popup-content img").count() == 0
    page.locator(".leaflet-popup-close-button").click()
    _open(page, 900005)
    assert page.locator(".repaudit-popup-name").inner_text() == XSS_SCRIPT
    assert _popup_field(page, "trust") == XSS_TRUST
    options = page.locator(".repaudit-trust option").all_inner_texts()
    assert XSS_TRUST in options
    page.locator(".repaudit-search input").fill("<img")
    assert page.locator(".repaudit-results button").all_inner_texts() == [f"{XSS_IMG} (900002)"]
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"], b[onmouseover]').length") == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert log.dialogs == [] and log.errors == []


def test_layer_control_switches_between_indicators(map_page):
    result, page, log = map_page
    base = page.locator(".leaflet-control-layers-base label")
    assert [t.strip() for t in base.all_inner_texts()] == ["Schools: Free school meals (FSM)",
                                      "Schools: Special educational needs (SEN support + EHC plan)"]
    base.nth(1).click()
    assert page.locator("path.repaudit-school.indicator-sen").count() == _audited(result, "sen") == 5
    assert page.locator("path.repaudit-school.indicator-fsm").count() == 0
    assert page.locator(".repaudit-legend-title").inner_text() == "Special educational needs (SEN support + EHC plan)"
    _open(page, 900003)
    assert _popup_field(page, "gap_pp") == "-4.0 pp"           # SEN 0.10 vs 0.14
    assert log.errors == []


def test_trust_filter_and_search_by_urn(map_page):
    _, page, log = map_page
    page.locator(".repaudit-trust select").select_option("T001")
    assert page.locator("path.repaudit-school").count() == 2   # Alpha Academy and school 900002
    page.locator(".repaudit-trust select").select_option("__none__")
    assert page.locator("path.repaudit-school").count() == 1   # Gamma Primary: LA maintained
    page.locator(".repaudit-search input").fill("900003")
    page.locator(".repaudit-search input").press("Enter")      # not in the filtered set: the filter resets
    page.wait_for_selector(".leaflet-popup-content .repaudit-popup")
    assert page.locator(".repaudit-popup-name").inner_text() == "Beta School"
    assert page.locator("path.repaudit-school").count() == 5
    assert log.errors == []


def test_community_polygons_and_catchments_of_flagged_schools(browser, tmp_path, wh):
    result = with_lsoas(example_result(("fsm",), model="residential"), {
        "E01000001": ("fsm", 0.12, 150.0), "E01000002": ("fsm", 0.30, 200.0)})
    for code, e in (("E01000001", 529500), ("E01000002", 531500)):
        wh.con.execute(f"INSERT INTO lsoa_boundaries (lsoa, geom) VALUES ('{code}', ST_GeomFromText("
                       f"'POLYGON(({e} 104000, {e + 1500} 104000, {e + 1500} 106000, {e} 106000, {e} 104000))'))")
    for urn, e in ((900001, 530500), (900004, 524000)):        # 900001 is flagged, 900004 is not
        wh.con.execute(f"INSERT INTO catchments (layer, catchment_id, name, urn, geom) VALUES ('test', '{urn}', "
                       f"'Area {urn}', {urn}, ST_Buffer(ST_Point({e}, 105000), 1200))")
    page, log = _load(browser, write_map(result, tmp_path / "community.html", wh))
    assert page.locator(".leaflet-repaudit-community-pane path").count() == 0     # schools only at first
    assert "Community FSM rate" not in page.locator(".repaudit-legend").inner_text()
    page.locator(".leaflet-control-layers-overlays label", has_text="Community FSM rate").click()
    assert page.locator(".leaflet-repaudit-community-pane path").count() == 2
    assert page.locator(".leaflet-repaudit-catchments-pane path").count() == 1
    assert [t.strip() for t in page.locator(".leaflet-control-layers-overlays label").all_inner_texts()] == [
        "Community FSM rate (LSOA areas)", "Catchments of flagged schools"]
    legend = page.locator(".repaudit-legend").inner_text()
    assert "Community FSM rate (LSOA areas)" in legend
    assert "12.0% to 15.6%" in legend and "26.4% to 30.0%" in legend        # 5 equal classes of 12-30%
    page.wait_for_timeout(300)
    screenshot(page, "map_browser_community.png")
    assert log.errors == [] and log.refused == []
    page.close()


def test_suppressed_cin_values_never_reach_the_map(browser, tmp_path):
    path = write_map(example_result(("cin",)), tmp_path / "cin.html")
    html = path.read_text()
    features, schools = school_features(html)
    alpha = next(f["properties"] for f in features if schools[f["properties"]["i"]]["urn"] == 900001)
    assert alpha["x"] == 1 and not {"s", "g", "r", "z", "h", "f"} & set(alpha)   # 3 of 1000: only public values
    assert alpha["c"] == 0.03 and alpha["n"] == 1000
    assert "UNSUPPRESSED" not in html
    page, log = _load(browser, path)
    _open(page, 900001)
    assert _popup_field(page, "gap_pp") == _popup_field(page, "school_rate") == "suppressed (fewer than 5 children)"
    assert log.errors == []
    page.close()


def test_unsuppressed_map_says_so(browser, tmp_path):
    path = write_map(example_result(("cin",)), tmp_path / "cin.html", unsuppressed=True)
    page, log = _load(browser, path)
    assert "INTERNAL USE ONLY" in page.locator(".repaudit-banner.unsuppressed").inner_text()
    _open(page, 900001)
    assert _popup_field(page, "school_rate") == "0.3%"
    page.close()


def test_large_maps_draw_on_a_canvas_and_still_open_popups(browser, tmp_path, monkeypatch):
    monkeypatch.setattr(map_build, "CANVAS_ABOVE", 2)
    page, log = _load(browser, write_map(example_result(), tmp_path / "canvas.html"))
    assert page.locator("path.repaudit-school").count() == 0 and page.locator("canvas").count() >= 1
    assert page.evaluate("repaudit.layers.fsm.layer.getLayers().length") == 5
    x, y = page.evaluate("(() => { const m = repaudit.layers.fsm.markers.find(m => repaudit.schools[m.schoolIndex].urn === 900003);"
                         " const p = repaudit.map.latLngToContainerPoint(m.getLatLng()); return [p.x, p.y]; })()")
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_selector(".leaflet-popup-content .repaudit-popup")
    assert page.locator(".repaudit-popup-name").inner_text() == "Beta School"
    assert re.fullmatch(r"\+5\.0 pp", _popup_field(page, "gap_pp"))
    assert log.errors == []
    page.close()


def test_popup_says_how_much_the_result_depends_on_the_model(browser, tmp_path):
    result = example_result()
    s = result.schools
    result.schools = s.assign(models_run=5, models_flagged=4, gap_min_pp=-16.9, gap_max_pp=-5.3,
                              rank=2.0, rank_low=1.0, rank_high=3.0)
    result.schools.loc[result.schools["urn"] != 900001, ["models_run", "models_flagged"]] = [2, 0]
    page, log = _load(browser, write_map(result, tmp_path / "map.html"))
    _open(page, 900001)
    assert page.locator(".leaflet-popup-content [data-field=models_words]").inner_text() == \
        "Below its community under 4 of 5 ways of measuring it (gap -16.9 to -5.3 pp)."
    page.locator(".leaflet-popup-content summary").click()
    assert _popup_field(page, "rank_interval") == "2 (1 to 3)"
    page.evaluate("window.repaudit.map.closePopup()")
    _open(page, 900003)
    assert page.locator(".leaflet-popup-content [data-field=models_words]").inner_text() == \
        "Below its community under none of 2 ways of measuring it (gap -16.9 to -5.3 pp)."
    assert log.errors == []
    page.close()
