"""The report opens with findings in plain English (hand-worked sentences), then how to read it, then the
detail; parameters are words; long tables are capped with a link to the full table beside the report."""
import math
import re

import pandas as pd

from audit_examples import XSS_TRUST, example_result
from report_parser import parse
from repaudit import plain
from repaudit.report import report_page
from repaudit.report.build import MAX_LA_AREAS


def _text(html_part: str) -> str:
    from html import unescape
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html_part))).strip()


def _section(html: str, name: str) -> str:
    start = html.index(f'<section id="{name}"')
    return html[start:html.index("</section>", start)]


def test_findings_come_first_then_how_to_read_then_detail():
    html = report_page(example_result(("fsm", "sen")))
    order = [html.index(f'<section id="{name}"') for name in ("findings", "notes", "map", "indicator-fsm",
                                                                  "segregation", "audited", "excluded")]
    assert order == sorted(order)
    assert html.index("</header>") < order[0]


def test_least_representative_school_sentence_is_hand_worked():
    # Alpha Academy: 1,000 pupils, 10% FSM against 20%: shortfall 100, range 100 +- 1.96 sqrt(1000 x 0.2 x 0.8)
    half = 1.959964 * math.sqrt(1000 * 0.2 * 0.8)
    assert (round(100 - half), round(100 + half)) == (75, 125)
    findings = _section(report_page(example_result(("fsm",))), "findings")
    items = re.findall(r'<li data-urn="(\d+)">(.*?)</li>', findings, re.S)
    assert items[0][0] == "900001"
    assert _text(items[0][1]) == (
        "Alpha Academy (Brighton and Hove): 10.0% of pupils are eligible for free school meals, against 20.0% in the "
        "community around it: 100 fewer than a representative intake (95% range 75 to 125). That is far fewer than "
        "its community (below the 99.8% funnel limit).")
    # FSM flags below: Alpha (z -7.91) and the school with z -2.17 (15 short): 2 schools, 115 pupils
    count = _text(re.search(r'data-field="finding-count">(.*?)</p>', findings, re.S).group(1))
    assert count.startswith("5 schools audited (2 not audited, each with its reason below). 2 are flagged: fewer FSM pupils")
    assert "together they would need 115 more FSM pupils" in count


def test_least_representative_trust_has_whole_shortfall_and_range():
    # Sea Trust: observed 172, expected 280, sd sqrt(1400 x 0.2 x 0.8) = 14.97: 108, range 79 to 137
    findings = _text(_section(report_page(example_result(("fsm",))), "findings"))
    assert ("Sea Trust (2 schools, 1 below the funnel limit): gap -7.7 percentage points, 108 fewer than a "
            "representative intake (95% range 79 to 137).") in findings
    assert XSS_TRUST not in findings          # Bold Trust has a surplus, so it is no finding


def test_findings_follow_the_results_rank_like_every_other_output():
    result = example_result(("fsm",))
    gamma = result.schools["urn"] == 900004                  # z -1.19, shortfall 6: last of the under-represented
    result.schools["rank"] = result.schools["z"].rank()
    result.schools.loc[gamma, "rank"] = 0                    # the audit ranks it first: so do the findings
    result.meta["ranking"] = {"column": "z"}                 # no other column can reorder them
    first = re.findall(r'<li data-urn="(\d+)">', _section(report_page(result), "findings"))
    assert first[:3] == ["900004", "900001", "900005"]
    table = re.findall(r'<tr data-urn="(\d+)"', report_page(result))
    assert table[:3] == first[:3]


def test_parameters_are_words_not_json():
    html = report_page(example_result(("fsm",)))
    params = _section(html, "audited")
    assert "{&#34;k&#34;" not in params and '{"k"' not in params
    k = re.search(r'<li data-param="k">(.*?)</li>', params, re.S).group(1)
    assert _text(k) == "Number of schools, the school itself included: 5"


def test_long_la_table_is_capped_and_links_the_full_table():
    result = example_result(("fsm",))
    base = result.areas.iloc[0].to_dict()
    rows = [{**base, "area_code": f"E{k:03d}", "area_name": f"Authority {k:03d}", "D": k / 100} for k in range(45)]
    result.areas = pd.DataFrame(rows)
    html = report_page(result, tables={"areas.csv": "areas.csv", "schools.csv": "schools.csv"})
    shown = [r["attrs"]["data-area"] for r in parse(html).rows if r["table"] and r["table"].get("id") == "areas"
             and r["cells"]]
    assert len(shown) == MAX_LA_AREAS and set(shown) == {f"E{k:03d}" for k in range(45 - MAX_LA_AREAS, 45)}
    note = _text(re.search(r'data-field="la_areas_left_out">(.*?)</p>', html, re.S).group(1))
    assert note == f"The {45 - MAX_LA_AREAS} less segregated local authority rows are not listed here; every area is in areas.csv."
    assert '<a href="areas.csv"' in html and '<a href="schools.csv"' in html


def test_report_page_has_language_title_and_description():
    html = report_page(example_result(("fsm",)))
    assert '<html lang="en">' in html
    assert re.search(r'<meta name="description" content="Audit of how representative school intakes are: '
                     r'Brighton and Hove; secondary schools, 2021/22 to 2023/24 \(3 years pooled\)\.">', html)


def test_shortfall_words_for_a_surplus_and_missing_values():
    assert plain.shortfall_words(-30.4, (-50.0, -10.0)) == "30 more than a representative intake (95% range 10 to 50)"
    assert plain.shortfall_words(0.2, None) == "about as many as a representative intake"
    # a range that crosses zero is said both ways, never as a negative number of pupils
    assert plain.shortfall_words(16.2, (-14.3, 46.1)) == \
        "16 fewer than a representative intake (95% range 14 more to 46 fewer)"
    assert plain.shortfall_words(-16.2, (-46.1, 14.3)) == \
        "16 more than a representative intake (95% range 14 fewer to 46 more)"
    assert plain.school_sentence({"school_rate": float("nan"), "community_rate": 0.2}, "fsm") == \
        "Rates not available for this school."
