"""Communities that add up and flags fair to every area (docs/methodology.md §3.1, §4.1), on the real national
files under every public community model the data allow (catchment needs published polygons, flows
private data): England's pupil-weighted gap is zero per indicator and phase, and in every band of community
FSM holding at least 100 schools 2-15% of schools are below the lower 95% limit."""
import numpy as np
import pandas as pd
import pytest

import repaudit
from repaudit.auditing import models, stats
from repaudit.warehouse import Warehouse

PUBLIC = [m for m in models.names() if m not in ("flows", "catchment")]
BANDS = [0.0, 0.10, 0.20, 0.30, 0.40, 1.01]
BELOW = ["below_95", "below_998"]


@pytest.fixture(scope="module")
def audits(national_db):
    with Warehouse(national_db, read_only=True) as wh:
        return {m: repaudit.audit(wh, indicators="all", community=m) for m in PUBLIC}


def pupil_weighted_gap(rows: pd.DataFrame) -> float:
    """sum n (y - t) / sum n in pp, each school's pupils counted once."""
    n = rows.pupils.to_numpy(float)
    return float(100 * (n * (rows.school_rate - rows.community_rate)).sum() / n.sum())


@pytest.mark.parametrize("model", PUBLIC)
def test_england_pupil_weighted_gap_is_zero(audits, model):
    result = audits[model]
    a = result.schools[result.schools.status == "audited"]
    groups = a.groupby(["indicator", "phase"])
    assert len(groups) >= 1 and {"fsm"} <= set(a.indicator)
    for (indicator, phase), rows in groups:
        assert abs(pupil_weighted_gap(rows)) <= 0.3, (model, indicator, phase, pupil_weighted_gap(rows))
        info = result.meta["conservation"][indicator][phase]
        assert all(abs(v["gap_after_pp"]) < 1e-3 for v in info.values())


def test_without_rescaling_the_default_model_does_not_add_up(national_db):
    # the checker fails on the model's own rates: nearby-schools leaves grammar schools out of other pools
    with Warehouse(national_db, read_only=True) as wh:
        own = repaudit.audit(wh, indicators=["fsm"], community="nearby-schools", phase="secondary",
                             params={"conserve": False})
    assert pupil_weighted_gap(own.audited("fsm")) < -1.0
    assert own.meta["conservation"] == {}


def test_rescaling_is_fitted_nationally_not_per_la(audits, national_db):
    national = audits["nearby-schools"].audited("fsm").set_index("urn")
    la = national.groupby("la").size().idxmax()
    with Warehouse(national_db, read_only=True) as wh:
        one = repaudit.audit(wh, indicators=["fsm"], community="nearby-schools", la=la).audited("fsm")
    one = one.set_index("urn")
    assert one.community_rate.to_numpy() == pytest.approx(national.loc[one.index, "community_rate"].to_numpy(),
                                                          rel=1e-9)
    # the LA's own total is not forced to zero, and LAs both sides of zero remain
    gaps = national.groupby("la").apply(pupil_weighted_gap, include_groups=False)
    assert abs(pupil_weighted_gap(one)) > 0.01
    assert (gaps < -0.3).sum() > 10 and (gaps > 0.3).sum() > 10


@pytest.mark.parametrize("model", PUBLIC)
def test_share_below_the_lower_limit_in_every_band_of_community_fsm(audits, model):
    a = audits[model].audited("fsm")
    a = a.assign(band=pd.cut(a.community_rate, BANDS, right=False), below=a.flag.isin(BELOW))
    judged = 0
    for (phase, band), rows in a.groupby(["phase", "band"], observed=True):
        if len(rows) >= 100:
            judged += 1
            assert 0.02 <= rows.below.mean() <= 0.15, (model, phase, band, len(rows), rows.below.mean())
    assert judged >= 3


@pytest.mark.parametrize("model", PUBLIC)
def test_median_secondary_with_no_fsm_pupil_is_flagged(audits, model):
    a = audits[model].audited("fsm")
    secondary = a[a.phase == "secondary"]
    est = audits[model].meta["overdispersion"]["fsm"]["secondary"]
    n = float(secondary.pupils.median())
    for community in (0.10, 0.15, 0.30):
        z = stats.adjusted_z(0.0, community, n, est["tau2"], est["scale"])
        assert stats.flag([z])[0] == "below_998", (model, community, z)
    # schools of the phase that have no FSM pupil at all against 10% or more are all flagged
    none = secondary[(secondary.school_rate == 0) & (secondary.community_rate >= 0.10) & (secondary.pupils >= 300)]
    assert none.flag.isin(BELOW).all()


def test_the_old_raw_scale_limits_were_unfair_by_band(audits):
    # the checker above fails for the first version's limits: under 10% FSM hardly anyone is flagged
    from repaudit.auditing import dispersion

    a = audits["residential"].schools
    old, _ = dispersion.apply(a.drop(columns=["flag"]).assign(flag=None), "additive", "raw")
    old = old[(old.status == "audited") & (old.indicator == "fsm") & (old.phase == "primary")]
    low = old[old.community_rate < 0.10]
    assert len(low) >= 100 and low.flag.isin(BELOW).mean() < 0.02


def test_simulated_share_with_the_national_schools_is_what_the_docs_say(audits):
    # docs/methodology.md §4.1: with the national schools' own sizes, community rates and tau (nearby-schools),
    # about 6.6% of primaries and 6.2% of secondaries fall below the lower 95% limit if the model holds
    from funnel_simulation import simulate, summary

    result = audits["nearby-schools"]
    a = result.audited("fsm")
    for phase, stated in (("primary", 6.6), ("secondary", 6.2)):
        rows = a[a.phase == phase]
        tau = result.meta["overdispersion"]["fsm"][phase]["tau"]
        shares = summary(simulate(rows.pupils, rows.community_rate, tau, reps=6))
        assert abs(shares["all"] - stated) <= 0.6, (phase, shares["all"])
