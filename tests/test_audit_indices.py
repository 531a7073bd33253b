"""Segregation indices: METHODS §5 check values, the identity GS = D (1 - P), grouped and bootstrap forms."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from repaudit.auditing.indices import dissimilarity, gorard, indices_by_area, isolation, resample

F = [100, 60, 40, 0]
T = [100, 100, 100, 100]


def test_methods_check_values():
    assert dissimilarity(F, T) == pytest.approx(0.6)
    assert gorard(F, T) == pytest.approx(0.3)
    assert isolation(F, T) == pytest.approx(0.76)


def test_equal_shares_give_zero_and_separation_gives_one():
    assert dissimilarity([20, 40, 10], [100, 200, 50]) == pytest.approx(0.0)
    assert gorard([20, 40, 10], [100, 200, 50]) == pytest.approx(0.0)
    assert isolation([20, 40, 10], [100, 200, 50]) == pytest.approx(0.2)   # = P when no segregation
    assert dissimilarity([50, 0, 30], [50, 70, 30]) == pytest.approx(1.0)


def test_undefined_without_group_or_without_others():
    assert np.isnan(dissimilarity([0, 0], [10, 10]))
    assert np.isnan(gorard([10, 10], [10, 10]))


def test_bad_counts_rejected():
    with pytest.raises(ValueError):
        dissimilarity([11], [10])


schools = st.lists(st.tuples(st.integers(0, 400), st.integers(1, 400)), min_size=2, max_size=40)


@settings(max_examples=300, deadline=None)
@given(schools)
def test_gorard_equals_d_times_one_minus_p(pairs):
    t = np.array([b for _, b in pairs], float)
    f = np.array([min(a, b) for a, b in pairs], float)
    p = f.sum() / t.sum()
    if 0 < f.sum() < t.sum():
        assert gorard(f, t) == pytest.approx(dissimilarity(f, t) * (1 - p), abs=1e-12)
        assert 0 <= dissimilarity(f, t) <= 1 + 1e-12


@settings(max_examples=100, deadline=None)
@given(schools, st.lists(st.sampled_from("ABC"), min_size=40, max_size=40))
def test_grouped_equals_one_area_at_a_time(pairs, labels):
    t = np.array([b for _, b in pairs], float)
    f = np.array([min(a, b) for a, b in pairs], float)
    codes = np.array(labels[: len(pairs)])
    out = indices_by_area(codes, f, t, reps=0).set_index("code")
    for code in set(codes):
        m = codes == code
        for col, fn in (("D", dissimilarity), ("GS", gorard), ("isolation", isolation)):
            expect = fn(f[m], t[m])
            got = out.loc[code, col]
            assert (np.isnan(expect) and np.isnan(got)) or got == pytest.approx(expect, abs=1e-12)
        assert out.loc[code, "schools"] == m.sum()


def test_bootstrap_interval_corrects_small_unit_bias():
    # 30 tiny schools of 10 pupils, all at the same 20% rate: true segregation is 0, but any sample
    # of small schools shows D > 0. The bias-corrected interval lies below the observed D, nearer 0.
    rng = np.random.default_rng(1)
    t = np.full(30, 10.0)
    f = rng.binomial(10, 0.2, 30).astype(float)
    row = indices_by_area(np.zeros(30), f, t, reps=400, seed=2).iloc[0]
    assert row.D > 0.1
    assert row.D_bc_bootstrap95_low < row.D_bc < row.D_bc_bootstrap95_high < row.D
    assert row.D_bc_bootstrap95_low < row.D / 2
    # large schools with real separation: the interval is tight around D
    big = indices_by_area(np.zeros(4), [1000, 600, 400, 0], [1000] * 4, reps=200, seed=3).iloc[0]
    assert big.D == pytest.approx(0.6)
    assert big.D_bc_bootstrap95_low < 0.6 < big.D_bc_bootstrap95_high
    assert big.D_bc_bootstrap95_high - big.D_bc_bootstrap95_low < 0.05


def test_bootstrap_matches_a_plain_loop():
    # second implementation: D of each resample, one at a time, with the pure function
    rng = np.random.default_rng(5)
    t = rng.integers(5, 400, 25).astype(float)
    f = np.floor(t * rng.uniform(0, 0.6, 25))
    codes = np.repeat(["a", "b"], [10, 15])
    draws = resample(f, t, reps=150, seed=9)
    got = indices_by_area(codes, f, t, reps=0, resampled=draws).set_index("code")
    for code in ("a", "b"):
        m = codes == code
        boot = [dissimilarity(row[m], t[m]) for row in draws.astype(float)]
        d = dissimilarity(f[m], t[m])
        lo, hi = np.nanquantile(boot, [0.025, 0.975])
        assert got.loc[code, "D_bc_bootstrap95_low"] == pytest.approx(max(0.0, 2 * d - hi))
        assert got.loc[code, "D_bc_bootstrap95_high"] == pytest.approx(min(1.0, 2 * d - lo))
        assert got.loc[code, "D_bc"] == pytest.approx(min(1.0, max(0.0, 2 * d - np.nanmean(boot))))


def test_resample_keeps_counts_in_range_and_centred():
    t = np.array([10.0, 1000.0, 3000.0, 50.0])
    f = np.array([2.0, 300.0, 30.0, 0.0])
    draws = resample(f, t, reps=4000, seed=1)
    assert (draws >= 0).all() and (draws <= t).all()
    assert draws.mean(axis=0) == pytest.approx(f, abs=0.02 * t.max() ** 0.5)
    assert draws.std(axis=0) == pytest.approx(np.sqrt(t * (f / t) * (1 - f / t)), rel=0.06, abs=0.05)


def test_random_allocation_d_by_hand():
    # Two schools of 2 pupils, 2 of the 4 in the group (P = 0.5). Under random allocation each school's
    # count is Binomial(2, 0.5): (1,0) or (0,1) -> D = 2/3 (prob 1/4); (2,0), (0,2) -> 1 (1/8); (1,1) -> 0
    # (1/4); (2,1), (1,2) -> 2/3 (1/4); (0,0) and (2,2) leave D undefined (1/8). Given D is defined,
    # E[D] = (1/4 * 2/3 + 1/8 + 1/4 * 2/3) / (7/8) = 11/21.
    row = indices_by_area(np.zeros(2), [2, 0], [2, 2], reps=20000, seed=4).iloc[0]
    assert row.D == pytest.approx(1.0)
    assert row.D_random == pytest.approx(11 / 21, abs=0.01)


def test_random_allocation_d_is_what_small_schools_show_by_chance():
    # 200 schools of 20 pupils whose counts really are Binomial(20, 0.2): the observed D is about what
    # random allocation gives, while the big schools of the check values are far above their chance level
    rng = np.random.default_rng(11)
    f = rng.binomial(20, 0.2, 200).astype(float)
    row = indices_by_area(np.zeros(200), f, np.full(200, 20.0), reps=300, seed=1).iloc[0]
    assert row.D_random == pytest.approx(row.D, abs=0.03)
    assert row.D_bc < row.D - 0.05          # the bootstrap correction removes part of the chance level
    big = indices_by_area(np.zeros(4), [1000, 600, 400, 0], [1000] * 4, reps=200, seed=3).iloc[0]
    assert big.D_random < 0.05 < 0.6 == pytest.approx(big.D)


def test_d_not_defined_for_one_school_or_no_group_or_everyone():
    codes = np.array(["one", "none", "none", "all", "all", "ok", "ok"])
    out = indices_by_area(codes, [3, 0, 0, 5, 7, 1, 4], [10, 10, 20, 5, 7, 10, 10], reps=50).set_index("code")
    assert out.loc["one", "D_undefined"] == "not defined: one school"
    assert out.loc["none", "D_undefined"] == "not defined: no pupils of the group"
    assert out.loc["all", "D_undefined"] == "not defined: every pupil is in the group"
    for code in ("one", "none", "all"):
        assert out.loc[code, ["D", "D_bc", "D_random", "D_bc_bootstrap95_low", "GS"]].isna().all()
    # (1 of 10, 4 of 10): D = 1/2 (|1/5 - 9/15| + |4/5 - 6/15|) = 0.4
    assert pd.isna(out.loc["ok", "D_undefined"]) and out.loc["ok", "D"] == pytest.approx(0.4)
    assert np.isnan(dissimilarity([3], [10])) and np.isnan(gorard([3], [10]))


def test_school_resampling_interval_by_hand():
    # equal rates everywhere: every resample of the schools has D = 0
    out = indices_by_area(np.zeros(5), [10, 20, 30, 10, 5], [100, 200, 300, 100, 50], reps=100).iloc[0]
    assert out.D == 0 and out.D_school_resample95_low == 0 and out.D_school_resample95_high == 0
    # two schools (1 of 10, 9 of 10): a resample is (a, a) with D = 0 or (a, b) with D = 0.8, each half
    # the time, so the 95% percentile interval is 0 to 0.8
    out = indices_by_area(np.zeros(2), [1, 9], [10, 10], reps=400, seed=2).iloc[0]
    assert out.D == pytest.approx(0.8)
    assert out.D_school_resample95_low == 0 and out.D_school_resample95_high == pytest.approx(0.8)


@settings(max_examples=60, deadline=None)
@given(schools, st.integers(0, 1000))
def test_bias_corrected_d_lies_in_its_interval_and_is_reproducible(pairs, seed):
    t = np.array([b for _, b in pairs], float)
    f = np.array([min(a, b) for a, b in pairs], float)
    first = indices_by_area(np.zeros(len(t)), f, t, reps=60, seed=seed).iloc[0]
    again = indices_by_area(np.zeros(len(t)), f, t, reps=60, seed=seed).iloc[0]
    pd.testing.assert_series_equal(first, again)
    if not np.isnan(first.D_bc):
        assert first.D_bc_bootstrap95_low <= first.D_bc <= first.D_bc_bootstrap95_high
        assert 0 <= first.D_random <= 1
