"""What a DfE analyst or a journalist would quote, checked on the real national files with default options,
secondary FSM, under every public community model (catchment needs published polygons, flows private data):
flags near what 'unusual among schools' should give, a ranking that does not favour big schools, every D
inside its stated interval, no audited school without a community rate, no trust twice, no 16-19 school."""
import numpy as np
import pandas as pd
import pytest

import repaudit
from repaudit.auditing import models, validation
from repaudit.warehouse import Warehouse

PUBLIC = [m for m in models.names() if m not in ("flows", "catchment")]
BELOW = ["below_95", "below_998"]


@pytest.fixture(scope="module")
def audits(national_db):
    with Warehouse(national_db, read_only=True) as wh:
        return {m: repaudit.audit(wh, indicators=["fsm"], community=m, phase="secondary") for m in PUBLIC}


@pytest.mark.parametrize("model", PUBLIC)
def test_share_flagged_below_the_lower_limit_is_what_unusual_among_schools_gives(audits, model):
    a = audits[model].audited("fsm")
    share = a.flag.isin(BELOW).mean()
    assert 0.025 <= share <= 0.15, share
    # the plain binomial test flags far more: the spread between schools is far beyond chance
    assert a.beyond_chance_flag.isin(BELOW).mean() > 2 * share
    est = audits[model].meta["overdispersion"]["fsm"]["secondary"]
    # tau on the logit scale (docs/methodology.md §4.1): 0.37-0.50 by model on 2022/23
    assert est["phi"] > 10 and 0.3 < est["tau"] < 0.7 and est["share_below_95"] == pytest.approx(share)


@pytest.mark.parametrize("model", PUBLIC)
def test_lowest_ranked_schools_are_not_the_big_ones_by_construction(audits, model):
    a = audits[model].audited("fsm")
    assert list(a["rank"].head(50)) == list(range(1, 51))
    assert a.gap_shrunk_pp.is_monotonic_increasing
    median_all, median_50 = a.pupils.median(), a.head(50).pupils.median()
    assert abs(median_50 - median_all) <= 0.25 * median_all, (median_50, median_all)
    # every ranked school has its 95% posterior interval around its shrunken gap
    assert (a.gap_shrunk_posterior95_low_pp <= a.gap_shrunk_pp).all()
    assert (a.gap_shrunk_pp <= a.gap_shrunk_posterior95_high_pp).all()


@pytest.mark.parametrize("model", PUBLIC)
def test_every_audited_school_has_a_community_rate(audits, model):
    a = audits[model].audited("fsm")
    assert a.community_rate.notna().all() and (a.community_rate > 0).all() and (a.community_rate < 1).all()
    assert a.z.notna().all() and a.flag.notna().all() and a.beyond_chance_flag.notna().all()


def test_no_d_outside_its_stated_interval(audits):
    areas = audits["la"].areas
    defined = areas[areas.D_undefined.isna()]
    assert len(defined) > 500 and defined.D.notna().all()
    assert (defined.D_bc_bootstrap95_low <= defined.D_bc).all() and (defined.D_bc <= defined.D_bc_bootstrap95_high).all()
    assert (defined.D_school_resample95_low <= defined.D).all() and (defined.D <= defined.D_school_resample95_high).all()
    wide = defined[defined.level.isin(["england", "region"])]
    assert (wide.D_random < wide.D_bc).all()
    undefined = areas[areas.D_undefined.notna()]
    assert undefined[["D", "D_bc", "D_random", "GS"]].isna().all().all()
    one = undefined[undefined.schools == 1]
    assert len(one) > 0 and (one.D_undefined == "not defined: one school").all()


def test_england_d_is_read_against_chance(audits):
    england = audits["la"].areas.query("level == 'england'").iloc[0]
    assert 0.2 < england.D_bc < england.D < 0.4
    assert england.D_random < 0.05


def test_no_trust_twice(audits):
    for model in PUBLIC:
        t = audits[model].trusts
        assert t.trust_code.is_unique
        named = t[~t.comparison.astype(bool)]
        assert named.trust_name.str.casefold().is_unique, named[named.trust_name.duplicated(keep=False)]


def test_no_16_to_19_school_audited_by_default(national_db, audits):
    with Warehouse(national_db, read_only=True) as wh:
        no_year7 = set(wh.con.execute("""select urn from schools where phase = '16 plus'
                                         or type ilike '%16 to 19%' or type ilike '%16-19%'""").df().urn)
    assert no_year7
    for model in PUBLIC:
        a = audits[model].audited("fsm")
        assert not (set(a.urn) & no_year7)


def test_model_comparison_figures(audits):
    v = validation.compare_results(audits, "fsm")
    m = v["models"].set_index("community_model")
    assert set(m.index) == set(PUBLIC) and (m.audited > 3000).all()
    assert (m.grammar_schools.between(150, 170)).all() and (m.grammar_mean_gap_pp < -8).all()
    p = v["pairs"]
    assert len(p) == len(PUBLIC) * (len(PUBLIC) - 1) // 2
    assert (p.gap_correlation > 0.5).all() and (p.schools > 3000).all()
    # the flag counts of a pair are counted independently here
    la, near = audits["la"].audited("fsm").set_index("urn"), audits["nearby-schools"].audited("fsm").set_index("urn")
    common = la.index.intersection(near.index)
    change = (la.loc[common, "flag"].isin(BELOW) != near.loc[common, "flag"].isin(BELOW)).sum()
    row = p[(p.model_a == "la") & (p.model_b == "nearby-schools")].iloc[0]
    assert row.change_flag == change and row.gap_correlation == pytest.approx(
        np.corrcoef(la.loc[common, "gap_pp"], near.loc[common, "gap_pp"])[0, 1])


def test_every_indicator_and_phase_keeps_d_inside_its_interval_and_states_its_years(national_db):
    # SEN support and EHC plan (2018/19) beside FSM (2022/23), primary and secondary: the rows where the old
    # interval excluded its own D (England primary EHC plan: D 0.319, interval 0.267-0.272) now carry a
    # bias-corrected D inside its interval and the D that random allocation gives
    with Warehouse(national_db, read_only=True) as wh:
        r = repaudit.audit(wh, indicators="all", community="la")
    assert r.meta["years_note"] == "years differ by indicator: SEN support and EHC plan are 2018/19, FSM is 2022/23"
    areas = r.areas
    assert set(areas.indicator) == {"fsm", "sen_support", "ehcp"}
    assert dict(areas.groupby("indicator").years.first()) == {"fsm": "2022/23", "sen_support": "2018/19",
                                                             "ehcp": "2018/19"}
    defined = areas[areas.D_undefined.isna()]
    assert (defined.D_bc_bootstrap95_low <= defined.D_bc).all() and (defined.D_bc <= defined.D_bc_bootstrap95_high).all()
    assert (defined.D_school_resample95_low <= defined.D).all() and (defined.D <= defined.D_school_resample95_high).all()
    ehc = areas.query("level == 'england' and indicator == 'ehcp' and phase == 'primary'").iloc[0]
    assert ehc.D_random > 0.1 and ehc.D_bc < ehc.D          # much of primary EHC-plan D is chance
