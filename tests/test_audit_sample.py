"""The bundled synthetic region: the planted schools must come out as the least representative for FSM."""
import pytest

import repaudit
from repaudit.sample import load_sample
from repaudit.sample.model import build_sample
from repaudit.warehouse import Warehouse


@pytest.fixture(scope="module")
def sample_wh(tmp_path_factory):
    path = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    with Warehouse(path) as wh:
        load_sample(wh)
    with Warehouse(path, read_only=True) as wh:
        yield wh


PLANTED = {s.urn for s in build_sample().schools if s.role == "planted"}
ALL_URNS = {s.urn for s in build_sample().schools}


@pytest.mark.parametrize("model", ["nearby-schools", "residential", "flows", "la", "proximity"])
def test_planted_schools_are_the_least_representative_for_fsm(sample_wh, model):
    r = repaudit.audit(sample_wh, indicators=["fsm"], community=model)
    ranked = r.audited("fsm")
    assert len(PLANTED) == 3
    # ranked on the shrunken gap, the planted schools are among the first four (a 216-pupil primary
    # with a -15 pp gap can come between them) and each differs from its community beyond chance
    assert PLANTED <= set(ranked.urn.head(4)), ranked[["urn", "name", "gap_shrunk_pp", "z"]].head(5)
    planted = ranked[ranked.urn.isin(PLANTED)]
    assert (planted.beyond_chance_flag == "below_998").all()
    assert (planted.gap_pp < -9).all() and (planted["rank"] <= 4).all()


def test_every_sample_school_once_per_indicator(sample_wh):
    r = repaudit.audit(sample_wh, indicators="all", community="nearby-schools")
    assert r.meta["synthetic"] is True
    assert r.meta["indicators"] == ["fsm", "sen_support", "ehcp", "cin"]
    for indicator, rows in r.schools.groupby("indicator"):
        assert set(rows.urn) == ALL_URNS and rows.urn.is_unique, indicator
        assert rows[rows.status == "excluded"].exclusion_reason.notna().all()


def test_planted_trust_and_flows_sen(sample_wh):
    r = repaudit.audit(sample_wh, indicators=["fsm", "sen_support"], community="flows",
                       params={"min_trust_schools": 2})
    planted_trusts = set(r.schools[r.schools.urn.isin(PLANTED)].group_code.dropna())
    ranked = r.trusts[(r.trusts.indicator == "fsm") & r.trusts.ranked].sort_values("z_adjusted")
    assert ranked.trust_code.iloc[0] in planted_trusts
    sen = r.audited("sen_support").set_index("urn")
    assert (sen.loc[sorted(PLANTED), "beyond_chance_flag"] == "below_998").all()


def test_overdispersion_allowance_per_phase(sample_wh):
    import numpy as np

    from repaudit.auditing import stats

    plain = repaudit.audit(sample_wh, indicators=["fsm"], community="nearby-schools", params={"overdispersion": "none"})
    additive = repaudit.audit(sample_wh, indicators=["fsm"], community="nearby-schools")
    wide = repaudit.audit(sample_wh, indicators=["fsm"], community="nearby-schools",
                          params={"overdispersion": "multiplicative"})
    a = plain.audited("fsm").set_index("urn")
    assert (a.flag == a.beyond_chance_flag).all()
    for phase, rows in a.groupby("phase"):
        # phi and tau^2 recomputed on the logit scale from the schools of the phase: empirical logit of the
        # school's count against the logit of the community rate, s = 1/sqrt(n t (1 - t))
        z = stats.z_score(rows.school_rate, rows.community_rate, rows.pupils)
        t, n = rows.community_rate.to_numpy(), rows.pupils.to_numpy()
        gap = np.log((rows.school_rate.to_numpy() * n + 0.5) / (n - rows.school_rate.to_numpy() * n + 0.5)) \
            - np.log(t / (1 - t))
        s = 1 / np.sqrt(n * t * (1 - t))
        tau2 = stats.tau_squared(stats.winsorised_phi(gap / s), s)
        est = additive.meta["overdispersion"]["fsm"][phase]
        assert est["scale"] == "logit" and est["small_count_schools"] == 0
        assert est["phi"] == pytest.approx(stats.winsorised_phi(gap / s)) and est["tau2"] == pytest.approx(tau2)
        assert tau2 > 0
        got = additive.audited("fsm").set_index("urn").loc[rows.index]
        assert got.z.to_numpy() == pytest.approx(z)                              # z stays the plain z
        assert got.z_adjusted.to_numpy() == pytest.approx(gap / np.sqrt(s ** 2 + tau2))
        phi = stats.winsorised_phi(z)                          # the multiplicative allowance: plain z
        old = wide.audited("fsm").set_index("urn").loc[rows.index]
        assert old.z_adjusted.to_numpy() == pytest.approx(z / np.sqrt(max(1.0, phi)))
    # the old on/off setting still reads: true -> additive, false -> none
    again = repaudit.audit(sample_wh, indicators=["fsm"], community="nearby-schools", params={"overdispersion": "true"})
    assert again.meta["overdispersion"] == additive.meta["overdispersion"]
