"""One ranking, said once: the terminal, the report's findings and table, the site's LA page and the map's
order (which its search follows) name the same schools in the same order, the audit's own `rank`."""
import re

import pytest

import repaudit
from map_page import school_features
from repaudit.auditing import tables
from repaudit.maps import map_page
from repaudit.report import report_page
from repaudit.site import build_site
from repaudit.warehouse import Warehouse


@pytest.fixture(scope="module")
def result(sample_db):
    with Warehouse(sample_db, read_only=True) as wh:
        return repaudit.audit(wh, indicators=["fsm"], phase="primary")


def _by_rank(result):
    rows = result.schools[(result.schools["status"] == "audited") & (result.schools["indicator"] == "fsm")]
    return [int(u) for u in rows.sort_values("rank")["urn"]]          # the oracle: the rank column itself


def test_the_terminal_table_is_in_rank_order(result):
    text = tables.schools_table(result, "fsm", top=12)
    urns = [int(m) for m in re.findall(r"^\s*\d+\s+(\d{6})\s", text, re.M)]
    assert urns == _by_rank(result)[:12]


def test_the_report_table_and_findings_follow_the_same_order(result):
    html = report_page(result, top=12)
    table = html[html.index('<table class="schools" data-indicator="fsm">'):]
    table = table[:table.index("</table>")]
    assert [int(u) for u in re.findall(r'<tr data-urn="(\d+)"', table)] == _by_rank(result)[:12]
    findings = html[html.index('class="finding-schools"'):]
    findings = [int(u) for u in re.findall(r'<li data-urn="(\d+)"', findings[:findings.index("</ol>")])]
    order = _by_rank(result)
    assert findings and [order.index(u) for u in findings] == sorted(order.index(u) for u in findings)
    assert findings[0] == next(u for u in order if u in findings)      # a subsequence: none jumps the queue
    assert "Ordered by z-score" not in html and "Ordered by rank: by the shrunken gap" in html


def test_the_map_lists_schools_in_rank_order(result):
    features, schools = school_features(map_page(result))
    urns = [schools[f["properties"]["i"]]["urn"] for f in features]
    assert urns == [u for u in _by_rank(result) if u in set(urns)]


def test_the_site_la_page_and_trust_pages_follow_the_same_order(result, tmp_path):
    national = result
    national.meta = {**national.meta, "filters": {}}
    site = build_site(national, tmp_path / "site")
    la_page = next((site.folder / "la").iterdir()) / "index.html"
    html = la_page.read_text(encoding="utf-8")
    table = html[html.index('<table class="schools" data-indicator="fsm">'):]
    assert [int(u) for u in re.findall(r'<tr data-urn="(\d+)"', table[:table.index("</table>")])] == \
        _by_rank(result)[:len(re.findall(r'<tr data-urn="(\d+)"', table[:table.index("</table>")]))]
