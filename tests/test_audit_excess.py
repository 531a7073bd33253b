"""Segregation net of chance: D_excess = D - D_random with its interval from the random-allocation draws."""
import numpy as np

from repaudit.auditing.indices import dissimilarity, indices_by_area


def _random_areas(n_areas=300, seed=1):
    """Areas whose pupils are allocated at random: every school's group count ~ Binomial(T_i, P)."""
    rng = np.random.default_rng(seed)
    codes, group, total = [], [], []
    for a in range(n_areas):
        k = rng.integers(4, 12)
        t = rng.integers(20, 200, size=k)          # small schools: D by chance is far above 0
        p = rng.uniform(0.03, 0.3)
        codes += [f"A{a:03d}"] * k
        total += t.tolist()
        group += rng.binomial(t, p).tolist()
    return np.array(codes), np.array(group, float), np.array(total, float)


def test_excess_is_about_zero_under_random_allocation_and_its_interval_covers_zero():
    codes, group, total = _random_areas()
    table = indices_by_area(codes, group, total, reps=200, seed=0)
    table = table[table["D"].notna()]
    assert len(table) > 250
    assert table["D"].mean() > 0.08                              # raw D is far from 0 by chance alone
    assert abs(table["D_excess"].mean()) < 0.01                  # net of chance it is not
    covered = (table["D_excess95_low"] <= 0) & (0 <= table["D_excess95_high"])
    assert 0.90 <= covered.mean() <= 0.99                        # a 95% interval under the null
    assert table["mostly_chance"].mean() > 0.9


def test_excess_interval_contains_the_point_and_real_sorting_shows():
    codes, group, total = _random_areas(60, seed=4)
    table = indices_by_area(codes, group, total, reps=200, seed=0)
    ok = table["D"].notna()
    assert (table.loc[ok, "D_excess95_low"] <= table.loc[ok, "D_excess"]).all()
    assert (table.loc[ok, "D_excess"] <= table.loc[ok, "D_excess95_high"]).all()
    assert np.allclose(table.loc[ok, "D_excess"], table.loc[ok, "D"] - table.loc[ok, "D_random"])
    # complete sorting in big schools: D = 1, chance explains almost none of it
    sorted_ = indices_by_area(np.array(["S"] * 4), np.array([500.0, 500, 0, 0]), np.array([500.0, 500, 500, 500]),
                              reps=200, seed=0).iloc[0]
    assert sorted_["D"] == dissimilarity([500, 500, 0, 0], [500] * 4) == 1.0
    assert sorted_["D_excess95_low"] > 0.9 and not sorted_["mostly_chance"]


def test_mostly_chance_is_half_of_d():
    """The rule by hand: mostly_chance exactly where D_random >= D / 2."""
    codes, group, total = _random_areas(80, seed=9)
    group = np.where(np.arange(len(group)) % 3 == 0, np.minimum(total, group * 3), group)   # some real sorting
    table = indices_by_area(codes, group, total, reps=100, seed=0)
    ok = table["D"].notna()
    expected = table.loc[ok, "D_random"] >= table.loc[ok, "D"] / 2
    assert (table.loc[ok, "mostly_chance"] == expected).all()
    assert 0 < expected.mean() < 1
