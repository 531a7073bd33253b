"""Map and report on the real GIAS and school census files: Brighton and Hove's ten state-funded
secondary schools (METHODS / SOURCES.md list their URNs), with FSM rates checked against the raw file."""
import csv
import gzip

import pytest

import repaudit
from browser_support import chromium, open_page
from map_page import school_features
from report_parser import parse, table_rows
from repaudit.load import load_file
from repaudit.maps import write_map
from repaudit.report import write_report

BRIGHTON_SECONDARY = {114579, 114580, 114581, 114606, 114607, 114608, 114611, 136164, 137063, 139409}
SPC = "spc_sen/spc_school_level_underlying_data_2022_23.csv.gz"


def _spc_fsm(path):
    """FSM eligible / headcount per Brighton secondary URN, read straight from the census file."""
    out = {}
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            if row["urn"].isdigit() and int(row["urn"]) in BRIGHTON_SECONDARY:
                out[int(row["urn"])] = (float(row["number of pupils known to be eligible for free school meals"])
                                        / float(row["headcount of pupils"]))
    return out


_CACHE = {}


@pytest.fixture
def brighton(real, tmp_path_factory):
    """Audit, map and report of the real files, made once for the module (`real` is per test)."""
    if "result" not in _CACHE:
        _CACHE["result"] = _build(real, tmp_path_factory.mktemp("real"))
    return _CACHE["result"]


def _build(real, folder):
    from repaudit.warehouse import Warehouse

    with Warehouse(":memory:") as wh:
        load_file(wh, "gias", real / "gias" / "edubasealldata20250524_reheadered_subset.csv.gz")
        load_file(wh, "spc", real / SPC)
        result = repaudit.audit(wh, years=1, la="Brighton and Hove", phase="secondary")
        map_path = write_map(result, folder / "map.html", wh)
    report = write_report(result, folder / "report.html", map_path=map_path)
    return result, map_path, report, _spc_fsm(real / SPC)


def test_map_and_report_hold_brightons_ten_secondary_schools_with_census_rates(brighton):
    result, map_path, report, fsm = brighton
    html = map_path.read_text(encoding="utf-8")
    features, schools = school_features(html)
    drawn = {schools[f["properties"]["i"]]["urn"]: f["properties"] for f in features}
    assert set(drawn) == BRIGHTON_SECONDARY and len(fsm) == 10
    for urn, rate in fsm.items():
        assert drawn[urn]["s"] == pytest.approx(rate, abs=5e-5)
    rows = {int(r["attrs"]["data-urn"]): r["cells"] for r in table_rows(parse(report.read_text()), "schools", "fsm")}
    assert set(rows) == BRIGHTON_SECONDARY
    for urn, rate in fsm.items():
        assert rows[urn]["school_rate"] == f"{100 * rate:.1f}%"


def test_real_map_opens_offline_with_ten_circles(brighton):
    _, map_path, _, fsm = brighton
    with chromium() as browser:
        page, log = open_page(browser, map_path)
        page.wait_for_function("window.repaudit && window.repaudit.ready === true", timeout=15000)
        assert page.locator("path.repaudit-school").count() == 10
        page.locator("path.urn-114579").click(force=True)
        page.wait_for_selector(".repaudit-popup")
        assert page.locator(".repaudit-popup-name").inner_text() == "Varndean School"
        rate = page.locator(".leaflet-popup-content tr[data-field=school_rate] td").text_content()
        assert rate == f"{100 * fsm[114579]:.1f}%"
        community = page.locator(".leaflet-popup-content tr[data-field=community_rate] td").text_content()
        first = page.locator(".repaudit-popup > p").first.inner_text()
        assert first.startswith(f"{rate} of pupils are eligible for free school meals, against {community} in the "
                                "community around it: ") and " representative intake (95% range " in first
        assert log.errors == [] and log.refused == []
