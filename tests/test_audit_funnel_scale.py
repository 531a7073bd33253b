"""Funnel limits on a proportion scale (docs/methodology.md §4.1): the transforms and limits worked by hand,
exact mid-p positions for small expected counts against a second implementation, and a simulation of the
random-effects model showing the share below the lower 95% limit that the docs state."""
import math

import numpy as np
import pandas as pd
import pytest

from funnel_simulation import simulate, summary
from repaudit.auditing import dispersion, scales, small_counts, stats

Z95 = 1.959964


def expit(x):
    return 1 / (1 + math.exp(-x))


def test_logit_limits_by_hand():
    # t = 20%, n = 100, tau^2 = 0.25: logit(0.2) = -1.386294, s = 1/sqrt(100 x 0.2 x 0.8) = 0.25,
    # half-width 1.959964 x sqrt(0.0625 + 0.25) = 1.095653: limits expit(-2.481947) and expit(-0.290641).
    lo, hi = stats.random_effects_limits(0.2, 100, 0.25, scale="logit")
    assert lo == pytest.approx(expit(-1.386294 - 1.095653), abs=1e-6)
    assert hi == pytest.approx(expit(-1.386294 + 1.095653), abs=1e-6)
    assert lo == pytest.approx(0.077133, abs=1e-6) and hi == pytest.approx(0.427847, abs=1e-6)
    # a school at 7% (empirical logit of 7 of 100: log(7.5 / 93.5) = -2.523) is just below; at 8% within
    assert stats.adjusted_z(0.07, 0.2, 100, 0.25, "logit") == pytest.approx(
        (math.log(7.5 / 93.5) + 1.386294) / math.sqrt(0.3125), abs=1e-5)
    assert stats.flag([stats.adjusted_z(0.07, 0.2, 100, 0.25, "logit")])[0] == "below_95"
    assert stats.flag([stats.adjusted_z(0.08, 0.2, 100, 0.25, "logit")])[0] == "within"


def test_arcsine_limits_by_hand():
    # t = 25%, n = 400: asin(sqrt(0.25)) = pi/6, s = 1/(2 x 20) = 0.025; tau^2 = 0.0016: half-width
    # 1.959964 x sqrt(0.000625 + 0.0016) = 0.092444; limits sin(pi/6 -/+ 0.092444)^2.
    lo, hi = stats.random_effects_limits(0.25, 400, 0.0016, scale="arcsine")
    half = Z95 * math.sqrt(0.000625 + 0.0016)
    assert lo == pytest.approx(math.sin(math.pi / 6 - half) ** 2, abs=1e-6)
    assert hi == pytest.approx(math.sin(math.pi / 6 + half) ** 2, abs=1e-6)
    # the arcsine scale is defined at 0: a school with no pupil of the group has g = 0
    assert stats.adjusted_z(0.0, 0.25, 400, 0.0016, "arcsine") == pytest.approx(-(math.pi / 6) / math.sqrt(0.002225))


def test_lower_limit_never_below_zero_and_back_transform_inverts():
    t = np.array([0.01, 0.05, 0.1, 0.3, 0.7])
    for scale in ("logit", "arcsine"):
        lo, hi = scales.limits(scale, t, 50, 0.5 if scale == "logit" else 0.02, Z95)
        assert (lo >= 0).all() and (lo < t).all() and (hi > t).all() and (hi <= 1).all()
        assert scales.inverse(scale, scales.transform(scale, t)) == pytest.approx(t)
    # the raw scale's lower limit for a 5% community of 50 pupils with tau = 5 pp is below 0 before clipping
    assert 0.05 - Z95 * math.sqrt(0.05 * 0.95 / 50 + 0.0025) < 0


def _mid_p_by_hand(x, n, t, tau):
    """P(X < x) + P(X = x)/2 for X ~ Binomial(n, expit(logit t + tau u)), u ~ N(0,1): a fine grid over u."""
    u = np.linspace(-9, 9, 6001)
    w = np.exp(-u ** 2 / 2)
    w /= w.sum()
    total = 0.0
    for ui, wi in zip(u, w):
        p = expit(math.log(t / (1 - t)) + tau * ui)
        pmf = [math.comb(n, k) * p ** k * (1 - p) ** (n - k) for k in range(x + 1)]
        total += wi * (sum(pmf[:x]) + pmf[x] / 2)
    return total


def test_exact_mid_p_against_a_second_implementation():
    # Stoney Middleton: 5 of 11 pupils against a community of 12.5% (expected 1.4). Exact one-sided
    # P(X >= 5) = 0.00733; mid-p upper tail 1 - F = 0.00417 (F = P(X < 5) + P(X = 5)/2).
    pmf = [math.comb(11, k) * 0.125 ** k * 0.875 ** (11 - k) for k in range(12)]
    assert sum(pmf[5:]) == pytest.approx(0.007331, abs=1e-6)
    f = sum(pmf[:5]) + pmf[5] / 2
    assert small_counts.mid_p([5], [11], [0.125])[0] == pytest.approx(f, abs=1e-12)
    # its normal-approximation z is +4.1 (above_998); the exact mid-p score says above_95
    assert stats.z_score(5 / 11, 0.125, 11) > 3.09
    assert stats.flag([stats.chance_z(5 / 11, 0.125, 11)])[0] == "above_95"
    # with the random-effects allowance the mixture widens: upper tail 0.0156 at tau 0.5 (still above the
    # 95% limit), 0.0425 at tau 0.8 (within)
    upper = 1 - small_counts.mid_p([5, 5], [11, 11], [0.125, 0.125], 0.25, "logit")
    assert upper[0] == pytest.approx(1 - _mid_p_by_hand(5, 11, 0.125, 0.5), abs=1e-6)
    assert upper[0] == pytest.approx(0.01561, abs=1e-5)
    assert 1 - small_counts.mid_p([5], [11], [0.125], 0.64, "logit")[0] == pytest.approx(
        1 - _mid_p_by_hand(5, 11, 0.125, 0.8), abs=1e-6)
    assert stats.flag([stats.adjusted_z(5 / 11, 0.125, 11, 0.25, "logit")])[0] == "above_95"
    assert stats.flag([stats.adjusted_z(5 / 11, 0.125, 11, 0.64, "logit")])[0] == "within"
    # 0 of 40 against 10% (expected 4): mid-p 0.9^40 / 2 = 0.00739, below the 95% limit, not the 99.8%
    assert small_counts.mid_p([0], [40], [0.1])[0] == pytest.approx(0.9 ** 40 / 2)
    assert stats.flag([stats.chance_z(0.0, 0.1, 40)])[0] == "below_95"
    assert small_counts.mid_p([2], [30], [0.1], 0.36, "logit")[0] == pytest.approx(
        _mid_p_by_hand(2, 30, 0.1, 0.6), abs=1e-6)
    # a pooled count between whole numbers is placed linearly between them
    mids = small_counts.mid_p([2, 3, 2.25], [30] * 3, [0.1] * 3)
    assert mids[2] == pytest.approx(0.75 * mids[0] + 0.25 * mids[1])
    # the group as the large part: counted through the rest, 1 - F_rest(n - x)
    assert small_counts.mid_p([6], [11], [0.875])[0] == pytest.approx(1 - f, abs=1e-12)


def test_small_means_fewer_than_five_expected():
    assert list(small_counts.is_small([0.1, 0.1, 0.99, 0.5], [49, 50, 400, 8])) == [True, False, True, True]


def test_median_secondary_with_no_fsm_pupil_is_flagged_against_ten_percent():
    # with tau on the logit scale as estimated nationally (0.37-0.60 by model), a school of 1,047 pupils
    # with none eligible, against a community of 10%: z = (log(0.5/1047.5) - logit(0.1)) / sqrt(s^2 + tau^2)
    for tau in (0.37, 0.6):
        z = stats.adjusted_z(0.0, 0.10, 1047, tau ** 2, "logit")
        assert z == pytest.approx((math.log(0.5 / 1047.5) - math.log(0.1 / 0.9))
                                  / math.sqrt(1 / (1047 * 0.09) + tau ** 2))
        assert stats.flag([z])[0] == "below_998"
    # on the raw scale with tau = 7.6 pp the limit is below 0%: the same school could not be flagged
    assert stats.random_effects_limits(0.10, 1047, 0.076 ** 2, scale="raw")[0] == 0.0


def test_shrunken_gap_on_the_logit_scale_by_hand():
    # t = 20%, n = 100: s^2 = 1/16 = 0.0625; tau^2 = 0.0625 so B = 0.5; mu = 0. School 8 of 100:
    # d = log(8.5/92.5) - logit(0.2) = -2.387142 + 1.386294 = -1.000848; posterior mean -0.500424 on the
    # logit scale, i.e. a rate expit(-1.886718) = 0.131619 and a gap of -0.068381.
    mean, low, high = stats.shrunken_gap([0.08], 0.2, [100], 0.0625, 0.0, scale="logit")
    assert mean[0] == pytest.approx(-0.068381, abs=1e-6)
    sd = math.sqrt(0.5) * 0.25
    assert low[0] == pytest.approx(expit(-1.886718 - Z95 * sd) - 0.2, abs=1e-6)
    assert high[0] == pytest.approx(expit(-1.886718 + Z95 * sd) - 0.2, abs=1e-6)


def _schools(count=3000, seed=1):
    """Secondary-like schools: 500-1,800 pupils, community rates 4-55%."""
    rng = np.random.default_rng(seed)
    return rng.uniform(500, 1800, count).round(), rng.uniform(0.04, 0.55, count)


def test_simulated_share_below_the_limit_is_what_the_docs_say():
    # docs/methodology.md §4.1: if the random-effects model held, about 6-7% of schools would fall below
    # the lower 95% limit (not 2.5%), in every band of community rate alike, because the winsorised phi
    # under-estimates tau^2.
    pupils, rate = _schools()
    shares = summary(simulate(pupils, rate, 0.5, reps=8))
    assert 5.5 <= shares["all"] <= 7.5
    for band in ("10-20%", "20-30%", "30-40%", "40% and over"):
        assert 4.5 <= shares[band] <= 8.5, (band, shares[band])


def test_the_simulation_check_fails_for_the_old_limits():
    pupils, rate = _schools()
    raw = summary(simulate(pupils, rate, 0.5, reps=4, scale="raw"))
    assert raw["under 10%"] < 1.0 and raw["40% and over"] > 9.0           # unfair by band
    none = summary(simulate(pupils, rate, 0.5, reps=2, mode="none"))      # tau set to 0
    assert none["all"] > 25


def test_winsorised_phi_under_estimates_tau_squared():
    # when between-school spread dominates, z ~ N(0, 1 + tau^2/s^2) and winsorising at the 10th and 90th
    # percentiles keeps E z^2 = 0.6787 of it: tau^2 is estimated about 32% low.
    z = np.random.default_rng(3).standard_normal(400_000)
    assert stats.winsorised_phi(z) == pytest.approx(0.6787, abs=0.005)
    pupils, rate = _schools()
    rng = np.random.default_rng(4)
    n = pupils.astype(int)
    true = 1 / (1 + np.exp(-(np.log(rate / (1 - rate)) + 0.5 * rng.standard_normal(len(n)))))
    est = stats.random_effects(rng.binomial(n, true) / n, rate, n, scale="logit")
    assert 0.6 < est["tau2"] / 0.25 < 0.8


def test_flags_use_the_scale_and_record_it():
    table = pd.DataFrame({"urn": [1, 2, 3, 4, 5, 6], "status": "audited", "indicator": "fsm", "phase": "primary",
                          "pupils": [200.0, 300.0, 250.0, 400.0, 350.0, 150.0],
                          "school_rate": [0.02, 0.25, 0.2, 0.35, 0.15, 0.3], "community_rate": 0.2, "z": 0.0})
    out, est = dispersion.apply(table)
    e = est["fsm"]["primary"]
    assert e["scale"] == "logit" and e["centre"].startswith("the community rate")
    mine = stats.random_effects(table.school_rate, 0.2, table.pupils, scale="logit")
    assert e["tau2"] == pytest.approx(mine["tau2"]) and e["tau2"] > 0
    assert out["z_adjusted"].to_numpy() == pytest.approx(
        stats.adjusted_z(table.school_rate, 0.2, table.pupils, mine["tau2"], "logit"))
    with pytest.raises(Exception, match="funnel_scale must be one of"):
        dispersion.apply(table, "additive", "probit")
