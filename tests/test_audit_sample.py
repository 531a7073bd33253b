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
    assert set(ranked.urn.head(3)) == PLANTED, ranked[["urn", "name", "z"]].head(5)
    assert (ranked.head(3).flag == "below_998").all()
    assert (ranked.head(3).gap_pp < -10).all()


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
    ranked = r.trusts[(r.trusts.indicator == "fsm") & r.trusts.ranked].sort_values("z")
    assert ranked.trust_code.iloc[0] in planted_trusts
    sen = r.audited("sen_support").set_index("urn")
    assert (sen.loc[sorted(PLANTED), "flag"] == "below_998").all()


def test_overdispersion_divides_z_by_the_root_of_phi(sample_wh):
    import numpy as np

    from repaudit.auditing import stats

    plain = repaudit.audit(sample_wh, indicators=["fsm"], community="nearby-schools")
    wide = repaudit.audit(sample_wh, indicators=["fsm"], community="nearby-schools",
                          params={"overdispersion": "true"})
    z = plain.audited("fsm").set_index("urn").z
    phi = stats.overdispersion(z.to_numpy())
    assert phi > 1 and wide.meta["overdispersion"]["fsm"] == pytest.approx(phi)
    got = wide.audited("fsm").set_index("urn").z.reindex(z.index)
    assert got.to_numpy() == pytest.approx(z.to_numpy() / np.sqrt(phi))
    # the pooled trust z allows for it too
    t0 = plain.trusts.set_index("trust_code").z
    t1 = wide.trusts.set_index("trust_code").z.reindex(t0.index)
    assert t1.to_numpy() == pytest.approx(t0.to_numpy() / np.sqrt(phi))
