"""The proximity model follows GIAS predecessor links: a school converted since the census (new URN, no
roll of its own) keeps its predecessor's places, so its children are not pushed onto its neighbours.

Fixture of tests/audit_fixture.py plus J (URN 10, x = 11.5 km, GIAS roll blank, no census row), the
academy that replaced P (URN 11, closed, census 2022: 100 pupils, FSM 40). Worked by hand:
places A 100, B 100, C 200, H 100, J 100 = 600; the 700 children are scaled by 6/7: L1 600/7, L2 1200/7,
L3 600/7, L4 1800/7. In order of distance: L1->A 600/7; L2->B 100 (full); L4->J 100 (full);
L2->H 500/7; L3->C 600/7; L4->C 800/7 (full); L4->H 200/7 (full); L4->A 100/7 (full).
"""
import pytest

import audit_fixture
from audit_fixture import audit_own_rates as audit   # the models' own rates, by hand


@pytest.fixture
def converted(wh):
    audit_fixture.build(wh)
    audit_fixture.insert(wh, "schools", [
        audit_fixture.school(10, "J Academy", 11500.0, 0.0, None, type="Academy converter", type_group="Academies"),
        audit_fixture.school(11, "P School", 11500.0, 0.0, None, status="Closed")])
    audit_fixture.insert(wh, "school_census", [{"urn": 11, "year": 2022, "name": "P School", "la_code": "900",
                                                "phase_type_grouping": "State-funded secondary", "pupils": 100}])
    audit_fixture.insert(wh, "school_indicators", [
        {"urn": 11, "year": 2022, "indicator": "fsm", "numerator": 40, "denominator": 100}])
    audit_fixture.insert(wh, "school_links", [
        {"urn": 10, "link_urn": 11, "link_type": "Predecessor"},
        {"urn": 11, "link_urn": 10, "link_type": "Successor"}])
    return wh


def test_converted_school_keeps_its_children(converted):
    r = audit(converted, community="proximity")
    s = r.schools.set_index("urn")
    assert s.loc[11, "exclusion_reason"] == "closed"
    assert s.loc[10, "status"] == "audited"                          # was "no children assigned"
    assert s.loc[10, "school_rate"] == pytest.approx(0.4)            # the predecessor's census counts
    assert s.loc[10, "community_rate"] == pytest.approx(0.2)         # all of J's 100 children are from L4
    assert s.loc[3, "community_rate"] == pytest.approx((600 / 7 * 0.5 + 800 / 7 * 0.2) / 200)
    assert s.loc[1, "community_rate"] == pytest.approx((600 / 7 * 0.1 + 100 / 7 * 0.2) / 100)


def test_converted_school_roll_and_capacity_come_from_the_predecessor(converted):
    converted.con.execute("update schools set capacity = 120 where urn = 11")
    from repaudit.auditing import scope

    scope.prepare(converted.con)
    row = converted.con.execute("select roll, capacity from audit_schools where urn = 10").fetchone()
    assert row == (100, 120)
