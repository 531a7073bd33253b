"""Trust ranking and segregation of areas on the hand-worked fixture (LA model, community 0.225)."""
import math

import pandas as pd
import pytest

import audit_fixture
from repaudit.auditing.indices import dissimilarity, gorard, isolation
from repaudit.auditing.run import audit


@pytest.fixture
def result(wh):
    audit_fixture.build(wh)
    return audit(wh, community="la", params={"min_trust_schools": 2})


def test_trust_pooled_statistics(result):
    t = result.trusts.set_index("trust_code")
    one = t.loc["T1"]                                  # A (10/100) and B (30/100) against 0.225
    assert one.trust_name == "Trust One" and one.schools == 2 and one.pupils == 200
    assert one.observed == pytest.approx(40) and one.expected == pytest.approx(45)
    assert one.gap_pp == pytest.approx(-2.5) and one.shortfall == pytest.approx(5)
    assert one.z == pytest.approx(-5 / math.sqrt(2 * 100 * 0.225 * 0.775))
    assert one.n_below == 1 and one.share_below == pytest.approx(0.5)   # A: z = -2.99
    assert bool(one.ranked) and not bool(one.comparison)


def test_la_maintained_comparison_groups(result):
    t = result.trusts.set_index("trust_code")
    la = t.loc["LA-900"]
    assert la.trust_name == "LA maintained: Testshire" and la.schools == 1
    assert bool(la.comparison) and not bool(la.ranked)          # one school: below the minimum of 2
    assert t.loc["LA-901"].trust_name == "LA maintained: Otherton"
    assert pd.isna(result.schools.set_index("urn").loc[3, "trust"])   # maintained schools have no trust


def test_area_indices_equal_the_pure_functions(result):
    a = result.areas.set_index(["level", "area_code"])
    la = a.loc[("la", "900")]
    f, t = [10, 30, 50], [100, 100, 200]
    assert la.D == pytest.approx(dissimilarity(f, t))
    assert la.GS == pytest.approx(gorard(f, t))
    assert la.isolation == pytest.approx(isolation(f, t))
    assert (la.schools, la.pupils, la.group_pupils) == (3, 400, 90)
    assert la.share == pytest.approx(0.225)
    assert a.loc[("england", "E92000001")].schools == 4          # F (LA 901) too
    assert a.loc[("trust", "T1")].D == pytest.approx(dissimilarity([10, 30], [100, 100]))


def test_areas_do_not_depend_on_the_model_and_follow_the_data(wh):
    audit_fixture.build(wh)
    first = audit(wh, community="la").areas
    again = audit(wh, community="nearby-schools").areas            # same schools: same table (memoised)
    pd.testing.assert_frame_equal(first, again)
    wh.con.execute("update school_indicators set numerator = 40 where urn = 1")
    changed = audit(wh, community="la").areas.set_index(["level", "area_code"])
    assert changed.loc[("la", "900"), "group_pupils"] == 120                 # 40 + 30 + 50, not stale
    assert changed.loc[("la", "900"), "D"] == pytest.approx(dissimilarity([40, 30, 50], [100, 100, 200]))


def test_a_trust_under_two_keys_is_one_row(wh):
    """A school in the 2022 group links (code T9) and one that joined later, known only by its census trust
    name (spelled in capitals, with a double space), are one trust; the sponsor group of the same name is
    not a trust. The group links (latest joined date 2022-03-14) are 3.2 years older than GIAS 20250524."""
    audit_fixture.build(wh)
    wh.con.execute("update schools set trust_code = null, trust_name = null, vintage = '20250524', "
                   "source_file = 'edubasealldata20250524.csv'")
    audit_fixture.insert(wh, "trust_membership", [
        {"urn": 1, "group_uid": "T9", "group_name": "Northern Stars Academy Trust",
         "group_type": "Multi-academy trust", "joined_date": "2022-03-14", "source_file": "links_2022.csv"},
        {"urn": 2, "group_uid": "S9", "group_name": "Northern Stars Academy Trust", "group_type": "School sponsor",
         "joined_date": "2020-01-01", "source_file": "links_2022.csv"},
        {"urn": 3, "group_uid": "S9", "group_name": "Northern Stars Academy Trust", "group_type": "School sponsor",
         "joined_date": "2020-01-01", "source_file": "links_2022.csv"}])
    audit_fixture.insert(wh, "school_census", [{"urn": 2, "year": 2022, "name": "B Academy", "la_code": "900",
                                                "trust_name": " NORTHERN STARS  ACADEMY TRUST",
                                                "phase_type_grouping": "State-funded secondary", "pupils": 100}])
    r = audit(wh, community="la", params={"min_trust_schools": 2})
    t = r.trusts.set_index("trust_code")
    assert list(r.trusts.trust_code[~r.trusts.comparison]) == ["T9"]
    assert t.loc["T9", "schools"] == 2 and t.loc["T9", "trust_name"] == "Northern Stars Academy Trust"
    assert t.loc["T9", "observed"] == pytest.approx(40) and bool(t.loc["T9", "ranked"])
    assert r.meta["notes"][0] == (
        "trusts: the GIAS group links (links_2022.csv, latest joined date 2022-03-14) are 3.2 years older than "
        "GIAS (edubasealldata20250524.csv, 2025-05-24); schools that joined or changed trust since are placed by "
        "their census trust name (merged into the GIAS trust code when the name is known): load a recent "
        "group-links file (`repaudit load gias-groups FILE`)")


def test_census_names_alone_are_one_trust_whatever_the_spelling(wh):
    audit_fixture.build(wh)
    wh.con.execute("update schools set trust_code = null, trust_name = null")
    audit_fixture.insert(wh, "school_census", [
        {"urn": u, "year": 2022, "name": n, "la_code": "900", "trust_name": tn,
         "phase_type_grouping": "State-funded secondary", "pupils": 100}
        for u, n, tn in ((1, "A Academy", "New Dawn Trust"), (2, "B Academy", "NEW DAWN  TRUST"))])
    r = audit(wh, community="la", params={"min_trust_schools": 2})
    trusts = r.trusts[~r.trusts.comparison]
    assert len(trusts) == 1 and trusts.schools.iloc[0] == 2
    assert trusts.trust_code.iloc[0] == "name:new dawn trust"
    assert r.meta["notes"] == []                       # no group links: nothing to compare
