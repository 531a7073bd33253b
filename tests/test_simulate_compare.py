"""Policy comparison tables checked against hand-worked figures and METHODS check values."""
import numpy as np
import pandas as pd
import pytest

from repaudit.simulate.compare import allocation_frame, community_fsm, compare
from repaudit.simulate.game import solve
from simulate_support import policy, tiny_game


def by_metric(table, metric, column):
    return table[table["metric"] == metric][column].to_numpy()


def test_segregation_indices_match_the_methods_check_values():
    # four schools of 100, FSM 100, 60, 40, 0: D = 0.6, GS = 0.3, isolation 0.76 (METHODS section 5)
    fsm_counts = [100, 60, 40, 0]
    children = [{"prefs": [s], "fsm": i < fsm_counts[s], "xy": (1000.0 * s, 0.0)} for s in range(4) for i in range(100)]
    game = tiny_game([100] * 4, children)
    only = policy(["everyone"], tie_break="distance")
    result = compare(game, only, only, runs=2, seed=1)
    areas = result.areas.set_index("metric")
    assert areas.loc["D", "baseline_mean"] == pytest.approx(0.6)
    assert areas.loc["GS", "policy_mean"] == pytest.approx(0.3)
    assert areas.loc["isolation", "baseline_mean"] == pytest.approx(0.76)
    assert areas.loc["D", "change_mean"] == 0
    assert by_metric(result.schools, "fsm_share", "baseline_mean").tolist() == [1.0, 0.6, 0.4, 0.0]
    assert by_metric(result.schools, "first_pref_rate", "policy_mean").tolist() == [1.0] * 4
    assert result.summary.set_index("metric").loc["movers", "policy_mean"] == 0


def test_reserve_order_comparison_counts_movers_shares_and_top_two_by_hand():
    # One school, PAN 3; by distance f1, n1, n2, f2 (FSM: f1, f2); FSM band of 1 place.
    # "priority": f1, n1, n2 admitted; "last": f1, n1, f2 (see test_simulate_engine).
    game = tiny_game([3], [
        {"id": "f1", "prefs": [0], "fsm": True, "xy": (1000, 0)},
        {"id": "n1", "prefs": [0], "xy": (2000, 0)},
        {"id": "n2", "prefs": [0], "xy": (3000, 0)},
        {"id": "f2", "prefs": [0], "fsm": True, "xy": (4000, 0)},
    ], school_xy=[(0, 0)])
    band = {"fsm": {"criteria": ["fsm"], "share": 0.34}}
    before = policy(["fsm", "everyone"], band, tie_break="distance", reserve_order="priority")
    after = policy(["fsm", "everyone"], band, tie_break="distance", reserve_order="last")
    result = compare(game, after, before, runs=3, seed=0)
    s = result.summary.set_index("metric")
    assert s.loc["movers", "policy_mean"] == 2                       # f2 gains the place n2 loses
    assert s.loc["kept_baseline_school", "policy_mean"] == pytest.approx(0.5)
    assert s.loc["unplaced", "baseline_mean"] == 1 == s.loc["unplaced", "policy_mean"]   # no room anywhere
    assert s.loc["fsm_top2_rate", "baseline_mean"] == pytest.approx(0.5)
    assert s.loc["fsm_top2_rate", "policy_mean"] == pytest.approx(1.0)
    share = result.school_table("fsm_share").iloc[0]
    assert (share["baseline_mean"], share["policy_mean"]) == pytest.approx((1 / 3, 2 / 3))
    assert share["change_lo"] == pytest.approx(1 / 3) and share["change_hi"] == pytest.approx(1 / 3)
    # mean home-school distance of the admitted: (1 + 2 + 3) / 3 = 2 km before, (1 + 2 + 4) / 3 after
    km = result.school_table("mean_km").iloc[0]
    assert (km["baseline_mean"], km["policy_mean"]) == pytest.approx((2.0, 7 / 3))
    assert by_metric(result.schools, "band_fsm", "policy_mean").tolist() == [1.0]
    assert by_metric(result.schools, "cap_fsm", "policy_mean").tolist() == [1.0]
    # community FSM: the 3 (PAN) nearest children are f1, n1, n2 -> 1/3; gap = 100 (2/3 - 1/3)
    assert by_metric(result.schools, "community_fsm", "baseline_mean").tolist() == pytest.approx([1 / 3])
    assert by_metric(result.schools, "gap_pp", "policy_mean").tolist() == pytest.approx([100 / 3])


def test_community_fsm_is_the_share_among_the_pan_nearest_children():
    game = tiny_game([2], [{"prefs": [0], "fsm": f, "xy": (d, 0)} for f, d in
                           [(True, 4000), (False, 2000), (True, 1000), (True, 3000)]], school_xy=[(0, 0)])
    assert community_fsm(game).tolist() == [0.5]


def test_community_fsm_of_a_school_beyond_every_home_in_one_direction_is_its_nearest_childrens():
    """Homes in a column, the school past its end: the square of candidates spans every home across but not
    along; it keeps growing until it holds the nearest (here the one at 2 km, not FSM)."""
    game = tiny_game([1], [{"prefs": [0], "fsm": f, "xy": (0, y)} for f, y in
                           [(True, 0), (True, 1000), (False, 2000)]], school_xy=[(0, 5000)])
    assert community_fsm(game).tolist() == [0.0]


def test_allocation_csv_columns_and_empty_cells():
    game = tiny_game([1, 0], [
        {"id": "a", "prefs": [0], "xy": (0, 0)},
        {"id": "b", "prefs": [0, 1], "xy": (5, 0)},
        {"id": "c", "prefs": [], "ehcp": 1, "xy": (5, 0)},
    ])
    frame = allocation_frame(game, solve(game, policy(["everyone"], tie_break="distance")))
    assert list(frame.columns[:4]) == ["applicant_id", "urn", "preference_rank", "directed"]
    assert frame["urn"].tolist()[0] == 100001 and pd.isna(frame["urn"].iloc[1])
    assert frame["urn"].iloc[2] == 100002                          # EHC plan names the full school: admitted
    assert pd.isna(frame["preference_rank"].iloc[1]) and frame["preference_rank"].iloc[0] == 1
    assert frame["route"].tolist() == ["offer", "unplaced", "ehcp"]
    assert frame["directed"].tolist() == [0, 0, 0]


def test_monte_carlo_is_reproducible_and_intervals_bracket_the_mean():
    rng = np.random.default_rng(8)
    children = [{"prefs": list(rng.permutation(3)), "fsm": bool(rng.random() < 0.3), "xy": tuple(rng.random(2) * 4000)}
                for _ in range(90)]
    game = tiny_game([25, 25, 25], children)
    pol = policy(["fsm", "everyone"], {"fsm": {"criteria": ["fsm"], "share": 0.2}}, tie_break="lottery")
    base = policy(["everyone"], tie_break="lottery")
    a = compare(game, pol, base, runs=30, seed=4)
    b = compare(game, pol, base, runs=30, seed=4)
    pd.testing.assert_frame_equal(a.schools, b.schools)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    t = a.schools.dropna(subset=["change_lo"])
    assert (t["change_lo"] <= t["change_mean"] + 1e-12).all() and (t["change_mean"] <= t["change_hi"] + 1e-12).all()
    assert not compare(game, pol, base, runs=30, seed=5).schools.equals(a.schools)


def test_change_map_colour_classes_are_stepped_and_diverging():
    from repaudit.simulate.change_map import COLOURS, NO_INTAKE, colour, legend

    assert [colour(x) for x in (-7, -6, -3.5, -1, 0.0, 0.99, 1, 2.9, 3, 5.9, 6, 9.3)] == [
        COLOURS[0], COLOURS[1], COLOURS[1], COLOURS[3], COLOURS[3], COLOURS[3], COLOURS[4], COLOURS[4], COLOURS[5],
        COLOURS[5], COLOURS[6], COLOURS[6]]
    assert colour(float("nan")) == NO_INTAKE
    assert [k["label"] for k in legend()] == ["below -6 pp", "-6 to -3 pp", "-3 to -1 pp", "within 1 pp",
                                              "+1 to +3 pp", "+3 to +6 pp", "+6 pp or more", "no intake"]
