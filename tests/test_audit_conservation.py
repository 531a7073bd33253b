"""Communities that add up (docs/methodology.md §3.1): the odds shift worked by hand, and on the synthetic
sample every model's pupil-weighted gap over the schools it covers is zero, fitted over the whole phase
whatever the audit's filters."""
import math

import numpy as np
import pandas as pd
import pytest

import repaudit
from repaudit.auditing import conservation, tables
from repaudit.warehouse import Warehouse


@pytest.fixture(scope="module")
def sample_wh(sample_db):
    with Warehouse(sample_db, read_only=True) as wh:
        yield wh


def test_odds_shift_by_hand():
    # two schools of one phase and year: 100 pupils with 10 FSM against a community of 20%, 300 pupils with
    # 90 FSM against 25%: observed 100, expected 20 + 75 = 95. The shift a solves
    # 100 expit(logit 0.2 + a) + 300 expit(logit 0.25 + a) = 100.
    per_year = pd.DataFrame({"urn": [1, 2], "year": 2023, "numerator": [10.0, 90.0], "denominator": [100.0, 300.0],
                             "community_rate": [0.2, 0.25]})
    out, info = conservation.rescale(per_year, pd.Series({1: "primary", 2: "primary"}))
    t = out["community_rate"].to_numpy()
    assert (100 * t[0] + 300 * t[1]) == pytest.approx(100.0, abs=1e-9)
    a = math.log(t[0] / (1 - t[0])) - math.log(0.2 / 0.8)
    assert math.log(t[1] / (1 - t[1])) - math.log(0.25 / 0.75) == pytest.approx(a)    # one shift on the odds
    e = info["primary"]["2023"]
    assert e["odds_factor"] == pytest.approx(math.exp(a), abs=1e-6)
    assert e["gap_before_pp"] == pytest.approx(100 * (100 - 95) / 400)
    assert e["gap_after_pp"] == pytest.approx(0.0, abs=1e-6) and e["schools"] == 2
    # a zero community rate stays zero; a missing one is left out
    zero = pd.DataFrame({"urn": [1, 2, 3], "year": 2023, "numerator": [0.0, 30.0, 5.0],
                         "denominator": [50.0, 100.0, 10.0], "community_rate": [0.0, 0.2, np.nan]})
    out, info = conservation.rescale(zero, pd.Series({1: "primary", 2: "primary", 3: "primary"}))
    assert out["community_rate"].iloc[0] == 0.0 and out["community_rate"].iloc[1] == pytest.approx(0.3)
    assert np.isnan(out["community_rate"].iloc[2]) and info["primary"]["2023"]["schools"] == 2


def _pupil_weighted_gap(rows):
    return float((rows.pupils * (rows.school_rate - rows.community_rate)).sum() / rows.pupils.sum())


@pytest.mark.parametrize("model", ["la", "nearby-schools", "residential", "proximity", "catchment"])
def test_every_model_adds_up_on_the_sample(sample_wh, model):
    own = repaudit.audit(sample_wh, indicators=["fsm"], community=model, params={"conserve": False})
    result = repaudit.audit(sample_wh, indicators=["fsm"], community=model)
    for phase, rows in result.audited("fsm").groupby("phase"):
        # one year group of pupils per school: the pupil-weighted gap over the covered schools is zero
        assert abs(_pupil_weighted_gap(rows)) < 1e-3, (model, phase)
        before = own.audited("fsm")
        assert result.meta["conservation"]["fsm"][phase]
        gap = _pupil_weighted_gap(before[before.phase == phase])
        years = result.meta["conservation"]["fsm"][phase].values()
        assert np.mean([v["gap_before_pp"] for v in years]) == pytest.approx(100 * gap, abs=0.05)
    assert own.meta["conservation"] == {}
    assert "rescaled to add up" in tables.summary(result, sections=())


def test_filtered_audit_keeps_the_national_rescaling(sample_wh):
    whole = repaudit.audit(sample_wh, indicators=["fsm"], community="nearby-schools").audited("fsm").set_index("urn")
    secondary = repaudit.audit(sample_wh, indicators=["fsm"], community="nearby-schools", phase="secondary",
                               selective=False).audited("fsm").set_index("urn")
    assert len(secondary) < (whole.phase == "secondary").sum()
    assert secondary.community_rate.to_numpy() == pytest.approx(
        whole.loc[secondary.index, "community_rate"].to_numpy(), rel=1e-12)
    # the filtered schools' own total is not forced to zero
    assert abs(_pupil_weighted_gap(secondary)) > 1e-3
