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
    return SimpleNamespace(schools=SimpleNamespace(n=len(community), community=np.array(community, bool),
                                                   border=np.zeros(len(community), bool)), meta=meta)


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
    # a school near a boundary is in its neighbour's market too: each LA's own schools count it once
    table = table.assign(schools=[120, 12], la_schools=[108, 10])
    assert national_scope(table, load_policy("brighton-2025")) == \
        "The policy applies to 9 of the 118 secondaries of 2 LAs; the other 109 set their own admissions."


def test_schools_of_neighbouring_las_are_counted_apart_and_never_bound():
    kent = _game("Kent", [True, False, False, False, False, False])
    kent.schools.border = np.array([False] * 4 + [True] * 2)
    assert scope_sentence(kent, load_policy("brighton-2025"), load_policy("brighton-2024")) == (
        "The policy applies to 1 of Kent's 4 secondaries (and the 2 of neighbouring LAs that take part); the other "
        "5 set their own admissions.")
    assert scope_sentence(kent, load_policy("fsm-quota"), load_policy("baseline")) == (
        "The policy is modelled at all of Kent's 4 secondaries (and the 2 of neighbouring LAs that take part), but "
        "the LA can bind only the 1 it is the admission authority for; the other 5 set their own admissions and "
        "would each have to adopt it.")


def test_digamma_and_trigamma_match_known_values():
    from repaudit.simulate.coverage import digamma, trigamma, trigamma_inverse
    euler = 0.5772156649015329
    assert float(digamma(1.0)) == pytest.approx(-euler, abs=1e-10)
    assert float(digamma(0.5)) == pytest.approx(-euler - 2 * np.log(2), abs=1e-10)
    assert float(digamma(10.0)) == pytest.approx(-euler + sum(1 / k for k in range(1, 10)), abs=1e-10)
    assert float(trigamma(1.0)) == pytest.approx(np.pi ** 2 / 6, abs=1e-9)
    assert float(trigamma(0.5)) == pytest.approx(np.pi ** 2 / 2, abs=1e-9)
    assert trigamma_inverse(float(trigamma(3.7))) == pytest.approx(3.7, rel=1e-9)


def test_pooling_estimates_the_prior_degrees_of_freedom():
    # ratios drawn exactly as the model says: true ratio s0^2 d0 / chi2_d0 (d0 = 30, s0^2 = 2), observed with
    # 19 degrees of freedom; the estimate of d0 is near 30, each pooled ratio is its own moved towards a common
    # value with weight 19 / (19 + d0), closer to the truth on average; ratios that scatter no more than sampling
    # gives are pooled completely
    from repaudit.simulate.coverage import MAX_DF, moderated
    rng = np.random.default_rng(3)
    truth = 2 * 30 / rng.chisquare(30, 4000)
    observed = truth * rng.chisquare(19, 4000) / 19
    pooled, d0 = moderated(observed, 19)
    assert d0 == pytest.approx(30, rel=0.2)
    assert np.polyfit(observed, pooled, 1)[0] == pytest.approx(19 / (19 + d0), rel=1e-9)
    assert np.mean((pooled - truth) ** 2) < 0.6 * np.mean((observed - truth) ** 2)
    same = 2 * rng.chisquare(19, 4000) / 19
    assert moderated(same, 19)[1] == MAX_DF
    assert np.isnan(moderated(np.array([1.0, 0.0, np.nan]), 19)[0]).all()      # too few to pool


def _binomial_schools(rng, studies, n, intake, p):
    """STUDIES simulations of N cohorts: each school's FSM share is Binomial(INTAKE, P) / INTAKE."""
    return rng.binomial(intake, p, size=(studies, n, len(intake))) / intake


def _exact_coverage(intake, p):
    """A function of (LO, HI): per school, the chance that a fresh Binomial(INTAKE, P) / INTAKE falls in [LO, HI]
    (exact, from the binomial probabilities)."""
    from math import comb
    pmf = [np.array([comb(int(m), x) * q ** x * (1 - q) ** (m - x) for x in range(m + 1)]) for m, q in zip(intake, p)]
    values = [np.arange(m + 1) / m for m in intake]
    return lambda lo, hi: np.array([f[(v >= a - 1e-12) & (v <= b + 1e-12)].sum()
                                    for f, v, a, b in zip(pmf, values, lo, hi)])


def test_pooled_intervals_hold_95_percent_and_fall_short_less_often_for_binomial_shares():
    # 40 schools of 20 to 240 pupils with FSM rates 2% to 45% (the smallest see 0, 1 or 2 FSM pupils a year),
    # 20 cohorts each: the exact coverage of each interval is known from the binomial. On average over 300
    # simulations every school's interval holds 95% of fresh cohorts or a little more (inclusive ends where the
    # share moves a pupil at a time), and pooled against p(1 - p) / intake far fewer figures fall below 90% in
    # any one simulation than with each school's own 19 degrees of freedom (measured: 6.5% and 0.5%)
    rng = np.random.default_rng(11)
    intake = np.linspace(20, 240, 40).astype(int)
    p = np.tile([0.02, 0.1, 0.25, 0.45], 10)
    cohort = np.arange(20)
    exact = _exact_coverage(intake, p)
    own, pooled = [], []
    for shares in _binomial_schools(rng, 300, 20, intake, p):
        mean = shares.mean(axis=0)
        _, lo, hi = prediction_interval(shares, cohort)
        own.append(exact(lo, hi))
        _, lo, hi = prediction_interval(shares, cohort, reference=mean * (1 - mean) / intake)
        pooled.append(exact(lo, hi))
    own, pooled = np.array(own), np.array(pooled)
    assert 0.945 < own.mean() < 0.975 and 0.945 < pooled.mean() < 0.975     # inclusive ends of a lumpy share
    assert own.mean(axis=0).min() > 0.93 and pooled.mean(axis=0).min() > 0.93
    assert np.mean(own < 0.9) > 0.04                       # one simulation in 20 leaves a school below 90%...
    assert np.mean(pooled < 0.9) < 0.25 * np.mean(own < 0.9)                   # ...pooled, far fewer do


def test_the_check_fails_intervals_pooled_against_the_wrong_reference():
    # one 20-pupil school among sixty of 240: pooled against one variance for all (ignoring that its share
    # varies 12 times as much), it looks like an outlier of a tight group and its interval is pulled far too
    # narrow; the check sees it. Against p(1 - p) / intake every school's interval holds 90% or more
    rng = np.random.default_rng(5)
    intake = np.array([20] + [240] * 60)
    p = np.full(61, 0.25)
    shares = _binomial_schools(rng, 1, 20, intake, p)[0]
    fresh = _binomial_schools(rng, 1, 4000, intake, p)[0]
    _, lo, hi = prediction_interval(shares, np.arange(20), hull=False, reference=np.ones(61))
    wrong = coverage(lo, hi, fresh)
    _, lo, hi = prediction_interval(shares, np.arange(20), hull=False, reference=0.25 * 0.75 / intake)
    right = coverage(lo, hi, fresh)
    assert wrong[0] < 0.85 and wrong[1:].min() > 0.9
    assert right.min() > 0.9


def test_the_continuity_correction_covers_a_change_of_whole_pupils():
    # a change of 0, -1, -2 or -3 pupils in 250 (probabilities 0.50, 0.34, 0.12, 0.04, as a school the quota
    # barely touches), 20 cohorts: the normal interval often ends just short of -2 pupils and then holds 84% of
    # fresh cohorts; half a pupil beyond each end it reaches -2 whenever -2's cell meets it. Exact coverage
    # over 1,000 simulations
    rng = np.random.default_rng(17)
    values, prob = np.array([0.0, -1.0, -2.0, -3.0]) / 250, np.array([0.50, 0.34, 0.12, 0.04])
    draws = rng.choice(values, p=prob, size=(1000, 20))
    exact = {}
    for label, step in (("plain", None), ("corrected", np.array([1 / 250]))):
        got = []
        for cohorts in draws:
            _, lo, hi = prediction_interval(cohorts[:, None], np.arange(20), hull=False, step=step)
            got.append(prob[(values >= lo[0] - 1e-12) & (values <= hi[0] + 1e-12)].sum())
        exact[label] = np.array(got)
    assert np.mean(exact["plain"] < 0.9) > 0.1
    assert np.mean(exact["corrected"] < 0.9) < 0.2 * np.mean(exact["plain"] < 0.9)   # about 18% and 2%
    assert exact["corrected"].mean() > 0.95
