"""Hand-worked allocations: every expected outcome below is worked out in the comments, not by the code."""
import numpy as np
from hypothesis import given, settings, strategies as st

from repaudit.simulate.engine import nearest_with_room
from repaudit.simulate.game import DIRECTED, EHCP, OFFER, UNPLACED, check_stability, check_validity, solve, solve_many
from simulate_support import offers, policy, tiny_game

X, Y = 0, 1
NEAREST = policy(["everyone"], tie_break="distance")


def test_equal_preference_and_first_preference_first_differ():
    # Schools X at 0 and Y at 10 km, one place each. Distances: a 9 km from X, 1 km from Y;
    # b 5 km from X, 15 km from Y; c 3 km from X, 7 km from Y. So X ranks c, b, a and Y ranks a, c, b.
    # a lists Y, X; b lists X, Y; c lists Y, X.
    # Equal preference: a->Y, b->X, c->Y; Y keeps a and rejects c; c->X, X prefers c (nearer) to b;
    # b->Y, Y keeps a. Result a:Y, c:X (2nd preference), b has no place (two places, three children).
    # First preference first: X ranks b (1st preference) above c (2nd), so c is rejected instead.
    game = tiny_game([1, 1], [
        {"id": "a", "prefs": [Y, X], "xy": (9000, 0)},
        {"id": "b", "prefs": [X, Y], "xy": (-5000, 0)},
        {"id": "c", "prefs": [Y, X], "xy": (3000, 0)},
    ], school_xy=[(0, 0), (10000, 0)])
    equal = solve(game, NEAREST)
    assert offers(game, equal).tolist() == [Y, -1, X]
    assert equal.preference_rank.tolist() == [1, 0, 2]
    assert equal.route.tolist() == [OFFER, UNPLACED, OFFER]
    fpf = solve(game, policy(["everyone"], tie_break="distance", preference_first=True))
    assert offers(game, fpf).tolist() == [Y, X, -1]
    # the first-preference-first outcome has a justified-envy pair under the real priorities:
    # c is nearer X than b, and c has no place
    assert np.hypot(*(game.applicants.xy[2] - game.schools.xy[X])) < np.hypot(*(game.applicants.xy[1] - game.schools.xy[X]))
    assert check_stability(game, equal) == []


def reserve_game():
    # One school at 0, PAN 3; by distance f1 (1 km) < n1 (2) < n2 (3) < f2 (4). FSM: f1 and f2.
    return tiny_game([3], [
        {"id": "f1", "prefs": [0], "fsm": True, "xy": (1000, 0)},
        {"id": "n1", "prefs": [0], "xy": (2000, 0)},
        {"id": "n2", "prefs": [0], "xy": (3000, 0)},
        {"id": "f2", "prefs": [0], "fsm": True, "xy": (4000, 0)},
    ], school_xy=[(0, 0)])


def reserve_policy(order):
    # FSM band of floor(0.34 x 3) = 1 place, then everyone by distance
    return policy(["fsm", "everyone"], {"fsm": {"criteria": ["fsm"], "share": 0.34}}, tie_break="distance",
                  reserve_order=order)


def test_processing_order_of_reserved_places_changes_the_outcome():
    game = reserve_game()
    # Reserved place first ("priority": the band is the first criterion): f1 takes it; the two open
    # places go by distance to n1 and n2; f2 is out.
    first = solve(game, reserve_policy("priority"))
    assert (offers(game, first) == 0).tolist() == [True, True, True, False]
    # Reserved place last: the 3 - 1 = 2 open places go by distance to f1 and n1; then the reserved
    # place goes to the FSM applicant left, f2; n2 is out.
    last = solve(game, reserve_policy("last"))
    assert (offers(game, last) == 0).tolist() == [True, True, False, True]
    for alloc in (first, last):
        assert check_validity(game, alloc) == []
        assert check_stability(game, alloc) == []
    assert last.criterion().tolist() == ["everyone", "everyone", "", "fsm"]


def test_band_cap_limits_the_band_not_the_schools_fsm_intake():
    # PAN 4, FSM band floor(0.25 x 4) = 1 place. Criteria: looked-after, FSM in catchment, other FSM
    # (band), catchment, everyone. By distance: F3, N2, F1, F2, N1, L.
    # L (looked-after, FSM) is admitted first; the band admits F1 (FSM in catchment, nearer than F2);
    # the two places left go to the in-catchment children F2 and N1. F3 (FSM, out of catchment) and N2
    # miss out. FSM intake: L, F1, F2 = 3 pupils, three times the band's cap.
    brighton_like = policy(
        ["looked_after", "fsm+catchment", "fsm", "catchment", "everyone"],
        {"fsm": {"criteria": ["fsm+catchment", "fsm"], "share": 0.25}}, tie_break="distance")
    game = tiny_game([4], [
        {"id": "F3", "prefs": [0], "fsm": True, "xy": (100, 0), "area": 1},
        {"id": "N2", "prefs": [0], "xy": (200, 0), "area": 1},
        {"id": "F1", "prefs": [0], "fsm": True, "xy": (300, 0), "area": 0},
        {"id": "F2", "prefs": [0], "fsm": True, "xy": (400, 0), "area": 0},
        {"id": "N1", "prefs": [0], "xy": (500, 0), "area": 0},
        {"id": "L", "prefs": [0], "fsm": True, "lac": True, "xy": (600, 0), "area": 1},
    ], school_xy=[(0, 0)], areas=[[0], []])
    alloc = solve(game, brighton_like)
    placed = offers(game, alloc) == 0
    assert placed.tolist() == [False, False, True, True, True, True]
    assert alloc.criterion().tolist() == ["", "", "fsm+catchment", "catchment", "catchment", "looked_after"]
    assert alloc.band_counts("fsm", 1).tolist() == [1]
    assert int((placed & game.applicants.fsm).sum()) == 3
    assert check_validity(game, alloc) == [] and check_stability(game, alloc) == []


def test_fsm_limit_counts_fsm_pupils_admitted_under_higher_priorities():
    # PAN 10; FSM band share 0.5 (5 places) but cap_with_higher 0.3: at most 3 FSM pupils under the
    # band and every higher priority. Two FSM siblings come first (sibling criterion), so the band may
    # add only 3 - 2 = 1 more. Without the limit it would admit all four FSM non-siblings.
    children = ([{"prefs": [0], "fsm": True, "sibling": 0, "xy": (10 * i, 0)} for i in range(2)]
                + [{"prefs": [0], "fsm": True, "xy": (5000 + 10 * i, 0)} for i in range(4)]
                + [{"prefs": [0], "xy": (100 + 10 * i, 0)} for i in range(6)])
    game = tiny_game([10], children, school_xy=[(0, 0)])
    band = {"criteria": ["fsm"], "share": 0.5}
    limited = solve(game, policy(["sibling", "fsm", "everyone"], {"fsm": {**band, "cap_with_higher": 0.3}},
                                 tie_break="distance"))
    free = solve(game, policy(["sibling", "fsm", "everyone"], {"fsm": band}, tie_break="distance"))
    assert limited.band_counts("fsm", 1).tolist() == [1]
    assert free.band_counts("fsm", 1).tolist() == [4]
    # with the limit: 2 siblings + 1 band, then 7 places by distance among 9: the 6 non-FSM (within
    # 150 m) and the nearest of the 3 FSM left (5 km); FSM intake 2 + 1 + 1 = 4, two FSM children miss out
    assert int(((offers(game, limited) == 0) & game.applicants.fsm).sum()) == 4
    assert (offers(game, limited) == 0).sum() == 10
    assert check_stability(game, limited) == []


def test_ehc_plan_first_and_directed_places_at_the_nearest_school_with_room():
    # A (at 0) PAN 2, B (at 1 km) PAN 2, C (at 5 km) PAN 5. e has an EHC plan naming A (not among its
    # preferences): placed at A first, leaving A one place. x1, x2, x3 list only A; A ranks by distance
    # x1 (100 m), x2 (200 m), x3 (4 km): x1 gets it. Directed: x2 (at -200 m) to B, the nearest with room
    # (1.2 km); x3 (at 4 km) to C (1 km away, B is 3 km).
    game = tiny_game([2, 2, 5], [
        {"id": "e", "prefs": [1], "ehcp": 0, "xy": (0, 50)},
        {"id": "x1", "prefs": [0], "xy": (-100, 0)},
        {"id": "x2", "prefs": [0], "xy": (-200, 0)},
        {"id": "x3", "prefs": [0], "xy": (4000, 0)},
    ], school_xy=[(0, 0), (1000, 0), (5000, 0)])
    alloc = solve(game, NEAREST)
    assert alloc.school.tolist() == [0, 0, 1, 2]
    assert alloc.route.tolist() == [EHCP, OFFER, DIRECTED, DIRECTED]
    assert alloc.preference_rank.tolist() == [0, 1, 0, 0]
    assert alloc.capacity.tolist() == [1, 2, 5]
    assert check_validity(game, alloc) == []


def test_same_seed_same_allocation_and_batched_runs_equal_single_runs():
    rng = np.random.default_rng(5)
    children = [{"prefs": list(rng.permutation(3)[:2]), "fsm": bool(rng.random() < 0.3),
                 "xy": tuple(rng.random(2) * 5000)} for _ in range(60)]
    game = tiny_game([15, 15, 15], children)
    lottery = policy(["fsm", "everyone"], {"fsm": {"criteria": ["fsm"], "share": 0.2}}, tie_break="lottery")
    a, b = solve(game, lottery, seed=11), solve(game, lottery, seed=11)
    assert np.array_equal(a.school, b.school) and np.array_equal(a.route, b.route)
    many = solve_many(game, lottery, [11, 12, 13], batch=2)
    for seed, alloc in zip([11, 12, 13], many):
        single = solve(game, lottery, seed=seed)
        assert np.array_equal(single.school, alloc.school) and np.array_equal(single.step, alloc.step)
    assert any(not np.array_equal(many[0].school, m.school) for m in many[1:])


def _orders(alloc, game):
    m = alloc.market
    apps = np.repeat(np.arange(game.applicants.n), np.diff(m.offsets))
    return [tuple(apps[m.school == s][np.argsort(m.tiebreak[m.school == s])]) for s in range(game.schools.n)]


def test_single_lottery_orders_children_alike_everywhere_and_per_school_does_not():
    children = [{"prefs": [0, 1, 2], "xy": (float(i), 0.0)} for i in range(40)]
    game = tiny_game([5, 5, 5], children)
    single = _orders(solve(game, policy(["everyone"], tie_break="lottery", lottery="single"), seed=3), game)
    assert single[0] == single[1] == single[2]
    per_school = _orders(solve(game, policy(["everyone"], tie_break="lottery", lottery="per-school"), seed=3), game)
    assert len(set(per_school)) == 3


def test_distance_tie_break_ranks_nearer_children_first():
    rng = np.random.default_rng(2)
    children = [{"prefs": [0, 1], "xy": tuple(rng.random(2) * 9000)} for _ in range(30)]
    game = tiny_game([5, 5], children, school_xy=[(0, 0), (9000, 9000)])
    order = _orders(solve(game, NEAREST), game)
    for s in range(2):
        d = np.hypot(*(game.applicants.xy[list(order[s])] - game.schools.xy[s]).T)
        assert np.all(np.diff(d) >= 0)


def serial_dictatorship(home, schools, room, order):
    """Plain reference: in ORDER, each child takes the nearest school with room (ties: lower index)."""
    room = list(room)
    out = [-1] * len(home)
    for i in order:
        d = [((home[i][0] - x) ** 2 + (home[i][1] - y) ** 2, j) for j, (x, y) in enumerate(schools) if room[j] > 0]
        if d:
            out[i] = min(d)[1]
            room[out[i]] -= 1
    return out


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_directed_places_equal_a_plain_serial_dictatorship(data):
    n = data.draw(st.integers(1, 25))
    k = data.draw(st.integers(1, 8))
    coord = st.integers(0, 50)
    home = [data.draw(st.tuples(coord, coord)) for _ in range(n)]
    schools = [data.draw(st.tuples(coord, coord)) for _ in range(k)]
    room = data.draw(st.lists(st.integers(0, 4), min_size=k, max_size=k))
    order = data.draw(st.permutations(range(n)))
    got = nearest_with_room(np.array(home, float), np.array(schools, float), np.array(room), np.array(order), first_k=1)
    assert got.tolist() == serial_dictatorship(home, schools, room, order)
