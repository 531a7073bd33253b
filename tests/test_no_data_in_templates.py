"""No module may pass text derived from the data into a template: every source a Jinja environment compiles
while the audit map, the report and the simulator's change maps are written is recorded, and none may hold
any school, trust, LA, catchment or policy name (folium compiles each element's output again as a template,
which is how a name such as {{ 7*7 }} used to be evaluated)."""
import jinja2
import pytest

import hostile_outputs as hostile
from repaudit.cli import cli

NAMES = [*hostile.SCHOOL_NAMES.values(), *hostile.TRUST_NAMES, hostile.LA_NAME, hostile.CATCHMENT_NAME,
         hostile.POLICY_NAME]
# Pieces of the names that no template of the project contains (whole names could be split by a writer).
PIECES = ["7*7", "6*7", "__globals__", "onerror", "HYPERLINK", "Shire", "if 1 %}x", "alert(1)"]


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    return hostile.build(tmp_path_factory.mktemp("templates") / "w.duckdb")


@pytest.fixture
def compiled(monkeypatch):
    """Every template source compiled by any Jinja environment during the test."""
    sources = []
    parse = jinja2.Environment._parse

    def recording(self, source, name, filename):
        sources.append(source)
        return parse(self, source, name, filename)

    monkeypatch.setattr(jinja2.Environment, "_parse", recording)
    return sources


def _no_names_in(sources):
    assert sources, "no template was compiled: the check would prove nothing"
    for source in sources:
        for piece in PIECES + NAMES:
            assert piece not in source, (piece, source[:300])


@pytest.mark.parametrize("args", [
    ["audit", "--out", "{tmp}/a", "--format", "csv", "--map", "--report"],
    ["map", "--out", "{tmp}/m.html"],
    ["report", "--out", "{tmp}/r.html"],
], ids=["audit", "map", "report"])
def test_audit_pages_compile_no_data(args, hostile_db, compiled, runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, [a.format(tmp=tmp_path) for a in args] + ["--db", str(hostile_db)])
    assert result.exit_code == 0, result.output
    assert len(compiled) > 10          # folium's second pass over every element's output was seen
    _no_names_in(compiled)
    assert not (tmp_path / hostile.CREATED_FILE).exists()


def test_change_maps_compile_no_data(hostile_db, compiled, runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    policy = str(hostile.POLICY)
    for args in (["--synthetic", "--la", "990", "--catchments", hostile.CATCHMENT_LAYER, "--db", str(hostile_db)],
                 ["--applications", str(hostile.FOLDER / "applications.csv"), "--capacities",
                  str(hostile.FOLDER / "capacities_hostile_names.csv"), "--db", str(tmp_path / "none.duckdb")]):
        result = runner.invoke(cli, ["simulate", "--policy", policy, "--runs", "1", "--out", str(tmp_path / "s"), *args])
        assert result.exit_code == 0, result.output
    _no_names_in(compiled)


def test_the_check_sees_a_name_put_into_a_template(compiled):
    from branca.element import Element, Figure

    figure = Figure()
    figure.html.add_child(Element(f"<p>{hostile.SCHOOL_NAMES[990010]}</p>"))
    assert "<p>49 Primary</p>" in figure.render()
    with pytest.raises(AssertionError):
        _no_names_in(compiled)
