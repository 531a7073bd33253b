"""Intervals for a fresh cohort and the coverage check (coverage.py), the scope sentence and the like-with-like
notice (framing.py): hand-worked values, simulated cases whose true coverage is known, and a broken interval
the check must catch."""
from types import SimpleNamespace

import numpy as np
import pytest

from repaudit.simulate.coverage import coverage, fresh_values, prediction_interval, t_quantile
from repaudit.simulate.framing import cohort_warning, differences, scope_sentence
from repaudit.simulate.policies import load_policy


@pytest.mark.parametrize("df, expected", [(1, 12.706), (2, 4.303), (3, 3.182), (4, 2.776), (9, 2.262),
                                          (19, 2.093), (29, 2.045), (120, 1.980)])
def test_t_critical_values_match_the_published_table(df, expected):
    assert t_quantile(df) == pytest.approx(expected, abs=0.0006)


def test_prediction_interval_by_hand():
    # one run per cohort: mean 2, sd 1, t(2) = 4.3027, sqrt(1 + 1/3): 2 +- 4.9683
    mean, lo, hi = prediction_interval(np.array([1.0, 2.0, 3.0]), np.array([0, 1, 2]))
    assert (mean, lo, hi) == pytest.approx((2.0, 2 - 4.9683, 2 + 4.9683), abs=1e-3)
    # two cohorts of two runs: means 2 and 6 (variance 8), within-cohort variance 2;
    # spread^2 = 8 (1 + 1/2) + 2 (1 - 1/2) = 13, t(1) = 12.7062: 4 +- 45.812
    values = np.array([[1.0], [3.0], [5.0], [7.0]])
    mean, lo, hi = prediction_interval(values, np.array([0, 0, 1, 1]))
    assert (mean[0], lo[0], hi[0]) == pytest.approx((4.0, 4 - 45.812, 4 + 45.812), abs=1e-2)


def test_prediction_interval_leaves_out_missing_values_and_needs_two_cohorts():
    values = np.array([[1.0, np.nan], [2.0, 5.0], [3.0, np.nan]])
    mean, lo, hi = prediction_interval(values, np.array([0, 1, 2]))
    assert mean[1] == 5.0 and np.isnan(lo[1]) and np.isnan(hi[1])
    assert lo[0] == pytest.approx(2 - 4.9683, abs=1e-3)


def test_the_check_counts_fresh_values_inside_by_hand():
    fresh = np.array([[0.5, 2.0], [1.5, 2.0], [np.nan, 3.0], [1.0, 9.0]])
    share = coverage(np.array([0.0, 2.0]), np.array([1.0, 3.0]), fresh)
    assert share == pytest.approx([2 / 3, 3 / 4])
    assert np.isnan(coverage(np.array([np.nan]), np.array([1.0]), fresh[:, :1])[0])
    assert fresh_values(lambda s: [s, 2 * s], [1, 2]).tolist() == [[1.0, 2.0], [2.0, 4.0]]


def _cohorts(rng, reps, n, k, between, within):
    """REPS simulated studies of N cohorts with K runs each (y = b_i + e_ij) and one fresh value each."""
    b = rng.normal(0, between, (reps, n, 1))
    runs = (b + rng.normal(0, within, (reps, n, k))).reshape(reps, n * k)
    fresh = rng.normal(0, between, reps) + rng.normal(0, within, reps)
    return runs, fresh


@pytest.mark.parametrize("n, k, between, within", [(2, 1, 1.0, 0.0), (5, 1, 1.0, 0.0), (5, 4, 1.0, 1.0),
                                                   (10, 10, 0.5, 1.0), (3, 20, 1.0, 0.2)])
def test_the_interval_holds_95_percent_of_fresh_cohorts_where_the_truth_is_known(n, k, between, within):
    # normal cohort effects and lottery noise: a fresh cohort (its own effect, one lottery) falls inside the
    # 95% prediction interval 95% of the time (exactly for k = 1, closely for k > 1); each study is one
    # column, so the check's per-unit share over 4,000 studies is the true coverage (+- 1.1 pp at 3 sd)
    rng = np.random.default_rng(n * 100 + k)
    reps = 4000
    runs, fresh = _cohorts(rng, reps, n, k, between, within)
    _, lo, hi = prediction_interval(runs.T, np.repeat(np.arange(n), k))
    inside = coverage(lo, hi, fresh[None, :])                    # one fresh value per study
    assert np.nanmean(inside) == pytest.approx(0.95, abs=0.015)


def test_the_check_fails_a_broken_interval():
    # the min-max of two cohorts holds a fresh one with probability (n - 1) / (n + 1) = 1/3, and the lottery
    # percentiles of one cohort miss the cohort variation: the check must report both far below 90%
    rng = np.random.default_rng(7)
    reps = 4000
    runs, fresh = _cohorts(rng, reps, 2, 1, 1.0, 0.0)
    share = coverage(runs.min(axis=1), runs.max(axis=1), fresh[None, :])
    assert np.mean(share) == pytest.approx(1 / 3, abs=0.025)
    runs, fresh = _cohorts(rng, reps, 1, 50, 1.0, 0.3)
    lottery = coverage(np.percentile(runs, 2.5, axis=1), np.percentile(runs, 97.5, axis=1), fresh[None, :])
    assert np.mean(lottery) < 0.6
    runs2, fresh2 = _cohorts(rng, reps, 2, 1, 1.0, 0.3)
    _, lo, hi = prediction_interval(runs2.T, np.array([0, 1]))
    assert np.mean(coverage(lo, hi, fresh2[None, :])) == pytest.approx(0.95, abs=0.015)    # two cohorts, fixed


def _game(name, community):
    meta = {"la": {"name": name}} if name else {}
    return SimpleNamespace(schools=SimpleNamespace(n=len(community), community=np.array(community, bool)), meta=meta)


def test_every_summary_can_say_what_the_policy_binds():
    kent = _game("Kent", [True] * 3 + [False] * 105)
    assert scope_sentence(kent, load_policy("brighton-2025"), load_policy("brighton-2024")) == \
        "The policy applies to 3 of Kent's 108 secondaries; the other 105 set their own admissions."
    assert scope_sentence(kent, load_policy("fsm-quota"), load_policy("baseline")) == (
        "The policy is modelled at all of Kent's 108 secondaries, but the LA can bind only the 3 it is the "
        "admission authority for; the other 105 set their own admissions and would each have to adopt it.")
    assert scope_sentence(_game("", [True, True]), load_policy("fsm-quota"), load_policy("baseline")) == \
        "The policy applies to all of the 2 schools simulated, each taken as one the LA is the admission authority for."
    assert scope_sentence(_game("Rutland", [True] * 3), load_policy("fsm-quota"), load_policy("baseline")) == \
        "The policy applies to all of Rutland's 3 secondaries: the LA is the admission authority of each."


def test_a_policy_that_changes_more_than_its_rule_is_named(tmp_path):
    assert differences(load_policy("brighton-2025"), load_policy("brighton-2024")) == []
    assert differences(load_policy("fsm-quota"), load_policy("baseline")) == []
    assert differences(load_policy("brighton-2026"), load_policy("brighton-2024")) == ["preferences allowed: 4 vs 3"]
    text = (tmp_path / "quota4.toml")
    text.write_text('name = "quota4"\ncriteria = ["looked_after", "fsm", "everyone"]\npreferences = 4\n'
                    'tie_break = "lottery"\napplies_to = "community"\nothers = "fsm-quota"\n'
                    '[bands.fsm]\ncriteria = ["fsm"]\nshare = 0.1\n')
    assert differences(load_policy(str(text)), load_policy("baseline")) == [
        "preferences allowed: 4 vs 3", "tie-break: lottery vs distance",
        "schools it applies to: LA-admitted schools, fsm-quota elsewhere vs all schools"]


def test_fewer_cohorts_than_the_check_needs_are_warned():
    assert cohort_warning({"cohorts_needed": 10, "cohorts": 10}) == []
    assert cohort_warning({"cohorts_needed": None, "cohorts": 1}) == []
    assert "2 cohorts were run" in cohort_warning({"cohorts_needed": 10, "cohorts": 2})[0]
    assert "--cohorts 10 or more" in cohort_warning({"cohorts_needed": 10, "cohorts": 1})[0]


def test_a_lumpy_figure_is_covered_by_the_range_of_the_cohorts():
    # 20 cohorts, one at 1 and the rest at 0 (a change that is usually nothing, sometimes one pupil): the
    # normal interval is 0.05 +- 2.093 x 0.2236 x sqrt(1.05) = -0.43 to 0.53, short of the 1 a fresh cohort
    # takes one time in 20; widened to the range of the cohorts it reaches it
    values = np.append(np.zeros(19), 1.0)
    _, lo, hi = prediction_interval(values, np.arange(20), hull=False)
    assert hi == pytest.approx(0.05 + 2.0930 * np.sqrt(0.05) * np.sqrt(1.05), abs=1e-3)
    _, lo, hi = prediction_interval(values, np.arange(20))
    assert hi == 1.0 and lo == pytest.approx(0.05 - 2.0930 * np.sqrt(0.05) * np.sqrt(1.05), abs=1e-3)
    # the range comes from one run per cohort: more lottery runs do not widen it
    many = np.concatenate([np.zeros(50), np.full(50, 0.1)])
    _, lo, hi = prediction_interval(np.append(many, 5.0), np.append(np.repeat([0, 1], 50), 1))
    assert hi < 5.0


def test_the_national_summary_says_what_the_policy_binds():
    import pandas as pd

    from repaudit.simulate.framing import national_scope

    table = pd.DataFrame({"schools": [108, 10], "la_admitted_schools": [3, 6]})
    assert national_scope(table, load_policy("brighton-2025")) == \
        "The policy applies to 9 of the 118 secondaries of 2 LAs; the other 109 set their own admissions."
    assert national_scope(table, load_policy("fsm-quota")).startswith(
        "The policy is modelled at all of the 118 secondaries of 2 LAs, but each LA can bind only the 9 ")
