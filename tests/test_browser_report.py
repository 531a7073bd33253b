"""The report in headless Chromium: opens with no network at all, no JavaScript errors, sortable tables."""
from audit_examples import example_result
from browser_support import chromium, open_page, screenshot
from repaudit.report import write_report


def test_report_opens_offline_without_errors_and_sorts(tmp_path):
    path = write_report(example_result(("fsm", "sen")), tmp_path / "report.html")
    with chromium() as browser:
        page, log = open_page(browser, path, viewport=(1200, 900))
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.reload()
        table = page.locator('table.schools[data-indicator="fsm"]')
        urns = lambda: table.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.urn)")
        assert urns() == ["900001", "900005", "900004", "900002", "900003"]      # z ascending
        table.get_by_role("columnheader", name="Pupils", exact=True).click()                     # sort by pupils, ascending
        assert urns() == ["900004", "900005", "900002", "900003", "900001"]
        assert page.locator("svg.funnel").count() == 2 and page.locator("svg.dotmap circle").count() == 5
        screenshot(page.locator("#indicator-fsm"), "report_browser_test.png")
        assert [u for u in requests if not u.startswith("file:")] == []
        assert log.errors == [] and log.refused == [] and log.dialogs == []


def test_first_screen_shows_findings_with_a_school_and_a_whole_pupil_shortfall(tmp_path):
    import re
    path = write_report(example_result(("fsm", "sen")), tmp_path / "report.html")
    with chromium() as browser:
        page, log = open_page(browser, path, viewport=(1400, 900))
        first = page.locator("#findings ol.finding-schools li").first
        box = first.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 900          # on the first screen, unscrolled
        text = first.inner_text()
        assert text.startswith("Alpha Academy (Brighton and Hove): 10.0% of pupils")
        assert re.search(r": \d+ fewer than a representative intake \(95% range \d+ to \d+\)", text)
        screenshot(page, "report_first_screen.png")
        assert log.errors == []
