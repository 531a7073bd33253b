"""IDACI -> FSM calibration and the LSOA vintage crosswalk, against a second implementation (numpy)."""
import numpy as np
import pytest

import audit_fixture
from audit_fixture import insert
from repaudit.auditing.calibration import calibrate
from repaudit.auditing.relations import materialise
from repaudit.auditing.run import audit


def test_weighted_fit_matches_numpy_polyfit():
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 0.5, 40)
    y = np.clip(0.02 + 0.9 * x + rng.normal(0, 0.03, 40), 0, 1)
    w = rng.integers(50, 1500, 40).astype(float)
    import pandas as pd
    rows = pd.DataFrame({"urn": range(40), "year": 2022, "phase": "secondary", "la": "900", "region": "R",
                         "selective": False, "rate": y, "idaci": x, "weight": w})
    expected, fits = calibrate(rows, level="la", min_schools=10)
    slope, intercept = np.polyfit(x, y, 1, w=np.sqrt(w))
    assert expected.to_numpy() == pytest.approx(np.clip(intercept + slope * x, 0, 1))
    la_fit = fits[fits.level == "la"].iloc[0]
    assert (la_fit.intercept, la_fit.slope) == (pytest.approx(intercept), pytest.approx(slope))
    r = np.corrcoef(x, y)  # unweighted r only as a sanity bound; weighted r2 checked below
    assert 0 < la_fit.r2 <= 1 and abs(r[0, 1]) > 0.5
    wm = lambda v: np.sum(w * v) / np.sum(w)  # noqa: E731
    r2 = (wm((x - wm(x)) * (y - wm(y)))) ** 2 / (wm((x - wm(x)) ** 2) * wm((y - wm(y)) ** 2))
    assert la_fit.r2 == pytest.approx(r2)


def test_small_la_falls_back_to_region_and_selective_left_out():
    import pandas as pd
    rows = pd.DataFrame({"urn": [1, 2, 3, 4], "year": 2022, "phase": "secondary", "la": ["a", "a", "b", "b"],
                         "region": "R", "selective": [False, False, False, True],
                         "rate": [0.1, 0.3, 0.2, 0.02], "idaci": [0.1, 0.3, 0.2, 0.25], "weight": 100.0})
    expected, fits = calibrate(rows, level="la", min_schools=3)
    # no LA has 3 schools: the region fit on the three non-selective schools (a perfect line y = x)
    assert expected.to_numpy() == pytest.approx([0.1, 0.3, 0.2, 0.25])
    assert set(fits[fits.used_by > 0].level) == {"region"}


def test_residential_fsm_from_calibrated_idaci(wh):
    audit_fixture.build(wh, rates=False)
    r = audit(wh, community="residential", params={"method": "radius", "radius_km": 2,
                                                    "calibration_level": "england"})
    x = np.array([0.7 / 3, 0.7 / 3, 0.275])                    # community IDACI by hand (see test_audit_models)
    y, w = np.array([0.1, 0.3, 0.25]), np.array([100, 100, 200.0])
    slope, intercept = np.polyfit(x, y, 1, w=np.sqrt(w))
    got = r.schools.set_index("urn").loc[[1, 2, 3], "community_rate"].to_numpy()
    assert got == pytest.approx(intercept + slope * x)
    cal = r.meta["calibration"]
    assert cal["level"] == "england" and cal["slope"] == pytest.approx(slope)
    assert cal["intercept"] == pytest.approx(intercept)
    lsoa = r.lsoas[r.lsoas.phase == "secondary"].set_index("lsoa")["rate"]
    assert lsoa["L3"] == pytest.approx(intercept + slope * 0.5)


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
    # 2021: two schools on the line y = x; 2022: the same IDACI, FSM 0.05 higher, but only one school has
    # data, so 2022 has no fit of its own: pooled slope 1 with 2022's own level (through its mean)
    rows = pd.DataFrame({"urn": [1, 2, 1], "year": [2021, 2021, 2022], "phase": "primary", "la": "a", "region": "R",
                         "selective": False, "rate": [0.1, 0.3, 0.15], "idaci": [0.1, 0.3, 0.1],
                         "weight": 100.0})
    expected, fits = calibrate(rows, level="england", min_schools=10)
    slope = fits[fits.level == "england, slope pooled over years"].slope.iloc[0]
    x, y = np.array([0.1, 0.3, 0.1]), np.array([0.1, 0.3, 0.15])
    assert slope == pytest.approx(np.polyfit(x, y, 1)[0])          # one slope over the three points
    assert expected.to_numpy()[:2] == pytest.approx([0.1, 0.3])     # 2021 has its own fit
    assert expected.to_numpy()[2] == pytest.approx(0.15)            # 2022: 0.15 - slope x 0.1 + slope x 0.1
