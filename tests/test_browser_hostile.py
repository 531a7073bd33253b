"""Every page repaudit writes (audit map, report, simulator change map), made from school, trust, LA,
catchment and policy names that are template code, script or HTML, read back from the DOM in headless
Chromium: each name appears literally, nothing ran (no file created, no dialog, no script error)."""
import os

import pytest

import hostile_outputs as hostile
from browser_support import chromium, open_page
from repaudit.cli import cli

SCHOOLS = hostile.SCHOOL_NAMES
# Elements a name could have created if it were parsed as HTML: an <img src=x>, the LA name's <b>Shire</b>,
# or a script holding alert(1) other than the page's JSON data element.
NO_ATTACK = """document.querySelectorAll('img[src="x"]').length
    + Array.from(document.querySelectorAll('b')).filter(b => b.textContent === 'Shire').length
    + Array.from(document.scripts).filter(s => s.type !== 'application/json' && s.textContent.includes('alert(1)')).length"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Run from an empty folder: audit --map --report of the hostile warehouse, a synthetic simulation over
    its hostile catchments under a hostile policy name, and one from a capacities file of hostile names."""
    from click.testing import CliRunner

    work = tmp_path_factory.mktemp("hostile-pages")
    db = hostile.build(work / "w.duckdb")
    policy = hostile.POLICY
    runs = {
        "audit": ["audit", "--db", str(db), "--out", "audit", "--format", "csv,xlsx", "--map", "--report",
                  "-p", "overdispersion=none"],     # binomial flags: the hostile catchment's school is flagged
        "synthetic": ["simulate", "--policy", str(policy), "--synthetic", "--la", "990", "--catchments",
                      hostile.CATCHMENT_LAYER, "--db", str(db), "--runs", "2", "--out", "synthetic"],
        "applications": ["simulate", "--policy", str(policy), "--applications", str(hostile.FOLDER / "applications.csv"),
                         "--capacities", str(hostile.FOLDER / "capacities_hostile_names.csv"), "--db",
                         str(work / "none.duckdb"), "--runs", "2", "--out", "applications"],
    }
    here = os.getcwd()
    os.chdir(work)
    try:
        results = {k: CliRunner().invoke(cli, args) for k, args in runs.items()}
    finally:
        os.chdir(here)
    for key, result in results.items():
        assert result.exit_code == 0, (key, result.output)
    assert not (work / hostile.CREATED_FILE).exists()
    assert not list(work.rglob(hostile.CREATED_FILE))
    with chromium() as browser:
        yield work, browser


def _open(browser, path, ready):
    page, log = open_page(browser, path)
    page.wait_for_function(ready, timeout=15000)
    return page, log


def _clean(page, log):
    assert page.evaluate(NO_ATTACK) == 0, "a name was parsed as HTML"
    assert log.dialogs == [] and log.errors == [] and log.refused == []


def test_audit_map_shows_every_hostile_name_as_text(pages):
    work, browser = pages
    page, log = _open(browser, work / "audit" / "map.html", "window.repaudit && window.repaudit.ready === true")
    for urn, name in SCHOOLS.items():
        page.evaluate(f"repaudit.show(repaudit.layers.fsm.markers.find(m => repaudit.schools[m.schoolIndex].urn === {urn}))")
        page.wait_for_selector(".leaflet-popup-content .repaudit-popup")
        assert page.locator(".repaudit-popup-name").text_content() == name
        assert page.locator(".leaflet-popup-content tr[data-field=la_name] td").text_content() == hostile.LA_NAME
        page.evaluate("repaudit.map.closePopup()")
    trusts = page.locator(".repaudit-trust option").all_text_contents()
    assert set(hostile.TRUST_NAMES) <= set(trusts)
    catchments = page.evaluate("""Object.values(repaudit.map._layers)
        .filter(l => l.feature && l.feature.properties.n !== undefined && l.getTooltip())
        .map(l => l.getTooltip().getContent().textContent)""")
    assert f"Catchment of {hostile.CATCHMENT_NAME} (URN 990003)" in catchments
    assert page.title().startswith("How representative")
    _clean(page, log)
    page.close()


def test_report_shows_every_hostile_name_as_text(pages):
    work, browser = pages
    page, log = _open(browser, work / "audit" / "report.html", "document.readyState === 'complete'")
    names = page.evaluate("""Array.from(document.querySelectorAll('section.indicator tr[data-urn] td[data-col=name]'))
        .map(td => td.firstChild.textContent)""")
    assert set(SCHOOLS.values()) <= set(names)
    trusts = page.evaluate("""Array.from(document.querySelectorAll('td[data-col=name]')).map(td => td.firstChild.textContent)""")
    assert set(hostile.TRUST_NAMES) <= set(trusts) and hostile.LA_NAME in trusts
    las = page.evaluate("Array.from(document.querySelectorAll('td[data-col=la]')).map(td => td.textContent)")
    assert set(las) == {hostile.LA_NAME}
    tips = page.evaluate("Array.from(document.querySelectorAll('svg.dotmap circle title')).map(t => t.textContent)")
    assert set(SCHOOLS.values()) <= set(tips)
    _clean(page, log)
    page.close()


def _change_map(browser, path):
    page, log = _open(browser, path, "document.querySelector('.repaudit-change-legend') !== null")
    layers = page.evaluate("""(() => {
        const map = window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))];
        const out = {popups: [], tooltips: []};
        Object.values(map._layers).forEach(l => {
            if (l.getPopup && l.getPopup()) out.popups.push(l.getPopup().getContent().querySelector('b').textContent);
            if (l.getTooltip && l.getTooltip()) out.tooltips.push(l.getTooltip().getContent().textContent);
        });
        out.title = document.querySelector('.repaudit-change-legend b').textContent;
        return out; })()""")
    return page, log, layers


def test_change_map_from_a_capacities_file_shows_every_name_as_text(pages):
    work, browser = pages
    page, log, layers = _change_map(browser, work / "applications" / "map.html")
    assert sorted(layers["popups"]) == sorted(SCHOOLS.values())
    assert layers["title"] == f"{hostile.POLICY_NAME} vs baseline: change in FSM share (1 cohort, 2 lottery runs)"
    page.locator('path.leaflet-interactive[stroke="#333"]').first.dispatch_event("click")  # a school circle, even mid-animation
    assert "FSM share:" in page.locator(".leaflet-popup-content").inner_text()
    _clean(page, log)
    page.close()


def test_change_map_shows_hostile_catchment_and_school_names_as_text(pages):
    work, browser = pages
    page, log, layers = _change_map(browser, work / "synthetic" / "map.html")
    assert SCHOOLS[990001] in layers["popups"] and SCHOOLS[990003] in layers["popups"]
    assert hostile.CATCHMENT_NAME in layers["tooltips"]
    _clean(page, log)
    page.close()


def test_the_attack_check_sees_names_parsed_as_html(pages, tmp_path):
    _, browser = pages
    raw = tmp_path / "raw.html"
    raw.write_text(f"<html><body><p>{hostile.LA_NAME}</p><p>{SCHOOLS[990011]}</p></body></html>", encoding="utf-8")
    page, _ = open_page(browser, raw)
    assert page.evaluate(NO_ATTACK) == 2             # the <b>Shire</b> and the <img src=x>
    page.close()
