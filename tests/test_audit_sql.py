"""Column contracts of the audit's SQL relations (queries/*.sql) on the hand-worked fixture: keys
unique, rates within 0-1, weights positive, every input school present."""
import pytest

import audit_fixture
from repaudit.auditing.run import audit
from repaudit.auditing.relations import materialise

MODELS = ("la", "nearby-schools", "nearby-primaries", "residential", "catchment", "flows", "proximity", "fitted")


def unique(con, table, key):
    dupes = con.execute(f"select count(*) from (select {key} from {table} group by {key} having count(*) > 1)")
    return dupes.fetchone()[0] == 0


@pytest.fixture
def con(wh):
    audit_fixture.build(wh)
    return wh.con


def test_scope_and_values(con):
    materialise(con, "audit_schools", "audit_schools")
    materialise(con, "audit_school_values", "school_values")
    assert unique(con, "audit_schools", "urn")
    assert con.execute("select count(*) from audit_schools").fetchone()[0] == \
        con.execute("select count(*) from (select urn from schools union select urn from school_census)").fetchone()[0]
    assert unique(con, "audit_school_values", "urn, year, indicator")
    bad = con.execute("select count(*) from audit_school_values where numerator < 0 or numerator > denominator")
    assert bad.fetchone()[0] == 0


def test_lsoa_relations(con):
    materialise(con, "audit_lsoa_crosswalk", "lsoa_crosswalk")
    materialise(con, "audit_lsoa_areas", "lsoa_areas")
    assert unique(con, "audit_lsoa_crosswalk", "code, lsoa")
    assert unique(con, "audit_lsoa_areas", "lsoa")
    assert con.execute("select count(*) from audit_lsoa_areas where idaci < 0 or idaci > 1").fetchone()[0] == 0


@pytest.mark.parametrize("model", MODELS)
def test_every_model_relation(wh, model):
    audit_fixture.build(wh)
    result = audit(wh, community=model)               # leaves the last indicator's relations behind
    con = wh.con
    assert unique(con, "catchment_weight", "urn, year, area")
    assert con.execute("select count(*) from catchment_weight where not weight > 0").fetchone()[0] == 0
    assert unique(con, "area_values", "area, year")
    if model not in ("la", "nearby-schools", "nearby-primaries"):   # rates of LSOAs (supplied, or IDACI) are 0-1
        assert con.execute("select count(*) from area_values where numerator < 0 or numerator > denominator"
                           ).fetchone()[0] == 0
    assert unique(con, "audit_sources", "urn")
    s = result.schools
    assert s.urn.is_unique and len(s) == con.execute("select count(*) from audit_schools").fetchone()[0]
    audited = s[s.status == "audited"]
    for col in ("school_rate", "community_rate"):
        assert audited[col].between(0, 1).all()
    assert result.lsoas.empty or result.lsoas.rate.between(0, 1).all()
