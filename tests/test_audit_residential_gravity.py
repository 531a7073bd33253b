"""residential with a gravity share: an LSOA's children are shared among the schools that can serve it,
so a rural school whose reach runs into a city is not credited with the city's children.

Worked by hand, secondary, x in km along one road, LSOA FSM rates supplied:
    LSOAs  R1 at 0 (100 children, 5%)   R2 at 1 (100, 5%)   U1 at 9 (200, 40%)   U2 at 10 (200, 40%)
    schools  R (rural) at 0, roll 150, FSM 10       C (city) at 10, roll 400, FSM 150
Reach m = 2: R needs 300 children: R1, R2 (200 so far), U1 (9 km). C needs 800: U2, U1, R2, R1.
Shared whole (the old model), R's community is (5 + 5 + 80) / 400 = 22.5%, a city rate.
Gravity, places = roll, floor 1 km, decay 2; both schools serve every LSOA (competitors = 3):
    attraction of R: R1 150/1, R2 150/1, U1 150/81;  of C: R1 400/100, R2 400/81, U1 400/1, U2 400/1 (R: 150/100)
"""
import pytest

from audit_fixture import X0, Y0, insert, school
from audit_fixture import audit_own_rates as audit   # the models' own rates, by hand

LSOAS = [("R1", 0.0, 100, 0.05), ("R2", 1000.0, 100, 0.05), ("U1", 9000.0, 200, 0.4), ("U2", 10000.0, 200, 0.4)]


@pytest.fixture
def rural_and_city(wh):
    insert(wh, "schools", [school(1, "R Rural School", 0.0, 0.0, 150), school(2, "C City School", 10000.0, 0.0, 400)])
    insert(wh, "school_indicators", [
        {"urn": 1, "year": 2022, "indicator": "fsm", "numerator": 10, "denominator": 150},
        {"urn": 2, "year": 2022, "indicator": "fsm", "numerator": 150, "denominator": 400}])
    insert(wh, "lsoa_centroids", [{"lsoa": c, "lsoa_vintage": 2021, "easting": X0 + x, "northing": Y0}
                                  for c, x, _, _ in LSOAS])
    insert(wh, "lsoa_population", [{"lsoa": c, "lsoa_vintage": 2021, "year": 2021, "age_band": "Aged 11 to 15",
                                    "age_min": 11, "age_max": 15, "population": p} for c, _, p, _ in LSOAS])
    insert(wh, "lsoa_rates", [{"lsoa": c, "year": 2022, "indicator": "fsm", "rate": r} for c, _, _, r in LSOAS])
    return wh


def weighted(pairs):
    return sum(w * r for w, r in pairs) / sum(w for w, _ in pairs)


def test_rural_school_near_a_city_gets_a_sliver_of_the_city(rural_and_city):
    s = audit(rural_and_city, community="residential").schools.set_index("urn")
    rural = weighted([(100 * 150 / (150 + 4), 0.05), (100 * 150 / (150 + 400 / 81), 0.05),
                      (200 * (150 / 81) / (150 / 81 + 400), 0.4)])
    city = weighted([(100 * 4 / (150 + 4), 0.05), (100 * (400 / 81) / (150 + 400 / 81), 0.05),
                     (200 * 400 / (150 / 81 + 400), 0.4), (200 * 400 / (400 + 1.5), 0.4)])
    assert s.loc[1, "community_rate"] == pytest.approx(rural)
    assert s.loc[2, "community_rate"] == pytest.approx(city)
    assert s.loc[1, "community_rate"] < 0.06 and s.loc[1, "gap_pp"] > 0      # was 22.5% and a gap of -15.8 pp


def test_share_whole_is_the_old_model(rural_and_city):
    s = audit(rural_and_city, community="residential", params={"share": "whole"}).schools.set_index("urn")
    assert s.loc[1, "community_rate"] == pytest.approx(90 / 400)
    assert s.loc[2, "community_rate"] == pytest.approx((5 + 5 + 80 + 80) / 600)


def test_competitors_alone_share_an_lsoa_the_school_does_not_reach(rural_and_city):
    # with radius 1.5 km R reaches R1 and R2 only, C reaches U1 and U2; competitors = 1 (each LSOA's nearest
    # school) keeps C out of R1 and R2 and R out of U1 and U2: each school has its own LSOAs whole
    s = audit(rural_and_city, community="residential",
              params={"method": "radius", "radius_km": 1.5, "competitors": 1}).schools.set_index("urn")
    assert s.loc[1, "community_rate"] == pytest.approx(0.05)
    assert s.loc[2, "community_rate"] == pytest.approx(0.4)
