"""The national audit on the real public files in ../shared/data/real (read in place, never copied):
the session warehouse of tests/real_files.py NATIONAL_FILES."""

import pytest

import repaudit
from repaudit.auditing.relations import materialise
from repaudit.warehouse import Warehouse

BRIGHTON_SECONDARIES = {114579, 114580, 114581, 114606, 114607, 114608, 114611, 136164, 137063, 139409}


@pytest.fixture(scope="module")
def national(national_db):
    with Warehouse(national_db, read_only=True) as wh:
        yield wh


@pytest.fixture(scope="module")
def nearby(national):
    return repaudit.audit(national, indicators=["fsm"], community="nearby-schools", phase="secondary")


@pytest.fixture(scope="module")
def residential(national):
    return repaudit.audit(national, indicators=["fsm"], community="residential", phase="secondary")


def test_every_state_funded_secondary_school_is_audited_or_excluded(national, nearby, residential):
    spc = set(national.con.execute("select urn from school_census where year = 2022 and "
                                   "phase_type_grouping = 'State-funded secondary'").df().urn)
    assert len(spc) == 3444
    for result in (nearby, residential):
        s = result.schools
        assert s.urn.is_unique
        assert spc <= set(s.urn)                                   # never drops a school
        audited, excluded = (s.status == "audited").sum(), (s.status == "excluded").sum()
        assert audited + excluded == len(s)
        assert s[s.status == "excluded"].exclusion_reason.notna().all()
        assert s[s.status == "audited"].exclusion_reason.isna().all()
        ours = s[s.urn.isin(spc)]
        assert (ours.status == "audited").sum() > 3150
        # a school closed since the 2023 census is (nearly always) audited under its successor's URN;
        # a few successors changed phase (a middle school merged into a primary, a sixth-form centre)
        gone = ours[ours.exclusion_reason == "closed"]
        assert len(gone) > 100 and gone.successor.notna().all()
        assert gone.successor.astype(int).isin(s.urn).mean() > 0.9
        # the exclusions are the reasons a user can act on: closed since 2023 (successor URN audited
        # with the predecessor's census counts), missing from GIAS, no pupils or no FSM count, or no
        # Year 7 entry (16-19 schools, UTCs and studio schools, entry at 14) with the rule named, or not
        # comparable (new schools with one or two year groups, state boarding schools) with the rule named
        reasons = set(ours[ours.status == "excluded"].exclusion_reason)
        entry = {r for r in reasons if r.startswith(("no Year 7 entry: ", "no local admission: "))}
        comparable = {r for r in reasons if r.startswith("not comparable: ")}
        assert comparable and all("(rule: " in r for r in comparable)
        assert reasons - entry - comparable <= {"closed", "no location", "no pupils", "no FSM data for the years"}
        assert len(entry) == 3


def test_successors_inherit_their_predecessors_census_counts(national, nearby):
    s = nearby.schools
    closed = s[s.exclusion_reason == "closed"]
    successors = s[s.urn.isin(closed.successor.dropna().astype(int)) & s.exclusion_reason.ne("closed")]
    assert len(successors) > 50
    assert (successors.status == "audited").mean() > 0.9
    assert (successors.years == "2022").all()


def test_grammar_schools_under_represent_fsm(nearby, residential):
    for result in (nearby, residential):
        a = result.audited("fsm")
        selective = a[a.selective]
        assert 150 <= len(selective) <= 170                        # 163 state-funded grammar schools
        assert selective.gap_pp.mean() < 0
        assert selective.gap_pp.mean() < a[~a.selective].gap_pp.mean() - 8
        assert (selective.beyond_chance_flag.isin(["below_95", "below_998"])).mean() > 0.8
        # unusual among schools, too: grammar schools are flagged far more often than the others
        others = a[~a.selective]
        assert selective.flag.isin(["below_95", "below_998"]).mean() > 3 * others.flag.isin(["below_95", "below_998"]).mean()


def test_idaci_reaches_2021_lsoas_through_the_lookup(national, residential):
    materialise(national.con, "audit_lsoa_crosswalk", "lsoa_crosswalk")
    materialise(national.con, "audit_lsoa_areas", "lsoa_areas")
    counts = national.con.execute("""select count(*) filter (where lsoa like 'E%'),
                                            count(*) filter (where lsoa like 'E%' and idaci is not null),
                                            count(*) filter (where pop_secondary > 0)
                                     from audit_lsoa_areas""").fetchone()
    assert counts[0] == 33755 and counts[1] == counts[0] and counts[2] > 35000
    cal = residential.meta["calibration"]
    assert cal["slope"] > 0.5 and cal["r2"] > 0.3 and cal["year"] == 2022


def test_brighton_and_hove(national):
    r = repaudit.audit(national, indicators=["fsm"], community="la", phase="secondary", la="Brighton and Hove")
    assert set(r.schools.urn) == BRIGHTON_SECONDARIES
    assert (r.schools.status == "audited").all()
    la = r.areas[(r.areas.level == "la")].iloc[0]
    assert la.schools == 10 and 0 < la.D < 0.5 and la.GS == pytest.approx(la.D * (1 - la.share))
