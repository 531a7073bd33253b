"""Comparable schools only, every school accounted for: new schools (one or two year groups), state boarding
schools, hospital, special and AP schools excluded with the rule named and listed; suppressed counts
exclude the school with the source's reason ('low' is 1 or 2 pupils, never 0); area figures say how many
schools they leave out. Synthetic schools by hand, and real ones from the national files."""
import pytest

from audit_fixture import insert, school
from load_support import write_csv
from repaudit.auditing.areas import left_out_words
from repaudit.auditing.run import audit
from repaudit.cli import cli
from repaudit.load import load_file
from repaudit.warehouse import Warehouse

# urn, name, census fields, FSM (numerator or None with the source's reason) / pupils
SCHOOLS = [
    (1, "A High School", {"year_groups": 5}, (20, 100)),
    (2, "B New Free School", {"year_groups": 1, "open_date": "2022-09-01"}, (5, 100)),
    (3, "C Boarding School", {"year_groups": 5, "boarders": 60}, (2, 100)),
    (4, "D Hospital School", {"year_groups": 5, "hospital_school": True}, (10, 100)),
    (5, "E Suppressed School", {"year_groups": 5}, (None, "confidential")),
    (6, "F Low School", {"year_groups": 5}, (None, "low number")),
    (7, "G High School", {"year_groups": 5}, (30, 100)),
]


def fill(wh):
    insert(wh, "schools", [school(u, n, 1000.0 * u, 0.0, 100) for u, n, _, _ in SCHOOLS])
    insert(wh, "school_census", [
        {"urn": u, "year": 2022, "name": n, "la_code": "900", "la_name": "Testshire", "pupils": 100,
         "youngest_year_group": 7, "phase_type_grouping": "State-funded secondary", **extra}
        for u, n, extra, _ in SCHOOLS])
    insert(wh, "school_indicators", [
        {"urn": u, "year": 2022, "indicator": "fsm", "numerator": f if isinstance(p, int) else None,
         "denominator": p if isinstance(p, int) else None, "missing_reason": None if isinstance(p, int) else p}
        for u, _, _, (f, p) in SCHOOLS])
    return wh


@pytest.fixture
def mixed_wh(wh):
    return fill(wh)


def test_each_rule_excludes_and_lists_the_school(mixed_wh):
    result = audit(mixed_wh, community="la")
    s = result.schools.set_index("urn")
    assert len(s) == len(SCHOOLS)                                  # every input school is listed
    assert s.loc[2, "exclusion_reason"] == (
        "not comparable: new school growing in (or one closing year by year), pupils in only one or two of the "
        "year groups Reception to Year 11 (rule: 2 or fewer year groups with pupils in the latest census)")
    assert s.loc[3, "exclusion_reason"] == (
        "not comparable: state boarding school, admissions are national (rule: boarders at least a quarter of "
        "pupils in the latest census)")
    assert s.loc[4, "exclusion_reason"].startswith("hospital school (outside scope: intake not local by law")
    assert s.loc[5, "exclusion_reason"] == ("FSM count suppressed in the source (confidential; rule: a suppressed "
                                            "count excludes the school)")
    assert s.loc[6, "exclusion_reason"].startswith("FSM count suppressed in the source as 'low' (1 or 2 pupils")
    assert list(s.index[s["status"] == "audited"]) == [1, 7]
    # the LA community is the comparable schools only: (20 + 30) / 200
    assert s.loc[1, "community_rate"] == pytest.approx(50 / 200)
    # D counts the new and boarding schools' own pupils (they are the LA's schools), not the hospital school,
    # and says which schools it leaves out
    la = result.areas[(result.areas["level"] == "la")].iloc[0]
    assert la["schools"] == 4 and la["group_pupils"] == pytest.approx(20 + 5 + 2 + 30)
    assert la["schools_left_out"] == 2
    assert la["schools_left_out_note"] == ("computed without 2 of its schools: 1 count suppressed in the source, "
                                           "1 'low' (1 or 2 pupils each, not 0)")


def test_include_audits_new_and_boarding_schools(mixed_wh):
    s = audit(mixed_wh, community="la", include=("new,boarding",)).schools.set_index("urn")
    assert list(s.index[s["status"] == "audited"]) == [1, 2, 3, 7]
    assert s.loc[1, "community_rate"] == pytest.approx((20 + 5 + 2 + 30) / 400)
    only_new = audit(mixed_wh, community="la", include="new").schools.set_index("urn")
    assert only_new.loc[2, "status"] == "audited" and only_new.loc[3, "status"] == "excluded"


def test_cli_include_and_its_error(runner, tmp_path):
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        fill(wh)
    out = tmp_path / "out"
    ok = runner.invoke(cli, ["audit", "--db", str(db), "--community", "la", "--out", str(out), "--include", "new",
                             "--include", "boarding", "--no-robustness", "--top", "0"])
    assert ok.exit_code == 0, ok.output
    assert "excluded: 1 FSM count suppressed in the source (confidential" in ok.output
    bad = runner.invoke(cli, ["audit", "--db", str(db), "--out", str(out), "--include", "grammar"])
    assert bad.exit_code == 1
    assert bad.output.strip() == "Error: --include takes new, boarding, non-entry (comma-separated); got 'grammar'"


def test_left_out_words():
    assert left_out_words(1, 0, 0) == "computed without 1 of its school: 1 without data"
    assert left_out_words(3, 1, 2) == ("computed without 3 of its schools: 1 count suppressed in the source, "
                                       "2 'low' (1 or 2 pupils each, not 0)")


def test_spc_year_groups_boarders_hospital_and_opening_date(tmp_path):
    groups = ["Reception"] + [f"Year group {g}" for g in range(1, 15)]
    header = ["time_period", "urn", "school_name", "headcount of pupils", "total boarders", "hospital_school",
              "opendate", "number of pupils known to be eligible for free school meals"]
    header += [f"Full time girls {g}" for g in groups]

    def row(urn, boarders, hospital, opened, **counts):
        return [202223, urn, f"S{urn}", 100, boarders, hospital, opened, 10] + [counts.get(g, 0) for g in groups]

    path = write_csv(tmp_path / "spc.csv", header, [
        row(1, 0, "", "01/09/2021", **{"Year group 7": 50, "Year group 8": 50}),
        row(2, 40, "Yes", "", **{g: 10 for g in groups[7:14]}),             # Years 7-13: 5 of R..11
        row(3, "x", "No", "2010-09-01", Reception=30)])
    with Warehouse(":memory:") as wh:
        load_file(wh, "spc", path)
        got = wh.con.execute("select urn, year_groups, boarders, hospital_school, open_date::varchar "
                             "from school_census order by urn").fetchall()
    assert got == [(1, 2, 0.0, None, "2021-09-01"), (2, 5, 40.0, True, None), (3, 1, None, False, "2010-09-01")]


@pytest.fixture(scope="module")
def national(national_db):
    with Warehouse(national_db, read_only=True) as wh:
        return audit(wh, community="la", indicators=("fsm",)).schools.set_index("urn")


@pytest.mark.parametrize("urn, start", [
    (136177, "not comparable: state boarding school"),              # Duke of York's Royal Military School: all board
    (143669, "not comparable: new school growing in"),              # Heathside Walton-on-Thames: Year 7 only
    (100091, "special school (outside scope: intake not local by law"),     # Frank Barnes School for Deaf Children
    (100007, "alternative provision (outside scope: intake not local by law"),  # Camden Primary Pupil Referral Unit
])
def test_real_schools_excluded_by_rule(national, urn, start):
    assert national.loc[urn, "status"] == "excluded"
    assert national.loc[urn, "exclusion_reason"].startswith(start)


def test_real_special_ap_and_counts(national):
    reasons = national["exclusion_reason"].fillna("")
    assert reasons.str.startswith("special school (outside scope: intake not local by law").sum() > 1000
    assert reasons.str.startswith("alternative provision (outside scope: intake not local by law").sum() > 300
    new = reasons.str.contains("new school growing in")
    boarding = reasons.str.contains("state boarding school")
    assert 40 <= new.sum() <= 70 and 5 <= boarding.sum() <= 15       # measured: 52 and 9 (SPC 2022/23)
    assert national.loc[new | boarding, "phase"].isin(["primary", "secondary"]).all()
