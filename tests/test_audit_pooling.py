"""Rolling windows, same-year comparison, academy conversions, CIN, filters: worked by hand on
tests/audit_fixture.py (LA 900: A 10/100, B 30/100, C 50/200 FSM in 2022)."""
import math

import pytest

import audit_fixture
from audit_fixture import insert, school
from audit_fixture import audit_own_rates as audit   # the models' own rates, by hand
from repaudit.errors import RepauditError


@pytest.fixture
def two_years(wh):
    """2021 as well: A was URN 11 until it converted to an academy (GIAS links both ways)."""
    audit_fixture.build(wh)
    insert(wh, "schools", [school(11, "A School (predecessor)", 0.0, 0.0, 100, status="Closed")])
    insert(wh, "school_links", [
        {"urn": 1, "link_urn": 11, "link_type": "Predecessor"},
        {"urn": 11, "link_urn": 1, "link_type": "Successor"},
    ])
    insert(wh, "school_indicators", [
        {"urn": 11, "year": 2021, "indicator": "fsm", "numerator": 20, "denominator": 100},
        {"urn": 2, "year": 2021, "indicator": "fsm", "numerator": 30, "denominator": 100},
        {"urn": 3, "year": 2021, "indicator": "fsm", "numerator": 60, "denominator": 200},
    ])
    return wh


def test_pooled_over_years_with_same_year_community(two_years):
    r = audit(two_years, community="la", years=3)
    s = r.schools.set_index("urn")
    # LA 2021: (20 + 30 + 60) / 400 = 0.275 (URN 11's counts count once, through A); 2022: 0.225
    a = s.loc[1]
    assert a.school_rate == pytest.approx(30 / 200)
    assert a.community_rate == pytest.approx((100 * 0.275 + 100 * 0.225) / 200)
    assert a.pupils == pytest.approx(100)
    assert a.z == pytest.approx((0.15 - 0.25) / math.sqrt(0.25 * 0.75 / 100))
    assert a.years == "2021,2022"
    assert s.loc[3].school_rate == pytest.approx(110 / 400) and s.loc[3].community_rate == pytest.approx(0.25)
    assert s.loc[11].exclusion_reason == "closed"
    assert r.meta["years"] == [2021, 2022]


def test_window_of_one_year(two_years):
    a = audit(two_years, community="la", years=1).schools.set_index("urn").loc[1]
    assert (a.school_rate, a.community_rate, a.years) == (pytest.approx(0.1), pytest.approx(0.225), "2022")


def test_years_without_community_are_not_pooled(two_years):
    # flows exist for 2022 only: A is compared in 2022 alone, its 2021 counts are not mixed in
    a = audit(two_years, community="flows", years=3).schools.set_index("urn").loc[1]
    assert a.school_rate == pytest.approx(0.1) and a.years == "2022"


def test_cin_takes_roll_and_published_la_rate(wh):
    audit_fixture.build(wh)
    insert(wh, "school_indicators", [
        {"urn": u, "year": 2022, "indicator": "cin", "numerator": n, "denominator": None}
        for u, n in ((1, 3), (2, 5), (3, 10))
    ])
    insert(wh, "area_statistics", [
        {"level": "Local authority", "area_code": "E99999999", "old_la_code": "900", "year": 2022,
         "measure": "cin_at31", "value": 300},
        {"level": "Local authority", "area_code": "E99999999", "old_la_code": "900", "year": 2022,
         "measure": "population_0_17", "value": 10000},
    ])
    r = audit(wh, indicators=["cin"], community="la")
    s = r.schools.set_index("urn")
    assert s.loc[1].school_rate == pytest.approx(0.03)          # 3 / GIAS roll 100
    assert s.loc[3].school_rate == pytest.approx(0.05)          # 10 / 200
    assert s.loc[1].community_rate == pytest.approx(0.03)       # 300 per 10,000 children
    assert set(s.indicator) == {"cin"}


def test_cin_absent_without_a_school_file(wh):
    audit_fixture.build(wh)
    r = audit(wh, indicators=["fsm", "cin"], community="la")
    assert set(r.schools.indicator) == {"fsm"}
    assert any("cin: left out" in n and "cin-schools" in n for n in r.meta["notes"])
    with pytest.raises(RepauditError, match="none of the indicators"):
        audit(wh, indicators=["cin"], community="la")


def test_filters_and_their_errors(wh):
    audit_fixture.build(wh)
    assert sorted(audit(wh, community="la", la="Otherton").schools.urn) == [6]
    assert sorted(audit(wh, community="la", la="900").schools.urn) == [1, 2, 3, 4, 5, 7, 8, 9]
    assert sorted(audit(wh, community="la", trust="trust one").schools.urn) == [1, 2]
    assert sorted(audit(wh, community="la", phase="secondary").schools.urn) == [1, 2, 3, 6, 7, 8, 9]
    # the community reaches across a filter: C's nearest other school is B, outside --trust
    c = audit(wh, community="nearby-schools", la="900", params={"k": 2}).schools.set_index("urn").loc[3]
    assert c.community_rate == pytest.approx(80 / 300)
    wh.con.execute("update schools set admissions_policy = 'Selective' where urn = 3")
    wh.con.execute("update schools set religious_character = 'Church of England' where urn = 2")
    assert sorted(audit(wh, community="la", selective=True).schools.urn) == [3]
    assert sorted(audit(wh, community="la", faith=True).schools.urn) == [2]
    assert sorted(audit(wh, community="la", school_type="academy converter").schools.urn) == [1]
    assert 3 not in set(audit(wh, community="la", selective=False).schools.urn)
    with pytest.raises(RepauditError, match="no school matches --la 'Nowhere'.*Otherton.*Testshire"):
        audit(wh, community="la", la="Nowhere")
    with pytest.raises(RepauditError, match="--phase must be one of primary, secondary"):
        audit(wh, community="la", phase="middle")
    with pytest.raises(RepauditError, match="unknown indicator 'fms'"):
        audit(wh, indicators=["fms"])


def test_an_open_predecessor_is_not_counted_twice(wh):
    audit_fixture.build(wh)
    # GIAS lists B as C's predecessor but B is still open: C must not take B's counts
    insert(wh, "school_links", [{"urn": 3, "link_urn": 2, "link_type": "Predecessor"}])
    insert(wh, "school_indicators", [{"urn": 2, "year": 2021, "indicator": "fsm", "numerator": 30,
                                      "denominator": 100}])
    c = audit(wh, community="la", years=2).schools.set_index("urn").loc[3]
    assert c.years == "2022" and c.school_rate == pytest.approx(0.25)
