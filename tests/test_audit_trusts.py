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
