"""Behaviour as an explicit assumption: the FSM response of the choice model, cohort-redraw intervals, and the
options that set them (hand-worked where possible)."""
import functools

import numpy as np
import pytest

from repaudit.cli import cli
from repaudit.simulate.choice import Behaviour, ChoiceModel
from repaudit.simulate.compare import compare_cohorts
from repaudit.simulate.policies import load_policy
from repaudit.simulate.scenarios import brighton


@pytest.mark.parametrize("response, expected", [(0.0, 0.5), (np.log(3), 0.75), (np.log(9), 0.9)])
def test_a_larger_fsm_response_raises_fsm_first_preferences_at_the_targeted_school(response, expected):
    # Two schools 1 km either side of every home, equal popularity, no catchments: a family puts either first
    # with probability 1/2. School 0 gives FSM children priority; FSM families add `response` to its utility,
    # so they put it first with probability e^r / (e^r + 1): 1/2, 3/4, 9/10. Other families stay at 1/2.
    n = 40_000
    homes = np.zeros((n, 2))
    schools = np.array([[-1000.0, 0.0], [1000.0, 0.0]])
    fsm = (np.arange(n) % 2).astype(np.int64)
    model = ChoiceModel(np.zeros(2), per_km=0.6, catchment_bonus=1.5, fsm_response=response,
                        priority=np.array([True, False]))
    first = model.rank(homes, schools, np.zeros((n, 2), bool), 2, np.random.default_rng(4), fsm)[:, 0]
    tolerance = 4 * np.sqrt(0.25 / (n / 2))
    assert (first[fsm == 1] == 0).mean() == pytest.approx(expected, abs=tolerance)
    assert (first[fsm == 0] == 0).mean() == pytest.approx(0.5, abs=tolerance)


@functools.lru_cache(maxsize=None)
def cohort(real: str, seed: int, response: float = 0.0):
    policy = load_policy("brighton-2025")
    return brighton(real, seed=seed, city_share=0.28,
                    response=(response, policy.fsm_priority) if response else None)


def test_with_a_response_more_fsm_families_list_varndean_first_and_the_others_keep_their_homes(real):
    base, responding = cohort(str(real), 0), cohort(str(real), 0, 1.0)
    assert np.array_equal(base.applicants.fsm, responding.applicants.fsm)
    assert np.array_equal(base.applicants.xy, responding.applicants.xy)
    varndean = int(np.flatnonzero(base.schools.urn == 114579)[0])

    def fsm_firsts(game):
        firsts = game.applicants.prefs[game.applicants.offsets[:-1]]
        return int(((firsts == varndean) & game.applicants.fsm).sum())
    # the factsheet's count of Varndean first preferences is kept; more of them come from FSM families
    assert fsm_firsts(responding) > fsm_firsts(base) + 20
    assert responding.meta["calibration"]["choice_fsm_response"] == 1.0


def test_intervals_with_cohort_redraws_are_wider_than_lottery_only(real):
    policy, baseline = load_policy("brighton-2025"), load_policy("brighton-2024")
    one = compare_cohorts([(cohort(str(real), 0),) * 2], policy, baseline, runs=16, seed=1)
    four = compare_cohorts([(cohort(str(real), s),) * 2 for s in range(4)], policy, baseline, runs=16, seed=1)
    width = {}
    for label, result in (("lottery", one), ("cohorts", four)):
        share = result.school_table("fsm_share")
        width[label] = float((share["policy_hi"] - share["policy_lo"]).mean())
    assert width["cohorts"] > 1.5 * width["lottery"], width
    assert four.meta["intervals"] == "prediction for a fresh cohort, from 4 synthetic cohorts (4 lottery draws each)"
    assert one.meta["intervals"] == "lottery draws" and four.meta["runs"] == 16


def test_choice_parameters_are_shown_as_set_or_assumed(runner, real, tmp_path):
    result = runner.invoke(cli, ["simulate", "--policy", "brighton-2025", "--brighton", str(real), "--runs", "2",
                                 "--cohorts", "1", "--choice", "fsm_response=0.5", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert ("choice model: per_km = 0.6 (assumed), catchment_bonus = 1.5 (assumed), fsm_response = 0.5 (set)"
            in result.output)
    assert ("intervals (95%): lottery draws; one cohort: the intervals leave out how a fresh cohort would differ "
            "(give --cohorts)\n") in result.output


def test_bad_choice_options_are_errors(runner, tmp_path):
    result = runner.invoke(cli, ["simulate", "--policy", "baseline", "--choice", "speed=2"])
    assert result.exit_code == 2
    assert "unknown choice parameter speed (known: per_km, catchment_bonus, fsm_response)" in result.output
    apps, caps = tmp_path / "a.csv", tmp_path / "c.csv"
    apps.write_text("applicant_id,easting,northing,fsm,looked_after,pref1\na,530000,105000,1,0,100001\n")
    caps.write_text("urn,pan,easting,northing\n100001,1,530000,105000\n")
    result = runner.invoke(cli, ["simulate", "--policy", "fsm-quota", "--applications", str(apps), "--capacities",
                                 str(caps), "--cohorts", "3", "--db", str(tmp_path / "no.duckdb")])
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: --choice fsm_response and --cohorts apply to synthetic cohorts "
                                     "(--synthetic or --brighton); an applications CSV carries its applicants' own "
                                     "preferences")
    assert Behaviour().model(3).per_km == 0.6


def test_an_uncertain_choice_parameter_is_drawn_for_each_cohort():
    from repaudit.errors import RepauditError
    from repaudit.simulate.choice import behaviours

    drawn = behaviours({"per_km": (0.4, 0.8), "fsm_response": 0.5}, 3, seed=0)
    assert len(drawn) == 3 and len({b.per_km for b in drawn}) == 3
    assert all(0.4 <= b.per_km <= 0.8 and b.fsm_response == 0.5 and b.catchment_bonus == 1.5 for b in drawn)
    assert [b.per_km for b in behaviours({"per_km": (0.4, 0.8)}, 3, seed=0)] == [b.per_km for b in drawn]
    with pytest.raises(RepauditError, match="a range for per_km is drawn once per cohort: give --cohorts 2 or more"):
        behaviours({"per_km": (0.4, 0.8)}, 1, seed=0)
    with pytest.raises(RepauditError, match="the low end must not exceed the high end"):
        behaviours({"per_km": (0.8, 0.4)}, 2, seed=0)


def test_the_summary_says_which_parameters_were_drawn(runner, real, tmp_path):
    result = runner.invoke(cli, ["simulate", "--policy", "brighton-2025", "--brighton", str(real), "--runs", "4",
                                 "--cohorts", "2", "--choice", "per_km=0.4:0.8", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "choice model: per_km = 0.4 to 0.8 (drawn for each cohort), catchment_bonus = 1.5 (assumed)" in result.output
    assert ("intervals (95%): prediction for a fresh cohort, from 2 synthetic cohorts (2 lottery draws each), with "
            "per_km drawn for each cohort") in result.output
    bad = runner.invoke(cli, ["simulate", "--policy", "baseline", "--choice", "per_km=a:b"])
    assert bad.exit_code == 2 and "'a:b' is not a number or LOW:HIGH" in bad.output
