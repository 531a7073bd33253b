"""The simulator's change map in headless Chromium, offline: it draws a circle per school and the
catchment outlines, with no JavaScript errors and no request beyond the local Leaflet copy."""
import re

from browser_support import chromium, open_page, screenshot
from repaudit.cli import cli


def brighton_map(runner, real, tmp_path, runs: int):
    """The folder of a one-cohort brighton-2025 simulation of RUNS lottery runs, with its map.html."""
    out = tmp_path / "bh"
    result = runner.invoke(cli, ["simulate", "--policy", "brighton-2025", "--brighton", str(real), "--runs",
                                 str(runs), "--cohorts", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_change_map_draws_every_school_offline(runner, real, tmp_path):
    out = brighton_map(runner, real, tmp_path, runs=3)
    with chromium() as browser:
        page, log = open_page(browser, out / "map.html", viewport=(1100, 800))
        page.wait_for_selector("path.leaflet-interactive")
        # 10 school circles (with a dark outline) and 6 catchment polygons
        assert page.locator('path.leaflet-interactive[stroke="#333"]').count() == 10
        assert page.locator('path.leaflet-interactive[stroke="#555"]').count() == 6
        assert page.locator(".repaudit-change-table tbody tr").count() == 10
        assert page.locator(".repaudit-change-caveat").inner_text().startswith("Synthetic cohort")
        head = page.locator(".repaudit-change-headline").inner_text().splitlines()
        assert head[0] == "The policy applies to 6 of Brighton and Hove's 10 secondaries; the other 4 set their own " \
                          "admissions."
        assert head[2].startswith("Segregation of FSM pupils (dissimilarity D): 0.") and "(95% " in head[2]
        first_row = page.locator(".repaudit-change-table tbody tr").first.locator("td").all_inner_texts()
        assert first_row[0] == "Varndean School"            # largest rise first
        boxes = page.evaluate("""Array.from(document.querySelectorAll('.repaudit-change-label'))
            .filter(n => n.style.visibility !== 'hidden').map(n => { const r = n.getBoundingClientRect();
            return [r.left, r.top, r.right, r.bottom]; })""")
        assert len(boxes) >= 3
        assert not any(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
                       for i, a in enumerate(boxes) for b in boxes[i + 1:])      # no two visible labels overlap
        page.locator('path.leaflet-interactive[stroke="#333"]').first.click(force=True)
        assert "FSM share:" in page.locator(".leaflet-popup-content").inner_text()
        screenshot(page, "simulate_map_browser_test.png")
        assert log.errors == [] and log.refused == [] and log.dialogs == []


FIT = """() => {
    const map = window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))];
    const frame = map.getContainer().getBoundingClientRect();
    const circles = Array.from(document.querySelectorAll('path.leaflet-interactive[stroke="#333"]'))
        .map(n => n.getBoundingClientRect()).map(r => [(r.left + r.right) / 2, (r.top + r.bottom) / 2]);
    const labels = Array.from(document.querySelectorAll('.repaudit-change-label'))
        .filter(n => n.style.visibility !== 'hidden').map(n => n.getBoundingClientRect())
        .map(r => [r.left, r.top, r.right, r.bottom]);
    return {frame: [frame.left, frame.top, frame.right, frame.bottom], circles, labels, zoom: map.getZoom(),
            texts: Array.from(document.querySelectorAll('.repaudit-change-label')).map(n => n.textContent)};
}"""


def _inside(box, frame):
    return frame[0] <= box[0] and box[2] <= frame[2] and frame[1] <= box[1] and box[3] <= frame[3]


def test_a_county_map_fits_its_schools_with_labels_inside_and_a_headline(runner, national_db, tmp_path):
    facts = tmp_path / "facts.csv"
    facts.write_text("urn,metric,value,source\nall,first_pref_rate,0.78,published offer-day figures\n")
    out = tmp_path / "kent"
    result = runner.invoke(cli, ["simulate", "--policy", "brighton-2025", "--synthetic", "--la", "Kent", "--runs", "2",
                                 "--cohorts", "2", "--facts", str(facts), "--db", str(national_db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("The policy applies to ")
    with chromium() as browser:
        page, log = open_page(browser, out / "map.html", viewport=(1400, 900))
        page.wait_for_selector("path.leaflet-interactive")
        got = page.evaluate(FIT)
        frame = got["frame"]
        assert len(got["circles"]) > 90                           # Kent's secondaries, every one in view
        assert all(frame[0] <= x <= frame[2] and frame[1] <= y <= frame[3] for x, y in got["circles"])
        assert got["zoom"] < 12                                    # fitted to a county, not a fixed city zoom
        assert len(got["labels"]) >= 5 and all(_inside(b, frame) for b in got["labels"])
        assert not any(t.endswith(("+0.0 pp", "-0.0 pp", "\u00b10.0 pp")) for t in got["texts"])
        assert any(t.endswith(": no change") for t in got["texts"])      # brighton-2025 binds few of Kent's schools
        cells = page.locator(".repaudit-change-table tbody td").all_inner_texts()
        assert not any(c.startswith(("+0.0", "-0.0")) for c in cells)
        head = page.locator(".repaudit-change-headline").inner_text()
        assert re.search(r"The policy applies to 3 of Kent's \d+ secondaries \(and the \d+ of neighbouring LAs that "
                         r"take part\); the other \d+ set their own admissions\.", head), head
        d_line = next(line for line in head.splitlines() if line.startswith("Segregation of FSM pupils"))
        assert d_line.endswith(", no change")                     # binding 3 of 108 schools moves D by < 0.0005
        assert "Offered their first preference:" in head
        assert "Model against reality (under the policy):" in head and "real 78.0%" in head
        assert "cohorts were run, too few" in head                 # 2 cohorts: fewer than the check needs
        page.evaluate("""() => { const map = window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))];
                                 map.setView(map.getCenter(), map.getZoom() + 3, {animate: false}); }""")
        zoomed = page.evaluate(FIT)                                # zoomed in: labels still kept inside
        assert zoomed["zoom"] > got["zoom"] and all(_inside(b, frame) for b in zoomed["labels"])
        screenshot(page, "simulate_map_county_browser_test.png")
        assert log.errors == [] and log.refused == [] and log.dialogs == []


def test_the_change_map_says_when_tiles_cannot_load(runner, real, tmp_path):
    import re

    from browser_support import PageLog, route_offline

    out = brighton_map(runner, real, tmp_path, runs=2)
    with chromium() as browser:
        page, log = open_page(browser, out / "map.html")
        page.wait_for_selector("path.leaflet-interactive")
        page.wait_for_timeout(300)
        assert not page.locator(".repaudit-change-offline").is_visible()      # tiles served: no notice
        offline = browser.new_page(viewport={"width": 1280, "height": 800})
        route_offline(offline, PageLog())
        offline.route(re.compile(r"tile\.openstreetmap\.org"), lambda route: route.abort())
        offline.goto((out / "map.html").resolve().as_uri())
        offline.wait_for_selector(".repaudit-change-offline", state="visible")
        assert "could not load" in offline.locator(".repaudit-change-offline").inner_text()
