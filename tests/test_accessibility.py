"""axe-core (the local copy in tests/browser/node_modules, injected into the page: offline) finds no serious or
critical accessibility violation on the map, the report, and the site's index, local-authority report and map,
school page (card) and trust page."""
from pathlib import Path

import pytest

from audit_examples import example_result
from browser_support import chromium, open_page, screenshot
from repaudit.maps import write_map
from repaudit.report import write_report
from repaudit.site import build_site

AXE = Path(__file__).parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page) -> list[str]:
    """'rule: target' for every serious or critical violation axe reports on PAGE (WCAG 2 A and AA rules)."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
    }""")
    return found


def national_example():
    result = example_result(("fsm",))
    result.schools.loc[result.schools["urn"].isin([900003, 900005]), "la_name"] = "Lewes"
    result.meta["filters"] = {}
    return result


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("a11y")
    site = build_site(national_example(), folder / "site")
    return {"map": write_map(national_example(), folder / "map.html"),
            "report": write_report(example_result(("fsm", "sen")), folder / "report.html"),
            "site_index": site.folder / "index.html", "la_page": next((site.folder / "la").iterdir()) / "index.html",
            "la_map": next((site.folder / "la").iterdir()) / "map.html",
            "school_page": sorted((site.folder / "school").glob("*.html"))[0],
            "trust_page": sorted((site.folder / "trust").glob("*.html"))[0]}


@pytest.mark.parametrize("name", ["map", "report", "site_index", "la_page", "la_map", "school_page", "trust_page"])
def test_no_serious_or_critical_violations(browser, pages, name):
    page, log = open_page(browser, pages[name], viewport=(1400, 900))
    if name in ("map", "la_map"):
        page.wait_for_function("window.repaudit && window.repaudit.ready === true", timeout=15000)
    assert serious_violations(page) == []
    screenshot(page, f"a11y_{name}.png")
    assert log.errors == []
    page.close()


def test_the_check_catches_a_violation(browser, tmp_path):
    path = tmp_path / "bad.html"
    path.write_text('<!DOCTYPE html><html><head><title>x</title></head><body><img src="data:,">'
                    '<p style="color:#ccc;background:#fff">faint</p></body></html>')
    page, _ = open_page(browser, path)
    found = serious_violations(page)
    assert any(v.startswith("image-alt") for v in found) and any(v.startswith("html-has-lang") for v in found)
    assert any(v.startswith("color-contrast") for v in found)
