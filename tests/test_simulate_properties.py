"""Property tests: every allocation is valid and stable, and equals an independent plain implementation.

The reference below is written from the policy documentation, one applicant and one criterion at a
time, sharing nothing with the engine but the lottery draw (market.tiebreak), which is an input:
  * `meets` evaluates each criterion from its definition;
  * `ref_choice` processes a school's criteria one by one (bands as blocks with a shared cap) in the
    documented reserve order;
  * `ref_da` is Gale and Shapley's one-proposal-at-a-time deferred acceptance on `ref_choice`;
  * `brute_force_optimal` enumerates every matching of a tiny instance without reserves and returns
    the stable matching every applicant likes best.
"""
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from repaudit.simulate.game import check_stability, check_validity, solve
from repaudit.simulate.policies import load_policy, others_policy, presets
from simulate_support import offers, policy, tiny_game

POOL = ["looked_after", "medical_social", "sibling", "sibling+catchment", "fsm+catchment", "fsm",
        "single_school_catchment", "catchment"]


@st.composite
def games(draw, max_children=10, max_schools=3, ehcp=True, max_pan=5):
    n_s = draw(st.integers(1, max_schools))
    pan = draw(st.lists(st.integers(0 if max_pan <= 3 else 2, max_pan), min_size=n_s, max_size=n_s))
    areas = [sorted(draw(st.sets(st.integers(0, n_s - 1), min_size=1))) for _ in range(draw(st.integers(0, 2)))]
    school = st.integers(-1, n_s - 1)
    children = []
    for _ in range(draw(st.integers(0 if max_children < 9 else 3, max_children))):
        prefs = draw(st.permutations(range(n_s)))[:draw(st.integers(0 if max_children < 9 else 1, n_s))]
        children.append({
            "prefs": prefs, "fsm": draw(st.booleans()), "lac": draw(st.integers(0, 5)) == 0,
            "sibling": draw(school), "medical": draw(school) if draw(st.integers(0, 4)) == 0 else -1,
            "ehcp": draw(school) if ehcp and draw(st.integers(0, 6)) == 0 else -1,
            "area": draw(st.integers(-1, len(areas) - 1)),
            "xy": (draw(st.integers(0, 3000)), draw(st.integers(0, 3000))),
        })
    xy = [(draw(st.integers(0, 3000)), draw(st.integers(0, 3000))) for _ in range(n_s)]
    return tiny_game(pan, children, school_xy=xy, areas=areas)


@st.composite
def fsm_band_policies(draw):
    """Brighton-like: some higher criteria, an FSM band (often with a with-higher limit), lower criteria."""
    higher = draw(st.lists(st.sampled_from(["looked_after", "medical_social", "sibling"]), unique=True, max_size=2))
    members = draw(st.sampled_from([["fsm"], ["fsm+catchment", "fsm"], ["fsm+catchment"]]))
    lower = draw(st.lists(st.sampled_from(["catchment", "single_school_catchment"]), unique=True, max_size=2))
    band = {"criteria": members, "share": draw(st.sampled_from([0.34, 0.5, 0.67, 1.0]))}
    order = draw(st.sampled_from(["priority", "last", "first"]))
    if order != "last" and draw(st.booleans()):          # a with-higher limit needs the band first (policies.py)
        band["cap_with_higher"] = draw(st.sampled_from([0.2, 0.34, 0.5]))
    return policy(higher + members + lower + ["everyone"], {"fsm": band},
                  tie_break=draw(st.sampled_from(["distance", "lottery"])), reserve_order=order,
                  rounding=draw(st.sampled_from(["down", "up", "nearest"])))


@st.composite
def policies(draw, bands=True):
    if bands and draw(st.booleans()):
        return draw(fsm_band_policies())
    criteria = draw(st.lists(st.sampled_from(POOL), unique=True, max_size=5))
    order = draw(st.sampled_from(["priority", "last", "first"]))
    spec = {}
    if bands and criteria:
        start = 0
        for b in range(draw(st.integers(0, 2))):
            if start >= len(criteria):
                break
            lo = draw(st.integers(start, len(criteria) - 1))
            hi = draw(st.integers(lo, len(criteria) - 1))
            members = criteria[lo:hi + 1]
            band = {"criteria": members, "share": draw(st.sampled_from([0.0, 0.2, 0.34, 0.5, 1.0]))}
            if b == 0 and order != "last" and all("fsm" in m.split("+") for m in members) and draw(st.booleans()):
                band["cap_with_higher"] = draw(st.sampled_from([0.0, 0.3, 0.67]))
            spec[f"band{b}"] = band
            start = hi + 1
    total = sum(b["share"] for b in spec.values())
    if total > 1:                                   # bands may reserve at most all places
        for b in spec.values():
            b["share"] = b["share"] / total
    return policy(criteria + ["everyone"], spec or None,
                  tie_break=draw(st.sampled_from(["distance", "lottery"])),
                  lottery=draw(st.sampled_from(["single", "per-school"])), reserve_order=order,
                  rounding=draw(st.sampled_from(["down", "up", "nearest"])))


def meets(game, a, s, criterion):
    """Criterion from its documented definition (policies.py), for child a at school s."""
    apps, c = game.applicants, game.catchments
    area = c.area_of[a] if c is not None else -1
    served = set(np.flatnonzero(c.serves[area])) if area >= 0 else set()
    facts = {
        "looked_after": bool(apps.looked_after[a]),
        "medical_social": apps.medical_school[a] == s,
        "sibling": apps.sibling_school[a] == s,
        "catchment": s in served,
        "fsm": bool(apps.fsm[a]),
        "single_school_catchment": len(served) == 1 and s not in served,
        "everyone": True,
    }
    return all(facts[p] for p in criterion.split("+"))


def places(share, pan, rounding="down"):
    """share x pan rounded as documented: down, up, or to the nearest whole place with halves up."""
    exact = share * pan
    if rounding == "up":
        return math.ceil(exact - 1e-9)
    if rounding == "nearest":
        return math.floor(exact + 0.5 + 1e-9)
    return math.floor(exact + 1e-9)


def ref_choice(game, pol, s, applicants, tb, capacity):
    """School s's choice from APPLICANTS, one criterion at a time, bands as capped blocks. POL is the
    policy of school s (see `rules_at`)."""
    pan = int(game.schools.pan[s])
    share = {b.name: pol.share(b.share, game.city_fsm_share) for b in pol.bands}
    rounding = pol.rounding
    left, chosen = set(applicants), []
    state = {"seats": capacity}

    def fsm_chosen():
        return sum(bool(game.applicants.fsm[a]) for a in chosen)

    def take(criteria, quota):
        got = 0
        for crit in criteria:
            for a in sorted((a for a in left if meets(game, a, s, crit)), key=lambda a: tb[(a, s)]):
                if got >= quota or state["seats"] <= 0:
                    return
                left.discard(a)
                chosen.append(a)
                got += 1
                state["seats"] -= 1

    def band_block(band):
        quota = places(share[band.name], pan, rounding)
        if band.cap_with_higher is not None:
            quota = min(quota, max(places(band.cap_with_higher, pan, rounding) - fsm_chosen(), 0))
        take(band.criteria, quota)

    open_criteria = [c for c in pol.criteria if pol.band_of(c) is None]
    bands = sorted(pol.bands, key=lambda b: pol.criteria.index(b.criteria[0]))
    if pol.reserve_order == "priority":
        done = set()
        for crit in pol.criteria:
            band = pol.band_of(crit)
            if band is None:
                take([crit], math.inf)
            elif band.name not in done:
                band_block(band)
                done.add(band.name)
    elif pol.reserve_order == "last":
        take(open_criteria, max(capacity - sum(places(share[b.name], pan, rounding) for b in bands), 0))
        for band in bands:
            band_block(band)
        take(open_criteria, math.inf)
    else:
        for band in bands:
            band_block(band)
        take(open_criteria, math.inf)
    return set(chosen)


def lottery_of(game, alloc):
    """The engine's tie-break draw as {(child, school): rank} (an input to the reference, not logic)."""
    m = alloc.market
    child = np.repeat(np.arange(game.applicants.n), np.diff(m.offsets))
    return {(int(a), int(s)): int(t) for a, s, t in zip(child, m.school, m.tiebreak)}


def ref_capacity(game):
    plans = np.bincount(game.applicants.ehcp_school[game.applicants.ehcp_school >= 0], minlength=game.schools.n)
    return np.maximum(game.schools.pan - plans, 0)


def rules_at(game, pol, others):
    """The policy each school follows: POL where it applies (applies_to), OTHERS at the other schools."""
    if pol.applies_to == "all" or others is None:
        return lambda s: pol
    return lambda s: pol if game.schools.community[s] else others


def ref_da(game, pol, tb, others=None, ok=None):
    """One proposal at a time deferred acceptance with ref_choice; returns each child's school or -1. OK(a, s):
    school s may admit child a at all (selection, sex); a school that may not rejects the proposal."""
    at = rules_at(game, pol, others)
    cap = ref_capacity(game)
    held = {s: set() for s in range(game.schools.n)}
    nxt = [0] * game.applicants.n
    free = [a for a in range(game.applicants.n) if game.applicants.ehcp_school[a] < 0]
    while free:
        a = free.pop()
        prefs = game.applicants.preferences(a)
        if nxt[a] >= len(prefs):
            continue
        s = int(prefs[nxt[a]])
        nxt[a] += 1
        if ok is not None and not ok(a, s):
            free.append(a)
            continue
        keep = ref_choice(game, at(s), s, held[s] | {a}, tb, int(cap[s]))
        free.extend((held[s] | {a}) - keep)
        held[s] = keep
    out = [-1] * game.applicants.n
    for s, kids in held.items():
        for a in kids:
            out[a] = s
    return out


def ref_blocking_pairs(game, pol, tb, match, others=None):
    at = rules_at(game, pol, others)
    cap = ref_capacity(game)
    held = {s: {a for a in range(len(match)) if match[a] == s} for s in range(game.schools.n)}
    pairs = [("drop", s) for s in held if ref_choice(game, at(s), s, held[s], tb, int(cap[s])) != held[s]]
    for a in range(game.applicants.n):
        if game.applicants.ehcp_school[a] >= 0:
            continue
        prefs = list(game.applicants.preferences(a))
        better = prefs[:prefs.index(match[a])] if match[a] >= 0 else prefs
        pairs += [(a, s) for s in better if a in ref_choice(game, at(s), s, held[s] | {a}, tb, int(cap[s]))]
    return pairs


@settings(max_examples=300, deadline=None)
@given(games(), policies(), st.integers(0, 2**16))
def test_allocation_is_valid_stable_and_equals_the_plain_reference(game, pol, seed):
    alloc = solve(game, pol, seed=seed)
    assert check_validity(game, alloc) == []
    assert check_stability(game, alloc) == []
    tb = lottery_of(game, alloc)
    expected = ref_da(game, pol, tb)
    assert offers(game, alloc).tolist() == expected
    assert ref_blocking_pairs(game, pol, tb, expected) == []


@settings(max_examples=200, deadline=None)
@given(games(), policies(), policies(), st.lists(st.booleans(), min_size=3, max_size=3), st.integers(0, 2**16))
def test_with_applies_to_each_school_follows_its_own_rules_valid_stable_and_as_the_reference(game, pol, other,
                                                                                             community, seed):
    """applies_to = "community": the policy at LA-admitted schools, OTHERS (any policy) at the rest."""
    from dataclasses import replace

    game.schools.community[:] = community[:game.schools.n]
    pol, other = replace(pol, applies_to="community"), replace(other, applies_to="all")
    alloc = solve(game, pol, seed=seed, others=other)
    assert check_validity(game, alloc) == []
    assert check_stability(game, alloc) == []
    tb = lottery_of(game, alloc)
    expected = ref_da(game, pol, tb, other)
    assert offers(game, alloc).tolist() == expected
    assert ref_blocking_pairs(game, pol, tb, expected, other) == []


def priority_key(game, pol, tb, a, s):
    crit = next(i for i, c in enumerate(pol.criteria) if meets(game, a, s, c))
    return (crit, tb[(a, s)])


def brute_force_optimal(game, pol, tb):
    """All matchings of a tiny instance (no reserves, no EHC plans): the stable one every child likes best."""
    n = game.applicants.n
    options = [list(game.applicants.preferences(a)) + [-1] for a in range(n)]
    cap = game.schools.pan
    stable = []
    for match in itertools.product(*options):
        if any(sum(m == s for m in match) > cap[s] for s in range(game.schools.n)):
            continue
        blocked = False
        for a in range(n):
            prefs = options[a]
            for s in prefs[:prefs.index(match[a])]:
                holders = [b for b in range(n) if match[b] == s]
                mine = priority_key(game, pol, tb, a, s)
                if len(holders) < cap[s] or any(priority_key(game, pol, tb, b, s) > mine for b in holders):
                    blocked = True
                    break
            if blocked:
                break
        if not blocked:
            stable.append(match)
    rank = lambda a, s: options[a].index(s)  # noqa: E731
    best = [m for m in stable if all(all(rank(a, m[a]) <= rank(a, o[a]) for a in range(n)) for o in stable)]
    assert len(best) == 1, "an applicant-optimal stable matching always exists"
    return list(best[0])


@settings(max_examples=200, deadline=None)
@given(games(max_children=6, max_schools=3, ehcp=False, max_pan=3), policies(bands=False), st.integers(0, 2**16))
def test_without_reserves_the_result_is_the_applicant_optimal_stable_matching(game, pol, seed):
    alloc = solve(game, pol, seed=seed)
    assert offers(game, alloc).tolist() == brute_force_optimal(game, pol, lottery_of(game, alloc))


@settings(max_examples=25, deadline=None)
@given(games(max_children=60, max_schools=6, max_pan=15), policies(), st.integers(0, 2**16))
def test_larger_markets_stay_valid_and_stable(game, pol, seed):
    alloc = solve(game, pol, seed=seed)
    assert check_validity(game, alloc) == []
    assert check_stability(game, alloc) == []


@pytest.mark.parametrize("name", presets())
@settings(max_examples=60, deadline=None)
@given(game=games(), community=st.lists(st.booleans(), min_size=3, max_size=3), seed=st.integers(0, 2**16))
def test_every_preset_with_its_applies_to_is_valid_stable_and_as_the_reference(name, game, community, seed):
    pol = load_policy(name)
    game.schools.community[:] = community[:game.schools.n]
    alloc = solve(game, pol, seed=seed)
    assert check_validity(game, alloc) == []
    assert check_stability(game, alloc) == []
    others = others_policy(pol) if pol.applies_to == "community" else None
    tb = lottery_of(game, alloc)
    expected = ref_da(game, pol, tb, others)
    assert offers(game, alloc).tolist() == expected
    assert ref_blocking_pairs(game, pol, tb, expected, others) == []


@st.composite
def games_with_entry(draw):
    """games() with selective and single-sex schools and children who have a sex and passed the test or not."""
    game = draw(games(max_children=9, ehcp=False))
    n_s, n = game.schools.n, game.applicants.n
    game.schools.selective = np.array(draw(st.lists(st.booleans(), min_size=n_s, max_size=n_s)))
    game.schools.sex = np.array(draw(st.lists(st.sampled_from(["mixed", "boys", "girls"]), min_size=n_s,
                                              max_size=n_s)), dtype=object)
    game.applicants.girl = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    game.applicants.qualified = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    return game


def may_admit(game, a, s):
    """From the definitions: a selective school only children who passed; a single-sex school only its sex."""
    if game.schools.selective[s] and not game.applicants.qualified[a]:
        return False
    wanted = {"boys": False, "girls": True}.get(game.schools.sex[s])
    return wanted is None or bool(game.applicants.girl[a]) == wanted


@settings(max_examples=300, deadline=None)
@given(games_with_entry(), policies(), st.integers(0, 2**16))
def test_selection_and_sex_valid_stable_as_the_reference_and_directed_to_the_nearest_school_that_may_admit(
        game, pol, seed):
    from repaudit.simulate.game import DIRECTED, UNPLACED

    alloc = solve(game, pol, seed=seed)
    assert check_validity(game, alloc) == []
    assert check_stability(game, alloc) == []
    placed = np.flatnonzero(alloc.school >= 0)
    assert all(may_admit(game, a, alloc.school[a]) for a in placed)
    assert offers(game, alloc).tolist() == ref_da(game, pol, lottery_of(game, alloc), ok=lambda a, s: may_admit(game, a, s))
    # serial dictatorship: a school nearer than a directed child's that may admit them has no room left
    room = ref_capacity(game) - np.bincount(alloc.school[placed], minlength=game.schools.n)
    for a in np.flatnonzero(alloc.route == DIRECTED):
        d = np.hypot(*(game.schools.xy - game.applicants.xy[a]).T)
        nearer = [s for s in range(game.schools.n) if d[s] < d[alloc.school[a]] and may_admit(game, a, s)]
        assert all(room[s] <= 0 for s in nearer)
    for a in np.flatnonzero(alloc.route == UNPLACED):
        assert all(room[s] <= 0 for s in range(game.schools.n) if may_admit(game, a, s))
