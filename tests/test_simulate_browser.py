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
        page.locator('path.leaflet-interactive[stroke="#333"]').first.click(force=True)
        assert "FSM share:" in page.locator(".leaflet-popup-content").inner_text()
        screenshot(page, "simulate_map_browser_test.png")
        assert log.errors == [] and log.refused == [] and log.dialogs == []
