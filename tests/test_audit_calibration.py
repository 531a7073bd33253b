"""IDACI -> FSM calibration and the LSOA vintage crosswalk, against a second implementation (numpy)."""
import numpy as np
import pytest

import audit_fixture
from audit_fixture import insert
from repaudit.auditing.calibration import calibrate
from repaudit.auditing.relations import materialise
from audit_fixture import audit_own_rates as audit   # the models' own rates, by hand


def logit(p):
    return np.log(p / (1 - p))


def empirical_logit(rate, n):
    return np.log((rate * n + 0.5) / (n - rate * n + 0.5))


def expit(v):
    return 1 / (1 + np.exp(-v))


def reference_fit(idaci, rate, n):
    """A second implementation: numpy's weighted polyfit of the empirical logit of FSM on logit(IDACI)."""
    slope, intercept = np.polyfit(logit(np.asarray(idaci)), empirical_logit(np.asarray(rate), np.asarray(n)), 1,
                                  w=np.sqrt(n))
    return intercept, slope


def test_weighted_logit_fit_matches_numpy_polyfit():
    rng = np.random.default_rng(4)
    x = rng.uniform(0.02, 0.5, 40)
    y = np.clip(0.02 + 0.9 * x + rng.normal(0, 0.03, 40), 0, 1)
    w = rng.integers(50, 1500, 40).astype(float)
    import pandas as pd
    rows = pd.DataFrame({"urn": range(40), "year": 2022, "phase": "secondary", "la": "900", "region": "R",
                         "selective": False, "rate": y, "idaci": x, "weight": w})
    expected, fits = calibrate(rows, level="la", min_schools=10)
    intercept, slope = reference_fit(x, y, w)
    assert expected.to_numpy() == pytest.approx(expit(intercept + slope * logit(x)))
    la_fit = fits[fits.level == "la"].iloc[0]
    assert (la_fit.intercept, la_fit.slope) == (pytest.approx(intercept), pytest.approx(slope))
    assert la_fit.status == "used" and la_fit.used_by == 40
    lx, ly = logit(x), empirical_logit(y, w)
    wm = lambda v: np.sum(w * v) / np.sum(w)  # noqa: E731
    r2 = (wm((lx - wm(lx)) * (ly - wm(ly)))) ** 2 / (wm((lx - wm(lx)) ** 2) * wm((ly - wm(ly)) ** 2))
    assert la_fit.r2 == pytest.approx(r2)


def test_expected_rate_is_never_zero_or_negative():
    import pandas as pd
    # a straight line through these schools crosses zero at IDACI 0.04: a school whose community IDACI is
    # 0.02 got an expected FSM rate of 0 (clipped), and no z; on the logit scale it is small but positive
    idaci = np.array([0.05, 0.15, 0.3, 0.5, 0.02])
    rate = np.array([0.01, 0.12, 0.3, 0.6, 0.05])
    n = np.full(5, 200.0)
    slope_line, intercept_line = np.polyfit(idaci[:4], rate[:4], 1)
    assert intercept_line + slope_line * 0.02 < 0
    rows = pd.DataFrame({"urn": range(5), "year": 2022, "phase": "secondary", "la": "a", "region": "R",
                         "selective": [False] * 4 + [True], "rate": rate, "idaci": idaci, "weight": n})
    expected, fits = calibrate(rows, level="england")
    intercept, slope = reference_fit(idaci[:4], rate[:4], n[:4])          # the selective school is left out
    assert expected.to_numpy() == pytest.approx(expit(intercept + slope * logit(idaci)))
    assert (expected > 0).all() and (expected < 1).all()
    assert expected[4] == pytest.approx(expit(intercept + slope * logit(0.02))) and expected[4] > 0.001


def test_small_la_falls_back_to_region_with_the_reason_and_selective_left_out():
    import pandas as pd
    rows = pd.DataFrame({"urn": [1, 2, 3, 4], "year": 2022, "phase": "secondary", "la": ["a", "a", "b", "b"],
                         "region": "R", "selective": [False, False, False, True],
                         "rate": [0.1, 0.3, 0.2, 0.02], "idaci": [0.1, 0.3, 0.2, 0.25], "weight": 100.0})
    expected, fits = calibrate(rows, level="la", min_schools=3)
    # no LA has 3 schools: every school uses the region's fit on the three non-selective schools
    intercept, slope = reference_fit([0.1, 0.3, 0.2], [0.1, 0.3, 0.2], np.full(3, 100.0))
    assert expected.to_numpy() == pytest.approx(expit(intercept + slope * logit(np.array([0.1, 0.3, 0.2, 0.25]))))
    assert set(fits[fits.used_by > 0].level) == {"region"}
    la = fits[fits.level == "la"].set_index("area")
    assert la.loc["a", "status"] == "refused: fewer than 3 schools" and la.loc["a", "used_by"] == 0


def test_refused_slope_is_reported():
    import pandas as pd
    rows = pd.DataFrame({"urn": range(4), "year": 2022, "phase": "primary", "la": ["a", "a", "b", "b"],
                         "region": "R", "selective": False, "rate": [0.3, 0.1, 0.1, 0.3],
                         "idaci": [0.1, 0.3, 0.1, 0.3], "weight": 100.0})
    expected, fits = calibrate(rows, level="la", min_schools=2)
    la = fits[fits.level == "la"].set_index("area")
    assert la.loc["a", "status"] == "refused: slope not positive (or IDACI does not vary)"
    assert la.loc["b", "status"] == "used"


def test_residential_fsm_from_calibrated_idaci(wh):
    audit_fixture.build(wh, rates=False)
    r = audit(wh, community="residential", params={"method": "radius", "radius_km": 2, "share": "whole",
                                                    "calibration_level": "england"})
    x = np.array([0.7 / 3, 0.7 / 3, 0.275])                    # community IDACI by hand (see test_audit_models)
    y, w = np.array([0.1, 0.3, 0.25]), np.array([100, 100, 200.0])
    intercept, slope = reference_fit(x, y, w)
    got = r.schools.set_index("urn").loc[[1, 2, 3], "community_rate"].to_numpy()
    assert got == pytest.approx(expit(intercept + slope * logit(x)))
    cal = r.meta["calibration"]
    assert cal["level"] == "england" and cal["slope"] == pytest.approx(slope)
    assert cal["intercept"] == pytest.approx(intercept)
    assert cal["centring"].startswith("an England-level fit centres England on zero")
    lsoa = r.lsoas[r.lsoas.phase == "secondary"].set_index("lsoa")["rate"]
    assert lsoa["L3"] == pytest.approx(expit(intercept + slope * logit(0.5)))


def test_calibration_level_is_a_choice_and_la_says_it_centres_each_la(wh):
    audit_fixture.build(wh, rates=False)
    default = audit(wh, community="residential", params={"calibration_min_schools": 2})
    assert default.meta["calibration"]["level"] == "region"
    la = audit(wh, community="residential", params={"calibration_level": "la", "calibration_min_schools": 2})
    assert la.meta["calibration"]["centring"].startswith("an LA-level fit centres each LA on zero")
    assert la.meta["calibration"]["school_years_by_level"]["la"] == 3


def test_2011_deprivation_and_population_through_the_lookup(wh):
    audit_fixture.build(wh, rates=False, idaci=False)
    wh.con.execute("delete from lsoa_population")
    # O1 split into L1 and L2; O3 and O4 merged into L3; L4 unchanged
    insert(wh, "lsoa_lookup", [{"lsoa11": a, "lsoa21": b, "chgind": c} for a, b, c in
                               (("O1", "L1", "S"), ("O1", "L2", "S"), ("O3", "L3", "M"), ("O4", "L3", "M"),
                                ("L4", "L4", "U"))])
    insert(wh, "lsoa_deprivation", [{"lsoa": c, "lsoa_vintage": 2011, "year": 2019, "measure": "idaci",
                                     "score": s} for c, s in (("O1", 0.2), ("O3", 0.4), ("O4", 0.6), ("L4", 0.2))])
    insert(wh, "lsoa_population", [{"lsoa": c, "lsoa_vintage": 2011, "year": 2011, "age_band": "Aged 0 to 15",
                                    "age_min": 0, "age_max": 15, "population": p}
                                   for c, p in (("O1", 320), ("O3", 96), ("O4", 64), ("L4", 160))])
    materialise(wh.con, "audit_lsoa_crosswalk", "lsoa_crosswalk")
    materialise(wh.con, "audit_lsoa_areas", "lsoa_areas")
    a = wh.con.execute("select * from audit_lsoa_areas order by lsoa").df().set_index("lsoa")
    assert a["idaci"].to_dict() == pytest.approx({"L1": 0.2, "L2": 0.2, "L3": 0.5, "L4": 0.2})
    # children 11-15 are 5/16 of ages 0-15; O1's are shared equally by its two parts
    assert a["pop_secondary"].to_dict() == pytest.approx({"L1": 50.0, "L2": 50.0, "L3": 50.0, "L4": 50.0})
    assert a["pop_primary"].to_dict() == pytest.approx({"L1": 70.0, "L2": 70.0, "L3": 70.0, "L4": 70.0})


def test_few_schools_share_one_slope_with_a_level_per_year():
    import pandas as pd
    # 2021: two schools; 2022: the same IDACI, FSM 0.05 higher, but only one school has data, so 2022 has
    # no fit of its own: one slope over the three points, with 2022's own level (through its mean)
    rows = pd.DataFrame({"urn": [1, 2, 1], "year": [2021, 2021, 2022], "phase": "primary", "la": "a", "region": "R",
                         "selective": False, "rate": [0.1, 0.3, 0.15], "idaci": [0.1, 0.3, 0.1],
                         "weight": 100.0})
    expected, fits = calibrate(rows, level="england", min_schools=10)
    pooled = fits[fits.level == "england, slope pooled over years"]
    lx = logit(np.array([0.1, 0.3, 0.1]))
    ly = empirical_logit(np.array([0.1, 0.3, 0.15]), np.full(3, 100.0))
    assert pooled.slope.iloc[0] == pytest.approx(np.polyfit(lx, ly, 1)[0])
    assert expected.to_numpy()[:2] == pytest.approx(expit(ly[:2]))           # 2021: a line through two points
    assert expected.to_numpy()[2] == pytest.approx(expit(ly[2]))             # 2022: through its own mean
    assert pooled.status.iloc[0] == "used: England's fit for the year was refused"
