"""Scope: a secondary school that admits no Year 7 (16-19 schools, UTCs and studio schools, entry at 14)
is excluded by default with the rule named, or audited with include_non_entry / --include-non-entry.
The fields come from GIAS (type, StatutoryLowAge) and the SPC census (lowest year group with pupils)."""
import json

import pytest

from audit_fixture import insert, school
from load_support import write_csv
from repaudit.cli import cli
from repaudit.load import load_file
from repaudit.auditing.run import audit
from repaudit.warehouse import Warehouse

SIXTEEN = ("no Year 7 entry: 16-19 school (rule: 16-19 type, statutory low age 16 or more, or no pupils "
           "below Year 12)")
UTC = ("no local admission: university technical college or studio school (rule: type; recruits across a "
       "sub-region, mostly at 14)")
AT_14 = "no Year 7 entry: entry at 14 (rule: statutory low age 14 or 15, or no pupils below Year 10)"

# urn, name, GIAS fields, census youngest year group (None = no census row), FSM / pupils
SCHOOLS = [
    (1, "A High School", {}, 7, (20, 100)),
    (2, "B Sixth Form College", {"type": "Free schools 16 to 19"}, 12, (30, 100)),
    (3, "C Sixth Form Centre", {}, 12, (25, 100)),                 # a community school type, Years 12-13 only
    (4, "D UTC", {"type": "University technical college", "statutory_low_age": 14}, 10, (40, 100)),
    (5, "E Performing Arts Academy", {"type": "Academy converter", "statutory_low_age": 14}, None, (50, 100)),
    (6, "F Upper School", {"statutory_low_age": 13}, 9, (10, 100)),  # three-tier area: entry at 13, audited
    (7, "G Junior School", {"phase": "Primary"}, 3, (15, 100)),      # no reception, entry at Year 3: audited
    (8, "H Primary School", {"phase": "Primary"}, 0, (25, 100)),
]


def fill(wh):
    insert(wh, "schools", [school(u, n, 1000.0 * u, 0.0, 100, **extra) for u, n, extra, _, _ in SCHOOLS])
    insert(wh, "school_census", [
        {"urn": u, "year": 2022, "name": n, "la_code": "900", "pupils": 100, "youngest_year_group": y,
         "phase_type_grouping": "State-funded primary" if extra.get("phase") else "State-funded secondary"}
        for u, n, extra, y, _ in SCHOOLS if y is not None])
    insert(wh, "school_indicators", [{"urn": u, "year": 2022, "indicator": "fsm", "numerator": f,
                                      "denominator": p} for u, _, _, _, (f, p) in SCHOOLS])
    return wh


@pytest.fixture
def entry_wh(wh):
    return fill(wh)


def test_schools_without_year_7_entry_are_excluded_with_the_rule(entry_wh):
    s = audit(entry_wh, community="la").schools.set_index("urn")
    assert s.loc[2, "exclusion_reason"] == SIXTEEN
    assert s.loc[3, "exclusion_reason"] == SIXTEEN
    assert s.loc[4, "exclusion_reason"] == UTC
    assert s.loc[5, "exclusion_reason"] == AT_14
    assert (s.loc[[1, 6, 7, 8], "status"] == "audited").all()
    # the LA's secondary community leaves them out too: (20 + 10) / 200
    assert s.loc[1, "community_rate"] == pytest.approx(30 / 200)
    assert s.loc[7, "community_rate"] == pytest.approx(40 / 200)


def test_include_non_entry_audits_them(entry_wh):
    s = audit(entry_wh, community="la", include_non_entry=True).schools.set_index("urn")
    assert (s.status == "audited").all()
    assert s.loc[2, "community_rate"] == pytest.approx((20 + 30 + 25 + 40 + 50 + 10) / 600)


def test_cli_option(runner, tmp_path):
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        fill(wh)
    out = tmp_path / "out"
    result = runner.invoke(cli, ["audit", "--db", str(db), "--community", "la", "--out", str(out),
                                 "--include-non-entry", "--top", "0"])
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "meta.json").read_text())
    assert meta["include_non_entry"] is True and meta["counts"]["fsm"]["audited"] == 8
    result = runner.invoke(cli, ["audit", "--db", str(db), "--community", "la", "--out", str(out), "--top", "0"])
    assert json.loads((out / "meta.json").read_text())["counts"]["fsm"]["audited"] == 4


def test_spc_youngest_year_group_and_gias_statutory_ages(tmp_path):
    groups = ["Reception"] + [f"Year group {g}" for g in range(1, 15)]
    header = ["time_period", "urn", "school_name", "headcount of pupils",
              "number of pupils known to be eligible for free school meals"]
    header += [f"{t} {sex} {g}" for t in ("Full time", "Part time") for sex in ("girls", "boys") for g in groups]

    def row(urn, **counts):         # counts: group -> full-time girls
        cells = {f"Full time girls {g}": str(counts.get(g, 0)) for g in groups}
        return [202223, urn, f"S{urn}", 100, 10] + [cells.get(h, "0") for h in header[5:]]

    path = write_csv(tmp_path / "spc.csv", header, [
        row(1, **{"Year group 7": 30, "Year group 12": 5}), row(2, **{"Year group 12": 50, "Year group 13": 50}),
        row(3, **{"Reception": 20, "Year group 1": 20}), row(4)])
    gias = write_csv(tmp_path / "gias.csv", ["URN", "EstablishmentName", "StatutoryLowAge", "StatutoryHighAge"],
                     [[1, "S1", 11, 18], [2, "S2", 16, 19]])
    with Warehouse(":memory:") as wh:
        load_file(wh, "spc", path)
        load_file(wh, "gias", gias)
        got = dict(wh.con.execute("select urn, youngest_year_group from school_census").fetchall())
        ages = wh.con.execute("select urn, statutory_low_age, statutory_high_age from schools order by urn").fetchall()
    assert got == {1: 7, 2: 12, 3: 0, 4: None}
    assert ages == [(1, 11, 18), (2, 16, 19)]


def test_an_older_warehouse_gains_the_new_columns(tmp_path):
    import duckdb

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table schools (urn integer primary key, name varchar not null)")
    con.execute("create table school_census (urn integer not null, year integer not null, primary key (urn, year))")
    con.close()
    with Warehouse(path) as wh:
        cols = {r[0] for r in wh.con.execute("select column_name from duckdb_columns() where table_name in "
                                             "('schools', 'school_census')").fetchall()}
    assert {"statutory_low_age", "statutory_high_age", "youngest_year_group"} <= cols


def test_a_read_only_older_warehouse_is_a_clear_error(tmp_path, runner):
    path = tmp_path / "old.duckdb"
    with Warehouse(path) as wh:
        fill(wh)
        wh.con.execute("alter table school_census drop column youngest_year_group")
    result = runner.invoke(cli, ["audit", "--db", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: the warehouse was made by an earlier version of repaudit and lacks school_census.youngest_year_group; "
        "upgrade it by loading any file into it once (e.g. `repaudit load gias FILE --db DB`), or reload GIAS and "
        "the SPC to fill the new columns")
    assert not (tmp_path / "out").exists()
