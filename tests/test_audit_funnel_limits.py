"""The report's funnel plot draws the limits the flags use: with the default additive over-dispersion
allowance, a school is outside the drawn 95% limit exactly when its `flag` says so."""
import pytest

import repaudit
from report_parser import parse, polyline_y
from repaudit.report import write_report
from repaudit.sample import load_sample
from repaudit.warehouse import Warehouse


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("funnel")
    with Warehouse(folder / "s.duckdb") as wh:
        load_sample(wh)
        result = repaudit.audit(wh, indicators=["fsm"], community="nearby-schools", phase="primary")
    html = write_report(result, folder / "report.html").read_text(encoding="utf-8")
    return result, parse(html)


def test_flags_and_drawn_limits_agree(report):
    result, parsed = report
    audited = result.audited("fsm").set_index("urn")
    assert result.meta["overdispersion"]["fsm"]["primary"]["tau2"] > 0
    assert (audited.flag != audited.beyond_chance_flag).any()      # the two tests really differ here
    shapes = [s for s in parsed.shapes if s["section"] and s["section"].get("id") == "indicator-fsm"]
    limits = {s["attrs"]["data-limit"]: s["attrs"]["points"] for s in shapes if s["tag"] == "polyline"}
    circles = {int(s["attrs"]["data-urn"]): s["attrs"] for s in shapes if s["tag"] == "circle"}
    assert set(circles) == set(audited.index)
    for urn, c in circles.items():
        x, y = float(c["cx"]), float(c["cy"])                       # SVG y grows downwards
        below = y > polyline_y(limits["lower-95"], x)
        above = y < polyline_y(limits["upper-95"], x)
        flag = audited.loc[urn, "flag"]
        assert below == (flag in ("below_95", "below_998")), (urn, flag)
        assert above == (flag in ("above_95", "above_998")), (urn, flag)
