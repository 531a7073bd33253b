"""The simulator's change map in headless Chromium, offline: it draws a circle per school and the
catchment outlines, with no JavaScript errors and no request beyond the local Leaflet copy."""
from browser_support import chromium, open_page, screenshot
from repaudit.cli import cli


def test_change_map_draws_every_school_offline(runner, real, tmp_path):
    out = tmp_path / "bh"
    result = runner.invoke(cli, ["simulate", "--policy", "brighton-2025", "--brighton", str(real), "--runs", "3",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    with chromium() as browser:
        page, log = open_page(browser, out / "map.html", viewport=(1100, 800))
        page.wait_for_selector("path.leaflet-interactive")
        # 10 school circles (with a dark outline) and 6 catchment polygons
        assert page.locator('path.leaflet-interactive[stroke="#333"]').count() == 10
        assert page.locator('path.leaflet-interactive[stroke="#555"]').count() == 6
        assert page.locator(".repaudit-change-table tbody tr").count() == 10
        assert page.locator(".repaudit-change-caveat").inner_text().startswith("Synthetic cohort")
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
