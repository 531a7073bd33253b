"""The national map and the Brighton and Hove map on the real public files (GIAS, school census, IoD,
LSOA lookup, centroids and population): sizes within the targets, areas at the opening zoom of the
national map and schools once zoomed in, a popup whose first line is a sentence. Screenshots go to output/."""
import re

import pytest

import repaudit
from browser_support import chromium, open_page, screenshot
from repaudit.load import load_file
from repaudit.maps import write_map

FILES = [("gias", "gias/edubasealldata20250524_reheadered_subset.csv.gz"),
         ("spc", "spc_sen/spc_school_level_underlying_data_2022_23.csv.gz"),
         ("iod", "iod2019/File_7a_IoD2019_income_IDACI_IDAOPI_scores_EW.csv.gz"),
         ("lsoa-lookup", "geography/LSOA11_to_LSOA21_to_LAD22_Lookup_EW.csv.gz"),
         ("lsoa-centroids", "geography/LSOA_Dec_2021_PWC_EW.csv.gz"),
         ("population", "population/census2021_lsoa21_usual_residents_by_age6.csv.gz"),
         ("la-boundaries", "geography/LAD22_outlines_EW.geojson.gz")]
_CACHE = {}


@pytest.fixture
def maps(real, tmp_path_factory):
    if not _CACHE:
        from repaudit.warehouse import Warehouse
        folder = tmp_path_factory.mktemp("national")
        with Warehouse(":memory:") as wh:
            for source, name in FILES:
                load_file(wh, source, real / name)
            national = repaudit.audit(wh, years=1)
            _CACHE["national"] = (national, write_map(national, folder / "national.html", wh))
            brighton = repaudit.audit(wh, years=1, la="Brighton and Hove", community="residential")
            _CACHE["brighton"] = (brighton, write_map(brighton, folder / "brighton.html", wh))
    return _CACHE


def test_sizes_national_under_10_mb_and_brighton_under_500_kb(maps):
    national, national_path = maps["national"]
    brighton, brighton_path = maps["brighton"]
    audited = national.schools[national.schools["status"] == "audited"]["urn"].nunique()
    assert audited > 15000
    assert national_path.stat().st_size < 10_000_000
    assert brighton_path.stat().st_size < 500_000
    assert brighton.lsoas["lsoa"].nunique() > 30000          # the audit itself rates every LSOA ...
    html = brighton_path.read_text(encoding="utf-8")
    assert 100 < len(set(re.findall(r'"l": ?"(E0\d{7})"', html))) < 1500   # ... the map carries Brighton's and its neighbours'


def test_national_map_opens_on_areas_and_shows_schools_zoomed_in(maps):
    _, path = maps["national"]
    with chromium() as browser:
        page, log = open_page(browser, path, viewport=(1400, 900))
        page.wait_for_function("window.repaudit && window.repaudit.ready === true", timeout=60000)
        page.wait_for_timeout(500)
        assert page.evaluate("[repaudit.areaMode, repaudit.area.getLayers().length > 100, "
                             "repaudit.map.hasLayer(repaudit.layers.fsm.layer)]") == [True, True, False]
        screenshot(page, "national_map_opening.png")
        page.evaluate("repaudit.map.setView([50.84, -0.14], 13, {animate: false})")
        page.wait_for_timeout(500)
        assert page.evaluate("repaudit.map.hasLayer(repaudit.layers.fsm.layer) && !repaudit.areaMode")
        hits = page.evaluate("repaudit.find('Varndean').length")
        assert hits >= 1
        page.evaluate("repaudit.show(repaudit.find('Varndean')[0])")
        page.wait_for_selector(".repaudit-popup")
        first = page.locator(".repaudit-popup > p").first.inner_text()
        assert re.match(r"\d+\.\d% of pupils are eligible for free school meals, against \d+\.\d% in the community "
                        r"around it: [\d,]+ (fewer|more) than a representative intake \(95% range [\d,]+ (more |fewer )?to "
                        r"[\d,]+( more| fewer)?\)\.$", first)
        screenshot(page, "national_map_zoomed_popup.png")
        assert log.errors == []


def test_search_from_the_opening_view_lands_on_the_school_and_las_say_what_colours_them(maps):
    _, path = maps["national"]
    with chromium() as browser:
        page, log = open_page(browser, path, viewport=(1400, 900))
        page.wait_for_function("window.repaudit && window.repaudit.ready === true", timeout=60000)
        assert page.evaluate("repaudit.areaMode") is True                     # the opening view: LAs
        assert page.evaluate("repaudit.config.areas.note").startswith("Local authority outlines: the loaded boundary file")
        legend = page.locator(".repaudit-legend").inner_text()
        assert "segregation net of chance (D minus D under random allocation" in legend
        page.locator(".repaudit-search input").fill("Varndean")
        page.locator(".repaudit-search input").press("Enter")                # one Enter, no wait before it
        page.wait_for_selector(".leaflet-popup-content .repaudit-popup")
        page.wait_for_timeout(600)                                            # anything pending would move it now
        zoom, centre = page.evaluate("[repaudit.map.getZoom(), repaudit.map.getCenter()]")
        school = page.evaluate("(function () { var m = repaudit.find('Varndean')[0]; "
                               "return [repaudit.schools[m.schoolIndex].name, m.getLatLng()]; })()")
        assert zoom >= 13 and page.evaluate("repaudit.areaMode") is False
        assert abs(centre["lat"] - school[1]["lat"]) < 1e-4 and abs(centre["lng"] - school[1]["lng"]) < 1e-4
        assert 50.8 < centre["lat"] < 50.9 and -0.2 < centre["lng"] < -0.1           # Brighton, not the Midlands
        assert page.locator(".repaudit-popup-name").inner_text() == school[0] and "Varndean" in school[0]
        assert log.errors == []
