"""Schools' own criteria (faith, feeder schools, banding) in synthetic cohorts: a listing that meets them comes
first within each criterion of the policy, so a child who put the school second can displace a nearer child
who put it first; which listings meet them is drawn at a share per kind of school."""
import numpy as np
import pandas as pd
import pytest

from repaudit.simulate import own_criteria
from repaudit.simulate.game import check_stability, check_validity, solve
from simulate_support import offers, policy, tiny_game

BASELINE = ["looked_after", "sibling", "catchment", "everyone"]


def three_children(own=None, sibling=-1):
    """A (index 0) at x = 0 and B (1) at x = 1 km, one place each. c0 lives 100 m from A and lists A only;
    c1 lives 100 m from B and lists B then A (900 m); c2 lives at B and lists B only. OWN: per listing (in
    order c0:A, c1:B, c1:A, c2:B) whether it meets the school's own criteria."""
    game = tiny_game([1, 1], [{"prefs": [0], "xy": (100.0, 0.0), "sibling": sibling},
                              {"prefs": [1, 0], "xy": (900.0, 0.0)},
                              {"prefs": [1], "xy": (1000.0, 0.0)}])
    if own is not None:
        game.applicants.own_criteria = np.asarray(own, dtype=bool)
    return game


def test_without_own_criteria_nearer_children_keep_their_first_preferences():
    game = three_children()
    alloc = solve(game, policy(BASELINE, tie_break="distance"), seed=0)
    # B: c2 (0 m) before c1 (100 m); c1 then tries A, where c0 (100 m) is nearer than c1 (900 m)
    assert offers(game, alloc).tolist() == [0, -1, 1]
    assert alloc.preference_rank.tolist() == [1, 0, 1]


def test_a_second_preference_meeting_the_schools_own_criteria_displaces_a_nearer_first_preference():
    game = three_children(own=[False, False, True, False])
    alloc = solve(game, policy(BASELINE, tie_break="distance"), seed=0)
    # c1 loses B to c2 as before, then A ranks c1 (own criteria) before c0: c0 has no place left anywhere
    assert offers(game, alloc).tolist() == [-1, 0, 1]
    assert alloc.preference_rank.tolist() == [0, 2, 1]
    assert check_validity(game, alloc) == [] and check_stability(game, alloc) == []


def test_under_a_lottery_a_listing_meeting_own_criteria_wins_every_draw():
    # one place; c0 and c1 both list only A; c1's listing meets A's own criteria
    game = tiny_game([1], [{"prefs": [0]}, {"prefs": [0]}])
    game.applicants.own_criteria = np.array([False, True])
    lottery = policy(BASELINE, tie_break="lottery")
    assert {offers(game, solve(game, lottery, seed=s)).tolist()[1] for s in range(20)} == {0}
    # without it each wins some of the 20 draws (both always winning has probability 2 x 0.5^20)
    game = tiny_game([1], [{"prefs": [0]}, {"prefs": [0]}])
    assert {offers(game, solve(game, lottery, seed=s)).tolist()[1] for s in range(20)} == {0, -1}


def test_own_criteria_order_only_within_a_criterion_and_distance_decides_among_those_meeting_them():
    # both listings at A meet A's own criteria: the nearer, c0, keeps it
    game = three_children(own=[True, False, True, False])
    assert offers(game, solve(game, policy(BASELINE, tie_break="distance"), seed=0)).tolist() == [0, -1, 1]
    # a sibling at A comes before own criteria (an earlier criterion of the policy)
    game = three_children(own=[False, False, True, False], sibling=0)
    assert offers(game, solve(game, policy(BASELINE, tie_break="distance"), seed=0)).tolist() == [0, -1, 1]
    # at B, c1's first listing meets B's own criteria: c1 takes B before c2, who listed nothing else
    game = three_children(own=[False, True, False, False])
    assert offers(game, solve(game, policy(BASELINE, tie_break="distance"), seed=0)).tolist() == [0, 1, -1]


def test_the_kind_of_a_school_comes_from_selection_religious_character_and_admission_authority():
    schools = pd.DataFrame({"selective": [True, False, False, False, False, False],
                            "religion": ["Roman Catholic", "Church of England", None, "No religious character",
                                         "Does not apply", None],
                            "type": ["Academy converter", "Voluntary aided school", "Community school",
                                     "Free schools", "Voluntary controlled school", "Foundation school"]})
    assert own_criteria.kind_of(schools).tolist() == ["selective", "faith", "la_admissions", "own_admissions",
                                                      "la_admissions", "own_admissions"]
    shares = own_criteria.shares(schools, {"selective": 0.5, "faith": 0.25, "own_admissions": 0.1})
    assert shares.tolist() == [0.5, 0.25, 0.0, 0.1, 0.0, 0.1]
    assert own_criteria.shares(schools, 0.2).tolist() == [0.2] * 6


def test_a_split_gives_each_kind_a_share_in_london_or_elsewhere_or_by_the_las_preferences():
    schools = pd.DataFrame({"selective": [False, False, True], "religion": [None, "Roman Catholic", None],
                            "type": ["Academy converter", "Voluntary aided school", "Foundation school"],
                            "la_code": ["202", "886", "319"]})
    assert own_criteria.group_of(schools, "london").tolist() == ["own_admissions:london", "faith:elsewhere",
                                                                 "selective:london"]
    assert own_criteria.group_of(schools, "six_preferences", 6).tolist() == ["own_admissions:six", "faith:six",
                                                                             "selective:six"]
    assert own_criteria.group_of(schools, "six_preferences", 3)[0] == "own_admissions:fewer"
    table = {"own_admissions:six": 0.4, "own_admissions:fewer": 0.1, "faith:six": 0.3, "selective:six": 0.2}
    assert own_criteria.shares(schools, table, preferences=6).tolist() == [0.4, 0.3, 0.2]
    assert own_criteria.shares(schools, table, preferences=4).tolist() == [0.1, 0.0, 0.0]


def test_listings_meet_own_criteria_at_their_schools_share_from_a_stream_of_their_own():
    prefs = [[11, 12], [12], [11, 12, 13]] * 20_000
    index = {11: 0, 12: 1, 13: 2}
    met = own_criteria.draw(prefs, np.array([0.0, 1.0, 0.3]), index, seed=4)
    assert [len(m) for m in met[:3]] == [2, 1, 3]
    flat = np.concatenate(met)
    school = np.array([index[u] for p in prefs for u in p])
    assert not flat[school == 0].any() and flat[school == 1].all()
    # 20,000 listings of school 13 at 0.3: standard error 0.0032
    assert flat[school == 2].mean() == pytest.approx(0.3, abs=0.013)
    again = np.concatenate(own_criteria.draw(prefs, np.array([0.0, 1.0, 0.3]), index, seed=4))
    assert (again == flat).all()


def test_the_shipped_fit_says_what_it_was_fitted_on_and_gives_a_share_for_every_kind():
    fit = own_criteria.fitted()
    assert {k.split(":")[0] for k in fit["shares"]} == set(own_criteria.KINDS)
    assert fit["split"] in (None,) + own_criteria.SPLITS
    # the split kept is the one with the least squared error on the LAs its shares were not fitted on
    held_out = fit["held_out_error_by_split"]
    assert held_out[fit["split"] or "none"] == min(held_out.values())
    assert all(0.0 <= v <= 1.0 for v in fit["shares"].values())
    assert fit["fitted_on"].startswith("fitted on entry ")
    # the share kept is the grid's least squared error for each kind
    for kind, errors in fit["sum_squared_error"].items():
        assert fit["shares"][kind] == fit["grid"][int(np.argmin(errors))]
