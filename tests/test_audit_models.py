"""Every community model on the hand-worked fixture of tests/audit_fixture.py.

Schools (secondary, FSM / pupils, x in km along one road): A 10/100 at 0, B 30/100 at 1, C 50/200 at 10.
LSOAs (children 11-15, FSM rate supplied / IDACI): L1 100 at (0, 0.5) rate 0.1; L2 200 at 1.5 rate 0.3;
L3 100 at 9 rate 0.5; L4 300 at 11 rate 0.2. Also: H (in scope, 100 pupils, no FSM data) at 0.8, and
schools that are excluded (independent, special, no location, closed, no pupils).
"""
import math

import pytest

import audit_fixture
from audit_fixture import audit_own_rates as audit   # the models' own rates, by hand


@pytest.fixture
def fixture_wh(wh):
    audit_fixture.build(wh)
    return wh


def rates(result, column="community_rate"):
    s = result.schools.set_index("urn")
    return {u: s.loc[u, column] for u in (1, 2, 3)}


def z(ps, pc, n):
    return (ps - pc) / math.sqrt(pc * (1 - pc) / n)


def test_la_model_is_the_la_pupil_rate(fixture_wh):
    r = audit(fixture_wh, community="la")
    # LA 900: (10 + 30 + 50) / (100 + 100 + 200) = 0.225; school F is alone in LA 901 (no location needed)
    assert rates(r) == pytest.approx({1: 0.225, 2: 0.225, 3: 0.225})
    f = r.schools.set_index("urn").loc[6]
    assert f.status == "audited" and f.community_rate == pytest.approx(0.1)


def test_nearby_schools_k2(fixture_wh):
    r = audit(fixture_wh, community="nearby-schools", params={"k": 2})
    # A: A + B = 40/200; B: B + A; C: C + B (9 km) = 80/300
    assert rates(r) == pytest.approx({1: 0.2, 2: 0.2, 3: 80 / 300})
    s = r.schools.set_index("urn")
    assert s.loc[1, "z"] == pytest.approx(-2.5)            # -0.1 / sqrt(0.2 * 0.8 / 100)
    assert s.loc[1, "beyond_chance_flag"] == "below_95" and s.loc[2, "beyond_chance_flag"] == "above_95"
    assert s.loc[1, "shortfall"] == pytest.approx(10.0)
    assert s.loc[3, "z"] == pytest.approx(z(0.25, 80 / 300, 200))


def test_nearby_schools_radius_and_type_override(fixture_wh):
    r = audit(fixture_wh, community="nearby-schools", params={"radius_km": 1.5})
    # within 1.5 km: A sees A, B; B sees A, B; C sees only itself
    assert rates(r) == pytest.approx({1: 0.2, 2: 0.2, 3: 0.25})
    fixture_wh.con.execute("update schools set admissions_policy = 'Selective' where urn = 3")
    r = audit(fixture_wh, community="nearby-schools", params={"k": 1, "selective.k": 3})
    # k = 1: A and B are their own community; the selective school C takes its 3 nearest: C, B, A
    assert rates(r) == pytest.approx({1: 0.1, 2: 0.3, 3: 90 / 400})
    assert bool(r.schools.set_index("urn").loc[3, "selective"])


def test_residential_radius_and_reach_agree_by_hand(fixture_wh):
    by_radius = audit(fixture_wh, community="residential", params={"method": "radius", "radius_km": 2,
                                                                   "share": "whole"})
    # A and B: L1 (100 x 0.1) + L2 (200 x 0.3) -> 0.7 / 3; C: L3 (100 x 0.5) + L4 (300 x 0.2) -> 0.275
    expected = {1: 0.7 / 3, 2: 0.7 / 3, 3: 0.275}
    assert rates(by_radius) == pytest.approx(expected)
    # reach m = 2: A (100 pupils) needs 200 children: L1 (100, 0.5 km), then L2 (1.5 km) reaches 300;
    # B's nearest is L2 (0.5 km) with 200 children, enough alone; C needs 400: L3 + L4 (1 km each)
    by_reach = audit(fixture_wh, community="residential", params={"m": 2, "share": "whole"})
    assert rates(by_reach) == pytest.approx({1: 0.7 / 3, 2: 0.3, 3: 0.275})
    # m = 1: A needs 100 children, which L1 alone has
    assert rates(audit(fixture_wh, community="residential", params={"m": 1, "share": "whole"}))[1] == \
        pytest.approx(0.1)


def test_residential_lsoas_output(fixture_wh):
    r = audit(fixture_wh, community="residential", params={"m": 2})
    sec = r.lsoas[r.lsoas.phase == "secondary"].set_index("lsoa")
    assert sec["rate"].to_dict() == pytest.approx({"L1": 0.1, "L2": 0.3, "L3": 0.5, "L4": 0.2})
    assert sec.loc["L4", "child_population"] == 300


def test_catchment_polygons(fixture_wh):
    r = audit(fixture_wh, community="catchment")
    # West (x < 1.2 km) holds A, B and only L1; East holds C and L2, L3, L4: (60 + 50 + 60) / 600
    assert rates(r) == pytest.approx({1: 0.1, 2: 0.1, 3: 170 / 600})
    assert r.meta["model_info"]["fsm"]["layer"] == "test_layer"


def test_catchment_faith_school_takes_whole_layer(fixture_wh):
    fixture_wh.con.execute("update schools set religious_character = 'Roman Catholic' where urn = 1")
    r = audit(fixture_wh, community="catchment")
    # all four LSOAs: (10 + 60 + 50 + 60) / 700
    assert rates(r)[1] == pytest.approx(180 / 700)
    assert rates(r)[2] == pytest.approx(0.1)


def test_flows_weighted_mean_of_lsoa_rates(fixture_wh):
    r = audit(fixture_wh, community="flows")
    l1, l2 = 15 / 90, 25 / 110            # all pupils living in L1, L2 (A's and B's flows together)
    assert rates(r) == pytest.approx({1: (60 * l1 + 40 * l2) / 100, 2: (30 * l1 + 70 * l2) / 100,
                                      3: (100 * 0.3 + 100 * 0.2) / 200})


def test_proximity_nearest_school_with_room(fixture_wh):
    r = audit(fixture_wh, community="proximity")
    # places = rolls: A 100, B 100, C 200, H 100 (in scope, no FSM data, but it takes children) = 500;
    # 700 children scaled by 5/7. In order of distance: L1->A 500/7; L2->B 100 (full); L2->H 300/7;
    # L3->C 500/7; L4->C 900/7 (full); L4->H 400/7 (full); L4->A 200/7 (full).
    assert rates(r) == pytest.approx({1: (500 / 7 * 0.1 + 200 / 7 * 0.2) / 100, 2: 0.3,
                                      3: (500 / 7 * 0.5 + 900 / 7 * 0.2) / 200})


def test_every_input_school_once_with_a_reason(fixture_wh):
    for model in ("la", "nearby-schools", "residential", "catchment", "flows", "proximity"):
        r = audit(fixture_wh, community=model)
        s = r.schools
        assert sorted(s.urn) == list(range(1, 10)), model
        assert (s.status == "audited").sum() + (s.status == "excluded").sum() == 9
        assert s[s.status == "excluded"].exclusion_reason.notna().all()
        assert s[s.status == "audited"].exclusion_reason.isna().all()
        reasons = s.set_index("urn").exclusion_reason
        assert reasons[4] == "independent school (outside scope)"
        assert reasons[5] == ("special school (outside scope: intake not local by law, places are named in EHC plans; "
         "rule: special school type)")
        assert reasons[7] == "closed"
        assert reasons[8] == "no FSM data for the years"
        assert reasons[9] == "no pupils"
        if model not in ("la", "flows"):
            assert reasons[6] == "no location"


def test_unknown_model_and_parameter_are_clear_errors(fixture_wh):
    from repaudit.errors import RepauditError

    with pytest.raises(RepauditError, match="unknown community model 'nearest'.*nearby-schools"):
        audit(fixture_wh, community="nearest")
    with pytest.raises(RepauditError, match="unknown parameter 'kk' for the nearby-schools model"):
        audit(fixture_wh, community="nearby-schools", params={"kk": 3})
    with pytest.raises(RepauditError, match="method of the residential model must be one of reach, radius"):
        audit(fixture_wh, community="residential", params={"method": "circle"})
    with pytest.raises(RepauditError, match="k of the nearby-schools model must be a positive number; got abc"):
        audit(fixture_wh, community="nearby-schools", params={"k": "abc"})
    with pytest.raises(RepauditError, match="m of the residential model must be a positive number; got -1"):
        audit(fixture_wh, community="residential", params={"selective.m": -1})
    with pytest.raises(RepauditError, match="must be one of primary, secondary; got middle"):
        audit(fixture_wh, community="catchment", params={"catchment_phase": "middle"})


def test_proximity_phases_do_not_share_candidates(fixture_wh):
    # a primary school and primary-age children must not change the secondary allocation, even with
    # only two candidate schools per LSOA (each LSOA is a separate source for each phase)
    before = rates(audit(fixture_wh, community="proximity", params={"candidates": 2}))
    audit_fixture.insert(fixture_wh, "schools", [audit_fixture.school(20, "P Primary", 11000.0, 0.0, 300,
                                                                       phase="Primary")])
    audit_fixture.insert(fixture_wh, "school_indicators", [
        {"urn": 20, "year": 2022, "indicator": "fsm", "numerator": 60, "denominator": 300}])
    audit_fixture.insert(fixture_wh, "lsoa_population", [
        {"lsoa": code, "lsoa_vintage": 2021, "year": 2021, "age_band": "Aged 4 to 10 years", "age_min": 4,
         "age_max": 10, "population": 150} for code in ("L1", "L2", "L3", "L4")])
    after = audit(fixture_wh, community="proximity", params={"candidates": 2})
    assert rates(after) == pytest.approx(before)
    # the primary school is the only primary school: it takes every primary child -> all four LSOAs
    p = after.schools.set_index("urn").loc[20]
    assert p.community_rate == pytest.approx((0.1 + 0.3 + 0.5 + 0.2) / 4)


def test_proximity_demand_scaled_la_by_la():
    import pandas as pd

    from repaudit.auditing.proximity import local_demand

    pairs = pd.DataFrame({"lsoa": ["L1", "L1", "L2", "L2"], "urn": [1, 2, 2, 1], "dist": [1.0, 5.0, 1.0, 5.0]})
    schools = pd.DataFrame({"la": ["a", "b"], "roll": [50.0, 150.0]}, index=[1, 2])
    demand = local_demand(pairs, pd.Series({"L1": 100.0, "L2": 100.0}), schools)
    assert demand.to_dict() == pytest.approx({"L1": 50.0, "L2": 150.0})
