"""The shareable report: its numbers are the audit's numbers (parsed back out of the HTML), it is
self-contained, it escapes names, and suppressed values never appear in it."""
import math
import re

import numpy as np
import pytest

from audit_examples import XSS_IMG, XSS_SCRIPT, XSS_TRUST, example_result
from report_parser import parse, polyline_y, table_rows
from repaudit.report import write_report
from repaudit.report.funnel import standardised_rate


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    result = example_result(("fsm", "sen"))
    folder = tmp_path_factory.mktemp("report")
    path = write_report(result, folder / "report.html", map_path=folder / "maps" / "map.html")
    html = path.read_text(encoding="utf-8")
    return result, html, parse(html)


def test_school_tables_equal_the_audit_output_in_z_order(written):
    result, _, report = written
    for ind in ("fsm", "sen"):
        audited = result.schools[(result.schools["indicator"] == ind) & (result.schools["status"] == "audited")]
        expected = audited.sort_values("z")
        rows = table_rows(report, "schools", ind)
        assert [int(r["attrs"]["data-urn"]) for r in rows] == expected["urn"].tolist()
        for row, (_, want) in zip(rows, expected.iterrows()):
            c = row["cells"]
            assert c["pupils"] == f"{want['pupils']:,.0f}"
            assert c["school_rate"] == f"{100 * want['school_rate']:.1f}%"
            assert c["community_rate"] == f"{100 * want['community_rate']:.1f}%"
            assert c["gap_pp"] == f"{want['gap_pp']:+.1f}"
            assert c["z"] == f"{want['z']:.2f}"
            assert c["shortfall"] == f"{round(want['shortfall']):,}"                  # whole pupils
    alpha = table_rows(report, "schools", "fsm")[0]["cells"]          # hand-worked: 10% against 20% of 1,000
    assert (alpha["rank"], alpha["name"], alpha["gap_pp"], alpha["shortfall"], alpha["z"], alpha["flag"]) == (
        "1", "Alpha Academy", "-10.0", "100", "-7.91", "below 99.8% limit")


def test_trust_table_equals_the_audit_output_and_a_hand_worked_trust(written):
    result, _, report = written
    rows = {r["attrs"]["data-trust"]: r["cells"] for r in table_rows(report, "trusts", "fsm")}
    sea = rows["T001"]
    # Sea Trust FSM: observed 1000*0.10 + 400*0.18 = 172, expected 1000*0.2 + 400*0.2 = 280
    assert (sea["observed"], sea["expected"], sea["shortfall"]) == ("172", "280", "108")
    assert sea["gap_pp"] == f"{100 * (172 - 280) / 1400:+.1f}" == "-7.7"
    # the example has no over-dispersion allowance, so the trusts are ranked by the plain pooled z
    assert sea["ranked_by"] == f"{(172 - 280) / math.sqrt(1400 * 0.2 * 0.8):.2f}" == "-7.22"
    trusts = result.trusts[result.trusts["indicator"] == "fsm"].set_index("trust_code")
    for code, cells in rows.items():
        want = trusts.loc[code]
        assert cells["pupils"] == f"{want['pupils']:,.0f}" and cells["n_below"] == f"{want['n_below']:,.0f}"
        assert cells["share_below"] == f"{100 * want['share_below']:.1f}%"
    assert [r["attrs"]["class"] for r in table_rows(report, "trusts", "fsm")] == ["ranked", "ranked", "comparison"]
    assert rows["T002"]["name"] == XSS_TRUST


def test_segregation_indices_equal_the_audit_output(written):
    result, _, report = written
    rows = [r for r in report.rows if r["table"] and r["table"].get("id") == "areas" and r["cells"]]
    assert len(rows) == len(result.areas) == 2
    for row in rows:
        want = result.areas[result.areas["indicator"] == row["attrs"]["data-indicator"]].iloc[0]
        for col in ("D", "GS", "isolation"):
            assert row["cells"][col] == f"{want[col]:.3f}"
        assert row["cells"]["D_interval"] == (f"{want['D_bc']:.3f} ({want['D_bc_bootstrap95_low']:.3f} to "
                                              f"{want['D_bc_bootstrap95_high']:.3f}); random allocation 0.020")
        assert row["cells"]["group_pupils"] == f"{want['group_pupils']:,.0f}"


def test_summary_counts_flags_and_total_shortfall(written):
    _, html, _ = written
    section = html[html.index('id="indicator-fsm"'):html.index('id="indicator-sen"')]
    value = lambda field: re.search(rf'data-field="{field}">([^<]*)<', section).group(1)
    # FSM z: -7.91, -1.00, +2.83, -1.19, -2.17; shortfalls 100, 8, -30, 6, 15
    assert (value("audited"), value("below"), value("below_998"), value("above"), value("shortfall")) == (
        "5", "2", "1", "1", "129")
    assert value("flagged_shortfall") == "115"                 # the two below the 95% limit: 100 + 15


def test_funnel_plot_places_schools_against_the_limits(written):
    result, _, report = written
    shapes = [s for s in report.shapes if s["section"] and s["section"].get("id") == "indicator-fsm"]
    limits = {s["attrs"]["data-limit"]: s["attrs"]["points"] for s in shapes if s["tag"] == "polyline"}
    circles = {int(s["attrs"]["data-urn"]): s["attrs"] for s in shapes if s["tag"] == "circle"}
    assert set(circles) == {900001, 900002, 900003, 900004, 900005}
    y = lambda urn: float(circles[urn]["cy"])
    x = lambda urn: float(circles[urn]["cx"])
    assert y(900001) > polyline_y(limits["lower-998"], x(900001))                        # z -7.91: below 99.8%
    assert polyline_y(limits["lower-998"], x(900005)) > y(900005) > polyline_y(limits["lower-95"], x(900005))
    assert polyline_y(limits["upper-95"], x(900003)) > y(900003) > polyline_y(limits["upper-998"], x(900003))
    for urn in (900002, 900004):                                                           # within the limits
        assert polyline_y(limits["lower-95"], x(urn)) > y(urn) > polyline_y(limits["upper-95"], x(urn))
    labels = {int(s["attrs"]["data-urn"]): s["text"] for s in shapes if s["tag"] == "text" and "data-urn" in s["attrs"]}
    assert labels == {900001: "Alpha Academy", 900003: "Beta School", 900005: XSS_SCRIPT}   # flagged ones only
    # with one common community rate the plotted value is the school's own rate
    assert standardised_rate([-1.0], [400], 0.2)[0] == pytest.approx(0.18)


def test_report_is_self_contained_and_escapes_names(written):
    _, html, report = written
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', html)
    assert "<link" not in html and "<script src" not in html
    assert XSS_IMG not in html and XSS_SCRIPT not in html and XSS_TRUST not in html
    names = [r["cells"]["name"] for r in table_rows(report, "schools", "fsm")]
    assert XSS_IMG in names and XSS_SCRIPT in names
    assert re.search(r'<a id="map-link" href="maps/map.html">', html)
    assert "linked rather than embedded" in html


def test_suppressed_cin_values_never_appear_in_the_report(tmp_path):
    result = example_result(("fsm", "cin"))
    html = write_report(result, tmp_path / "report.html").read_text(encoding="utf-8")
    report = parse(html)
    cin = html[html.index('id="indicator-cin"'):html.index('id="segregation"')]
    alpha = next(r["cells"] for r in table_rows(report, "schools", "cin") if r["attrs"]["data-urn"] == "900001")
    for col in ("school_rate", "gap_pp", "z", "shortfall", "flag"):
        assert alpha[col] == "suppressed"
    assert alpha["community_rate"] == "3.0%" and alpha["pupils"] == "1,000"
    # 3 children of 1,000: rate 0.3%, gap -2.7, z, shortfall 27.0 -- none may be printed or plotted
    z = (0.003 - 0.03) / math.sqrt(0.03 * 0.97 / 1000)
    for hidden in ("0.3%", "-2.7", f"{z:.2f}", "27.0", ">27<"):
        assert hidden not in cin, hidden
    assert 'data-urn="900001"' not in cin[cin.index("<svg"):cin.index("</svg>")]
    sea = {r["attrs"]["data-trust"]: r["cells"] for r in table_rows(report, "trusts", "cin")}["T001"]
    assert sea["observed"] == sea["gap_pp"] == sea["ranked_by"] == "suppressed"    # 3 + 20 would give it away
    assert "23" not in sea.values()
    area = next(r["cells"] for r in report.rows if r["attrs"].get("data-indicator") == "cin" and r["table"].get("id") == "areas")
    assert area["D"] == area["group_pupils"] == "suppressed"
    assert 'content="suppressed"' in html and "UNSUPPRESSED" not in html


def test_unsuppressed_report_says_so_and_shows_the_values(tmp_path):
    html = write_report(example_result(("cin",)), tmp_path / "r.html", unsuppressed=True).read_text(encoding="utf-8")
    assert 'id="unsuppressed-warning"' in html and "INTERNAL USE ONLY" in html
    assert 'content="unsuppressed"' in html
    alpha = next(r["cells"] for r in table_rows(parse(html), "schools", "cin") if r["attrs"]["data-urn"] == "900001")
    assert alpha["school_rate"] == "0.3%"


def test_what_was_audited_names_model_years_sources_and_calibration(tmp_path):
    result = example_result(("fsm",), model="residential")
    result.meta["calibration"] = {"level": "la", "intercept": 0.0766, "slope": 0.6525, "r2": 0.3767, "fits": [
        {"phase": "primary", "year": 2023, "level": "la", "area": "846", "intercept": 0.0766, "slope": 0.6525,
         "r2": 0.3767, "schools": 25, "used_by": 25}]}
    html = write_report(result, tmp_path / "r.html").read_text(encoding="utf-8")
    field = lambda name: re.sub(r"<[^>]+>", "", re.search(rf'<dd data-field="{name}">(.*?)</dd>', html, re.S).group(1))
    assert field("area") == "Brighton and Hove; secondary schools"
    assert field("years") == "2021/22 to 2023/24 (3 years pooled)"
    assert field("model").startswith("residential: LSOAs")
    assert field("calibration").startswith("level = la, intercept = 0.0766, slope = 0.6525, r2 = 0.3767")
    fits = [r["texts"] for r in parse(html).rows if r["table"] and r["table"].get("id") == "calibration"]
    assert fits[1] == ["primary", "2023", "la", "846", "0.0766", "0.6525", "0.3767", "25", "25"]
    sources = {r["texts"][0]: r["texts"][1] for r in parse(html).rows if r["table"] and r["table"].get("id") == "sources"}
    assert sources == {"Warehouse table": "Files and vintages",
                       "school_census": "spc_school_level_2023.csv (2023/24)",
                       "schools": "edubasealldata20250524.csv (20250524)"}
