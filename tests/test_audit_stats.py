"""Statistics of METHODS §4 against hand-worked numbers and the textbook formulas."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from repaudit.auditing import stats


def test_gap_ratio_shortfall_by_hand():
    # 200 pupils, 10% FSM in the school, 25% in the community: 15 pp below, ratio 0.4, 30 pupils short.
    assert stats.gap_pp(0.10, 0.25) == pytest.approx(-15.0)
    assert stats.ratio(0.10, 0.25) == pytest.approx(0.4)
    assert stats.shortfall(0.10, 0.25, 200) == pytest.approx(30.0)
    assert np.isnan(stats.ratio(0.1, 0.0))


def test_z_by_hand_formula():
    # se = sqrt(0.25*0.75/200) = 0.0306186; z = -0.15 / 0.0306186 = -4.89898
    assert stats.z_score(0.10, 0.25, 200) == pytest.approx(-0.15 / math.sqrt(0.25 * 0.75 / 200))
    assert stats.z_score(0.10, 0.25, 200) == pytest.approx(-4.898979, abs=1e-6)
    # an over-dispersion factor of 4 halves z
    assert stats.z_score(0.10, 0.25, 200, dispersion=4.0) == pytest.approx(-4.898979 / 2, abs=1e-6)
    assert np.isnan(stats.z_score(0.1, 0.0, 100)) and np.isnan(stats.z_score(0.1, 0.2, 0))


def test_funnel_limits_and_flags_agree():
    lo95, hi95 = stats.funnel_limits(0.2, 400, 0.95)
    se = math.sqrt(0.2 * 0.8 / 400)
    assert lo95 == pytest.approx(0.2 - 1.959964 * se, abs=1e-6)
    assert hi95 == pytest.approx(0.2 + 1.959964 * se, abs=1e-6)
    lo998, hi998 = stats.funnel_limits(0.2, 400, 0.998)
    assert lo998 == pytest.approx(0.2 - 3.090232 * se, abs=1e-6)
    # a school just inside / outside each limit gets the matching flag
    rates = np.array([lo998 - 1e-4, lo998 + 1e-4, lo95 + 1e-4, hi95 + 1e-4, hi998 + 1e-4])
    z = stats.z_score(rates, 0.2, 400)
    assert list(stats.flag(z)) == ["below_998", "below_95", "within", "above_95", "above_998"]
    assert list(stats.flag([np.nan])) == [None]


def test_limits_clipped_to_unit_interval():
    lo, hi = stats.funnel_limits(0.01, 10, 0.998)
    assert lo == 0.0 and 0.01 < hi <= 1.0


def test_overdispersion_is_mean_square_of_winsorised_z():
    z = np.array([-1.0, 1.0, -2.0, 2.0, 0.0, 10.0, -10.0, 0.5, -0.5, 3.0])
    lo, hi = np.quantile(z, [0.1, 0.9])
    assert stats.overdispersion(z) == pytest.approx(np.mean(np.clip(z, lo, hi) ** 2))
    assert stats.overdispersion(np.zeros(5)) == 1.0   # never below 1


def test_pooled_z_equals_single_school_z():
    # one school: O = n p_s, E = n p_c, V = n p_c (1 - p_c) -> the school's own z
    n, ps, pc = 300, 0.12, 0.2
    assert stats.pooled_z(n * ps, n * pc, n * pc * (1 - pc)) == pytest.approx(stats.z_score(ps, pc, n))


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 1), st.floats(0.001, 0.999), st.integers(1, 5000))
def test_z_below_lower_limit_iff_flagged_below(ps, pc, n):
    lo, _ = stats.funnel_limits(pc, n, 0.95)
    z = float(stats.z_score(ps, pc, n))
    below = stats.flag([z])[0] in ("below_95", "below_998")
    if abs(ps - lo) > 1e-9 and lo > 0:
        assert below == (ps < lo)


def test_random_effects_by_hand():
    # Four schools of 100 pupils, community 20% (s^2 = 0.2 * 0.8 / 100 = 0.0016, s = 0.04), school rates
    # 10%, 20%, 30% and 24%: z = -2.5, 0, 2.5, 1. Winsorised at the 10th/90th percentiles (-1.75 and 2.05,
    # numpy's linear interpolation): -1.75, 0, 2.05, 1; phi = (3.0625 + 0 + 4.2025 + 1) / 4 = 2.06625.
    # DerSimonian-Laird with w = 1/0.0016 = 625: tau^2 = (4 * 2.06625 - 3) / (2500 - 4 * 625^2 / 2500)
    # = 5.265 / 1875 = 0.002808.
    ps = np.array([0.10, 0.20, 0.30, 0.24])
    est = stats.random_effects(ps, 0.2, 100, scale="raw")
    assert est["phi"] == pytest.approx(2.06625)
    assert est["tau2"] == pytest.approx(5.265 / 1875)
    assert est["tau"] == pytest.approx(math.sqrt(5.265 / 1875))
    assert est["mu"] == pytest.approx(np.mean(ps - 0.2))      # equal weights 1/(s^2 + tau^2)
    assert est["schools"] == 4
    # limits p_c -/+ 1.96 sqrt(s^2 + tau^2) = 0.2 -/+ 1.959964 * sqrt(0.0016 + 0.002808)
    lo, hi = stats.random_effects_limits(0.2, 100, est["tau2"], scale="raw")
    half = 1.959964 * math.sqrt(0.0016 + 5.265 / 1875)
    assert (lo, hi) == (pytest.approx(0.2 - half, abs=1e-6), pytest.approx(0.2 + half, abs=1e-6))
    z = stats.adjusted_z(ps, 0.2, 100, est["tau2"], scale="raw")
    assert z[0] == pytest.approx(-0.1 / math.sqrt(0.0016 + 5.265 / 1875))
    # the 10% school is below the plain binomial limit (z = -2.5) but within the random-effects one
    assert stats.flag([stats.z_score(0.1, 0.2, 100)])[0] == "below_95" and stats.flag(z)[0] == "within"
    assert lo < 0.1 < 0.2 - 1.959964 * 0.04


def test_no_spread_beyond_chance_gives_tau_zero():
    # z-scores whose mean square is below 1: I phi <= I - 1, so tau^2 = 0 and the limits are binomial
    ps = np.array([0.19, 0.21, 0.2, 0.2])
    est = stats.random_effects(ps, 0.2, 100, scale="raw")
    assert est["phi"] < 0.75 and est["tau2"] == 0.0
    lo, hi = stats.random_effects_limits(0.2, 100, 0.0, scale="raw")
    assert lo == pytest.approx(stats.funnel_limits(0.2, 100)[0])


def test_shrunken_gap_by_hand():
    # tau^2 = 0.0016 and mu = -0.01. A school of 100 at p_c = 0.2 has s^2 = 0.0016, so B = 0.5: gap -0.10
    # becomes -0.01 + 0.5 * (-0.10 + 0.01) = -0.055, posterior sd sqrt(0.5) * 0.04 = 0.028284.
    # A school of 1600 has s^2 = 0.0001, B = 0.0016 / 0.0017 = 0.941176: -0.01 + 0.941176 * -0.09 = -0.094706.
    mean, low, high = stats.shrunken_gap([0.10, 0.10], 0.2, [100, 1600], 0.0016, -0.01, scale="raw")
    assert mean[0] == pytest.approx(-0.055) and mean[1] == pytest.approx(-0.01 - 0.0016 / 0.0017 * 0.09)
    assert high[0] - mean[0] == pytest.approx(1.959964 * math.sqrt(0.5) * 0.04, abs=1e-6)
    assert high[1] - mean[1] == pytest.approx(1.959964 * math.sqrt(0.0016 / 0.0017) * 0.01, abs=1e-6)
    # the same raw gap ranks the large school below the small one: its gap is better evidenced
    assert mean[1] < mean[0]
    # with tau^2 = 0 every school is pulled all the way to mu
    assert list(stats.shrunken_gap([0.1, 0.3], 0.2, [100, 100], 0.0, 0.0, scale="raw")[0]) == [0.0, 0.0]


def test_a_phase_without_spread_reports_phi_as_not_available():
    import json

    import pandas as pd

    from repaudit.auditing import dispersion, trusts

    # every secondary's community rate is 1: no binomial spread, so no z, phi or tau for that phase
    table = pd.DataFrame({"urn": [1, 2, 3, 4], "status": "audited", "indicator": "fsm",
                          "phase": ["primary", "primary", "secondary", "secondary"],
                          "pupils": [100.0, 200.0, 300.0, 300.0], "school_rate": [0.1, 0.3, 1.0, 1.0],
                          "community_rate": [0.2, 0.2, 1.0, 1.0], "z": [-2.5, 3.5355, np.nan, np.nan],
                          "group_code": "T1", "group_name": "Trust", "community_model": "la"})
    out, est = dispersion.apply(table)
    assert est["fsm"]["secondary"]["phi"] is None and est["fsm"]["secondary"]["schools"] == 0
    json.dumps(est, allow_nan=False)
    assert "phi n/a, tau 0.000, 0 schools" in dispersion.describe(est, "fsm")[1]
    assert list(out["rank"].iloc[:2]) == [1, 2]
    trusts.rank(out, 1, est)                     # no error from the phase without phi
