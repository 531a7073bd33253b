"""Selection and sex: selective schools admit only children who passed the selection test, single-sex schools
only their sex, whether by offer or by a directed place; a directed child goes to the nearest school with
room that may admit them. Hand-worked games, the applications CSV, and Kent and Buckinghamshire on the real
files (checked from the written allocation.csv and the SPC's own columns, not the engine's arrays)."""
import numpy as np
import pandas as pd
import pytest

from repaudit.cli import cli
from repaudit.errors import InputFileError
from repaudit.simulate.applicants import read_applications, to_applicants
from repaudit.simulate.game import DIRECTED, OFFER, check_validity, solve
from repaudit.simulate.policies import load_policy
from simulate_support import tiny_game


def entry_game(children):
    """A selective school at 0 m, a girls' school at 1 km, a mixed school at 2 km, each with 2 places."""
    game = tiny_game([2, 2, 2], children, school_xy=[(0.0, 0.0), (1000.0, 0.0), (2000.0, 0.0)])
    game.schools.selective = np.array([True, False, False])
    game.schools.sex = np.array(["mixed", "girls", "mixed"], dtype=object)
    game.applicants.girl = np.array([c["girl"] for c in children])
    game.applicants.qualified = np.array([c["qualified"] for c in children])
    return game


def test_a_directed_child_goes_to_the_nearest_school_with_room_that_may_admit_them():
    # nobody lists a school; all live at the selective school's gate
    children = [{"girl": False, "qualified": False}, {"girl": True, "qualified": False},
                {"girl": True, "qualified": True}, {"girl": False, "qualified": True}]
    alloc = solve(entry_game(children), load_policy("baseline"), seed=3)
    assert (alloc.route == DIRECTED).all()
    # unqualified boy: not the grammar, not the girls' school -> mixed (2 km); unqualified girl -> girls' school;
    # qualified children -> the grammar at 0 m
    assert alloc.school.tolist() == [2, 1, 0, 0]


def test_a_preference_for_a_school_that_may_not_admit_the_child_is_passed_over():
    children = [{"prefs": [0, 1, 2], "girl": False, "qualified": False, "xy": (0.0, 0.0)},
                {"prefs": [1, 0], "girl": True, "qualified": True, "xy": (0.0, 0.0)}]
    game = entry_game(children)
    alloc = solve(game, load_policy("baseline"), seed=0)
    assert alloc.route.tolist() == [OFFER, OFFER]
    assert alloc.school.tolist() == [2, 1] and alloc.preference_rank.tolist() == [3, 1]
    assert check_validity(game, alloc) == []


def test_check_validity_reports_a_child_at_a_school_that_may_not_admit_them():
    children = [{"prefs": [2], "girl": False, "qualified": False}]
    game = entry_game(children)
    alloc = solve(game, load_policy("baseline"), seed=0)
    assert check_validity(game, alloc) == []
    alloc.school[0], alloc.route[0] = 1, DIRECTED             # a boy at the girls' school
    assert check_validity(game, alloc) == ["applicant c0 placed at school 100002, which may not admit them "
                                           "(selection or sex)"]


def test_applications_csv_may_give_sex_and_the_selection_test(tmp_path):
    path = tmp_path / "apps.csv"
    path.write_text("applicant_id,easting,northing,fsm,looked_after,sex,qualified,pref1\n"
                    "a,1,1,0,0,F,1,100001\nb,1,1,0,0,m,0,100001\n", encoding="utf-8")
    frame = read_applications(path, [100001])
    apps = to_applicants(frame, {100001: 0})
    assert apps.girl.tolist() == [True, False] and apps.qualified.tolist() == [True, False]
    path.write_text("applicant_id,easting,northing,fsm,looked_after,sex,pref1\na,1,1,0,0,X,100001\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="'X' is not F or M"):
        read_applications(path, [100001])


@pytest.mark.parametrize("la", ["Kent", "Buckinghamshire"])
def test_nobody_is_placed_at_a_school_that_may_not_admit_them_in_kent_and_buckinghamshire(national_db, la, tmp_path,
                                                                                          runner):
    import duckdb

    out = tmp_path / "o"
    result = runner.invoke(cli, ["simulate", "--policy", "fsm-quota", "--synthetic", "--la", la, "--db",
                                 str(national_db), "--runs", "1", "--cohorts", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(national_db), read_only=True) as con:
        spc = con.execute("SELECT urn, arg_max(admissions_policy, year) AS policy, arg_max(sex_of_school, year) AS sex "
                          "FROM school_census GROUP BY urn").df()
    for name in ("allocation.csv", "allocation_baseline.csv"):
        placed = pd.read_csv(out / name).dropna(subset=["urn"]).merge(spc, on="urn", how="left")
        placed = placed[placed["route"] != "ehcp"]
        grammar = placed["policy"].eq("Selective")
        assert grammar.sum() > 500 and placed["directed"].sum() > 0
        assert not (grammar & placed["qualified"].eq(0)).any()
        boys_at_girls = placed["sex_x"].eq("M") & placed["sex_y"].eq("Girls")
        girls_at_boys = placed["sex_x"].eq("F") & placed["sex_y"].eq("Boys")
        assert placed["sex_y"].isin(["Girls", "Boys"]).sum() > 300
        assert not boys_at_girls.any() and not girls_at_boys.any()


def test_a_zero_width_interval_is_never_printed_as_if_certain():
    from repaudit.simulate.outputs import _change

    assert _change({"change_mean": 0.0653, "change_lo": 0.0653, "change_hi": 0.0653}) == " +6.5 (no interval)"
    assert _change({"change_mean": 0.0653, "change_lo": 0.05, "change_hi": 0.08}) == " +6.5 (+5.0,+8.0)"
