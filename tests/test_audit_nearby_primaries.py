"""nearby-primaries: a secondary school's community is its k nearest state primaries, each weighted by
pupils / (distance + offset)^2 (the "mind the gap" method). Worked by hand, x in km along one road:
    S  secondary 10/100 at 0;  P1 primary 20/200 at 1;  P2 primary 60/200 at 2;  P3 primary 10/100 at 4
offset 1 km, so the weights per pupil are 1/4, 1/9 and 1/25:
    k = 2: (20/4 + 60/9) / (200/4 + 200/9)
    k = 3: (20/4 + 60/9 + 10/25) / (200/4 + 200/9 + 100/25)
"""
import pytest

from audit_fixture import insert, school
from audit_fixture import audit_own_rates as audit   # the models' own rates, by hand

SCHOOLS = [(1, "S High", 0.0, 10, 100, "Secondary"), (2, "P1 Primary", 1000.0, 20, 200, "Primary"),
           (3, "P2 Primary", 2000.0, 60, 200, "Primary"), (4, "P3 Primary", 4000.0, 10, 100, "Primary")]


@pytest.fixture
def town(wh):
    insert(wh, "schools", [school(u, n, x, 0.0, p, phase=ph) for u, n, x, _, p, ph in SCHOOLS])
    insert(wh, "school_indicators", [{"urn": u, "year": 2022, "indicator": "fsm", "numerator": f,
                                      "denominator": p} for u, _, _, f, p, _ in SCHOOLS])
    return wh


def test_size_and_inverse_square_distance_weights(town):
    two = audit(town, community="nearby-primaries", params={"k": 2}).schools.set_index("urn")
    assert two.loc[1, "community_rate"] == pytest.approx((20 / 4 + 60 / 9) / (200 / 4 + 200 / 9))
    assert (two.loc[1, "pool_schools"], two.loc[1, "pool_pupils"]) == (2, 400)
    three = audit(town, community="nearby-primaries").schools.set_index("urn")      # default k = 18
    assert three.loc[1, "community_rate"] == pytest.approx((20 / 4 + 60 / 9 + 10 / 25) / (200 / 4 + 200 / 9 + 4))
    assert three.loc[1, "gap_pp"] == pytest.approx(100 * (0.1 - (20 / 4 + 60 / 9 + 0.4) / (200 / 4 + 200 / 9 + 4)))


def test_offset_and_radius(town):
    s = audit(town, community="nearby-primaries", params={"offset_km": 2, "radius_km": 2.5}).schools.set_index("urn")
    assert s.loc[1, "community_rate"] == pytest.approx((20 / 9 + 60 / 16) / (200 / 9 + 200 / 16))


def test_primaries_are_outside_the_model_with_a_reason(town):
    s = audit(town, community="nearby-primaries").schools.set_index("urn")
    assert s.loc[2, "status"] == "excluded"
    assert s.loc[2, "exclusion_reason"] == "outside the nearby-primaries model (it audits secondary schools only)"
