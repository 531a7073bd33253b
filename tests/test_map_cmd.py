"""`repaudit map` and `repaudit report` on a hand-built warehouse: the files hold the audit's own numbers."""

import pytest

import repaudit
from audit_fixture import build
from map_page import school_features
from report_parser import parse, table_rows
from repaudit.cli import cli
from repaudit.warehouse import Warehouse


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "wh.duckdb"
    with Warehouse(path) as wh:
        build(wh)
    return path


def _api(db, **kw):
    with Warehouse(db, read_only=True) as wh:
        return repaudit.audit(wh, **kw)


def _features(html):
    return school_features(html)[0]


def test_map_command_draws_every_audited_school(runner, db, tmp_path):
    out = tmp_path / "m" / "map.html"
    res = runner.invoke(cli, ["map", "--db", str(db), "--out", str(out), "-p", "k=2"])
    assert res.exit_code == 0, res.output
    api = _api(db, community="nearby-schools", params={"k": 2})
    audited = api.schools[api.schools["status"] == "audited"]
    assert len(audited) == 3 and len(_features(out.read_text())) == 3            # schools A, B and C
    assert res.output.splitlines()[0].startswith(f"Map: {out} (")
    assert f"3 schools audited, {api.schools['urn'].nunique() - 3} not audited" in res.output
    assert "disclosure control applied." in res.output


def test_report_command_writes_the_api_numbers_and_links_the_map(runner, db, tmp_path):
    out = tmp_path / "r" / "report.html"
    res = runner.invoke(cli, ["report", "--db", str(db), "--out", str(out), "--community", "residential"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "r" / "map.html").exists() and f"Report: {out}" in res.output
    html = out.read_text()
    api = _api(db, community="residential").audited("fsm")
    rows = table_rows(parse(html), "schools", "fsm")
    assert [int(r["attrs"]["data-urn"]) for r in rows] == api["urn"].tolist()
    for row, (_, want) in zip(rows, api.iterrows()):
        assert row["cells"]["gap_pp"] == f"{want['gap_pp']:+.1f}"
        assert row["cells"]["community_rate"] == f"{100 * want['community_rate']:.1f}%"
    assert 'href="map.html"' in html and "<b>residential</b>" in html


def test_report_without_map_and_errors_without_traceback(runner, db, tmp_path):
    res = runner.invoke(cli, ["report", "--db", str(db), "--out", str(tmp_path / "r.html"), "--no-map", "--top", "1"])
    assert res.exit_code == 0 and not (tmp_path / "map.html").exists()
    assert len(table_rows(parse((tmp_path / "r.html").read_text()), "schools", "fsm")) == 1
    missing = tmp_path / "none.duckdb"
    res = runner.invoke(cli, ["map", "--db", str(missing)])
    assert res.exit_code == 1 and res.output.startswith(f"Error: no warehouse at {missing}")


@pytest.mark.parametrize("command", ["map", "report"])
def test_help_has_real_examples(runner, command):
    res = runner.invoke(cli, [command, "--help"])
    assert res.exit_code == 0 and f"repaudit {command} --" in res.output and "Examples:" in res.output
