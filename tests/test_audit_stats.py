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
