"""Offers by oversubscription criterion: a hand-worked toy LA, the identity with intakes, and Brighton and Hove."""
import numpy as np
import pandas as pd
import pytest

from repaudit.simulate.compare import compare
from repaudit.simulate.criteria import CATEGORIES, category_of
from repaudit.simulate.run import simulate
from simulate_support import policy, tiny_game

AREAS = ([0], [1])          # area 0 is school A's catchment, area 1 school B's


def toy_la():
    """Schools A (PAN 3), B (PAN 4), C (PAN 1, listed by nobody). Worked by hand, with an FSM band of
    half the places (A: 1, B: 2) below siblings and above catchment:
      k1 EHC plan names A                          -> A, ehcp (A has 3 - 1 = 2 places for the rest)
      k2 sibling at A                              -> A, sibling
      k3 FSM, lives in B's catchment, lists A, B   -> A, FSM band: fsm out of catchment (A is now full)
      k4 lives in A's catchment, lists A, B        -> A full (catchment is below FSM); B, by distance
      k5 FSM in B's catchment, lists B             -> B, fsm in catchment
      k6, k7 in B's catchment, list B              -> B, catchment
      k8 lists A only                              -> A full: directed to C, the only school with room"""
    children = [
        {"id": "k1", "prefs": [0], "ehcp": 0, "area": 0, "xy": (0, 100)},
        {"id": "k2", "prefs": [0], "sibling": 0, "area": -1, "xy": (0, 900)},
        {"id": "k3", "prefs": [0, 1], "fsm": True, "area": 1, "xy": (1000, 100)},
        {"id": "k4", "prefs": [0, 1], "area": 0, "xy": (0, 200)},
        {"id": "k5", "prefs": [1], "fsm": True, "area": 1, "xy": (1000, 300)},
        {"id": "k6", "prefs": [1], "area": 1, "xy": (1000, 400)},
        {"id": "k7", "prefs": [1], "area": 1, "xy": (1000, 500)},
        {"id": "k8", "prefs": [0], "area": -1, "xy": (2000, 100)},
    ]
    return tiny_game([3, 4, 1], children, areas=AREAS)


def toy_policy(tie_break):
    return policy(["looked_after", "sibling", "fsm", "catchment", "everyone"],
                  {"fsm": {"criteria": ["fsm"], "share": 0.5}}, tie_break=tie_break)


@pytest.mark.parametrize("tie_break, last", [("distance", "distance"), ("lottery", "open")])
def test_offers_by_criterion_in_a_toy_la_match_the_hand_worked_allocation(tie_break, last):
    game = toy_la()
    pol = toy_policy(tie_break)
    base = policy(["looked_after", "sibling", "catchment", "everyone"], tie_break=tie_break)
    table = compare(game, pol, base, runs=3, seed=0).criteria
    got = {(r.name, r.criterion): r.policy_mean for r in table.itertuples() if r.policy_mean}
    assert got == {("School A", "ehcp"): 1, ("School A", "sibling"): 1, ("School A", "fsm_out_catchment"): 1,
                   ("School B", "fsm_catchment"): 1, ("School B", "catchment"): 2, ("School B", last): 1,
                   ("School C", "directed"): 1,
                   ("all", "ehcp"): 1, ("all", "sibling"): 1, ("all", "fsm_out_catchment"): 1,
                   ("all", "fsm_catchment"): 1, ("all", "catchment"): 2, ("all", last): 1, ("all", "directed"): 1}
    # the baseline has no FSM band: k3 (outside A's catchment) loses A to k4 (inside it); B admits k3, k5,
    # k6 and k7, all in its catchment; k8 is still directed to C
    base_got = {(r.name, r.criterion): r.baseline_mean for r in table.itertuples()
                if r.baseline_mean and r.name != "all"}
    assert base_got == {("School A", "ehcp"): 1, ("School A", "sibling"): 1, ("School A", "catchment"): 1,
                        ("School B", "catchment"): 4, ("School C", "directed"): 1}


def test_every_category_has_a_name_and_a_criterion_maps_to_its_highest_part():
    assert category_of("sibling+catchment", True) == "sibling"
    assert category_of("fsm+catchment", True) == "fsm_catchment"
    assert category_of("single_school_catchment", True) == "single_school_catchment"
    assert category_of("everyone", False) == "distance"
    assert category_of("everyone", True) == "open"
    assert len(set(CATEGORIES)) == 11


def check_sums(result):
    """Per school and for the LA, offers by criterion add up to the intake (every run, so every mean)."""
    table = result.criteria
    schools = table[table["name"] != "all"]
    for label in ("baseline", "policy"):
        by_school = schools.groupby("urn")[f"{label}_mean"].sum()
        intake = result.school_table("intake").set_index("urn")[f"{label}_mean"]
        assert by_school.reindex(intake.index).to_numpy() == pytest.approx(intake.to_numpy())
        la = table[table["name"] == "all"][f"{label}_mean"].sum()
        assert la == pytest.approx(intake.sum())


def test_offers_by_criterion_add_up_to_each_schools_intake_in_the_toy_la():
    game = toy_la()
    result = compare(game, toy_policy("lottery"), toy_policy("distance"), runs=4, seed=2)
    check_sums(result)


def test_brighton_2026_offers_by_criterion_add_up_and_fill_the_bands(real, tmp_path):
    sim = simulate("brighton-2026", brighton_dir=real, entry_year=2026, runs=12, seed=0, out_dir=tmp_path)
    check_sums(sim.comparison)
    table = pd.read_csv(tmp_path / "criteria.csv").set_index(["urn", "criterion"])
    caps = sim.comparison.school_table("cap_single_school").set_index("urn")["policy_mean"]
    for urn in (114606, 114580):               # Blatchington Mill, Dorothy Stringer: PAN 330, 5% is 16.5 -> 17
        assert caps[urn] == 17
        assert table.loc[(urn, "single_school_catchment"), "policy_mean"] <= 17
    # academies run the baseline (distance); the community schools the council's lottery
    assert table.loc[(139409, "open"), "policy_mean"] == 0 and table.loc[(139409, "distance"), "policy_mean"] > 0
    assert table.loc[(114579, "distance"), "policy_mean"] == 0
    text = (tmp_path / "criteria.csv").read_text()
    assert text.count("\n") == 1 + 11 * 11          # header, 10 schools and the LA, 11 categories each


def test_the_category_of_every_brighton_offer_agrees_with_the_name_of_its_criterion(real):
    """A second route: the engine's criterion names (Allocation.criterion) mapped one by one."""
    from repaudit.simulate import scenarios
    from repaudit.simulate.criteria import categories
    from repaudit.simulate.game import solve
    from repaudit.simulate.policies import load_policy
    pol = load_policy("brighton-2026")
    game = scenarios.brighton(real, entry_year=2026, preferences=pol.preferences, city_share=0.28)
    alloc = solve(game, pol, seed=3)
    names, codes = alloc.criterion(), categories(game, alloc)
    lottery = np.array([p.tie_break == "lottery" for p in alloc.rules.policies])
    inside, _ = game.catchment_flags(np.arange(game.applicants.n), np.maximum(alloc.school, 0))
    for a in range(game.applicants.n):
        if names[a] in ("ehcp", "directed") or alloc.school[a] < 0:
            expected = names[a] or None
        else:
            expected = category_of(names[a], lottery[alloc.rules.policy_of_school[alloc.school[a]]])
            if expected == "fsm_catchment" and not inside[a]:
                expected = "fsm_out_catchment"
        assert (CATEGORIES[codes[a]] if codes[a] >= 0 else None) == expected, a
    assert len(set(codes[codes >= 0])) >= 9           # the test sees most categories, not one or two
