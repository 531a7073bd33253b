"""Explaining a result: the per-school change table, the decomposition of the change in D, model vs reality."""
import pytest

from repaudit.errors import InputFileError
from repaudit.simulate.compare import compare
from repaudit.simulate.explain import change_table, d_decomposition, model_vs_reality, read_facts
from simulate_support import policy, tiny_game

# Schools A and B (PAN 2 each), 1 km apart; every child lists A then B. n1, n2 live at A, f1 and f2 (FSM)
# further away. Baseline (distance): A = {n1, n2}, B = {f1, f2}: complete separation, D = 1, each school's
# term 1/2 |F_i/F - N_i/N| = 0.5. Policy: an FSM band of 50% at A (1 place) takes f1 (nearer), then n1 by
# distance: A = {f1, n1}, B = {n2, f2}: D = 0; each school's part of the change is 0 - 0.5 = -0.5.
CHILDREN = [{"id": "n1", "prefs": [0, 1], "xy": (0, 10)}, {"id": "n2", "prefs": [0, 1], "xy": (0, 20)},
            {"id": "f1", "prefs": [0, 1], "fsm": True, "xy": (0, 500)},
            {"id": "f2", "prefs": [0, 1], "fsm": True, "xy": (0, 600)}]


@pytest.fixture
def result():
    game = tiny_game([2, 2], CHILDREN)
    band = policy(["fsm", "everyone"], {"fsm": {"criteria": ["fsm"], "share": 0.5}})
    return compare(game, band, policy(["everyone"]), runs=3)


def test_each_schools_part_of_the_change_in_d_adds_up_to_the_change(result):
    table = change_table(result).set_index("name")
    assert table["d_part_change"].to_dict() == {"School A": -0.5, "School B": -0.5}
    assert table.loc["School A", "fsm_share_baseline"] == 0 and table.loc["School A", "fsm_share_policy"] == 0.5
    assert table.loc["School A", "fsm_share_change_lo"] == table.loc["School A", "fsm_share_change_hi"] == 0.5
    assert list(table.loc["School B", ["intake_baseline", "intake_policy", "directed_policy"]]) == [2, 2, 0]
    d = result.areas.set_index(["area", "metric"]).loc[("all", "D")]
    assert (d["baseline_mean"], d["policy_mean"]) == (1.0, 0.0)
    assert d_decomposition(result) == "change in D -1.000 = School A -0.500, School B -0.500, other schools +0.000"


def test_facts_are_set_beside_the_model(result, tmp_path):
    facts = tmp_path / "facts.csv"
    facts.write_text("urn,metric,value,source\n100001,fsm_share,0.4,the council\nall,first_pref_rate,0.75,\n"
                     ",directed,1,\n", encoding="utf-8")
    table = model_vs_reality(result, read_facts(facts, [100001, 100002]))
    # model: A's FSM share 1/2; first preferences offered to n1 and f1 of 4 = 0.5; nobody directed
    assert table[["school", "metric", "model", "reality"]].values.tolist() == [
        ["School A", "fsm_share", 0.5, 0.4], ["all", "first_pref_rate", 0.5, 0.75], ["all", "directed", 0.0, 1.0]]
    assert table["difference"].round(6).tolist() == [0.1, -0.25, -1.0]
    assert table["source"].tolist() == ["the council", "", ""]


def test_facts_against_the_baseline_take_the_baselines_figures(result, tmp_path):
    facts = tmp_path / "facts.csv"
    facts.write_text("urn,metric,value\n100001,fsm_share,0.4\n", encoding="utf-8")
    # School A's FSM share: 0 under the baseline, 1/2 under the FSM band
    assert model_vs_reality(result, read_facts(facts, [100001, 100002]), arm="baseline")["model"].tolist() == [0.0]
    assert model_vs_reality(result, read_facts(facts, [100001, 100002]))["model"].tolist() == [0.5]


def test_facts_that_are_neither_a_file_nor_published_are_refused(runner, tmp_path):
    from repaudit.cli import cli

    result = runner.invoke(cli, ["simulate", "--policy", "fsm-quota", "--synthetic", "--la", "York", "--facts",
                                 str(tmp_path / "none.csv"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "none.csv is not a file (give a facts CSV, or 'published')" in result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("line, message", [
    ("999,fsm_share,0.3", r"row 2, column 'urn': '999' is not the URN of a school in the simulation \(or 'all'\)"),
    ("100001,happiness,0.3", "row 2, column 'metric': unknown metric 'happiness'; known: fsm_share, first_pref_rate"),
    ("100001,fsm_share,37.67", r"row 2, column 'value': '37.67' is not a valid fsm_share \(shares are 0 to 1"),
    ("all,fsm_share,0.3", "row 2, column 'urn': fsm_share is a school's figure: give the school's URN"),
])
def test_bad_facts_name_the_row_and_column(tmp_path, line, message):
    facts = tmp_path / "facts.csv"
    facts.write_text(f"urn,metric,value\n{line}\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=message) as err:
        read_facts(facts, [100001])
    assert str(err.value).startswith(str(facts))


def test_brighton_model_vs_reality_through_the_command_line(runner, real, tmp_path):
    from pathlib import Path

    from repaudit.cli import cli

    facts = Path(__file__).resolve().parents[1] / "docs" / "brighton-2025-facts.csv"
    result = runner.invoke(cli, ["simulate", "--policy", "brighton-2025", "--brighton", str(real), "--runs", "4",
                                 "--facts", str(facts), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    varndean = next(line for line in lines if line.startswith("Varndean School") and "fsm_share" in line)
    assert "37.7%" in varndean
    assert any(line.startswith("all") and "directed" in line and "89.0" in line for line in lines)
    assert (tmp_path / "o" / "model_vs_reality.csv").is_file() and (tmp_path / "o" / "changes.csv").is_file()
