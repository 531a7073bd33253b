"""The Brighton and Hove scenario built from the real public files in ../shared/data/real (read in place).

Expected figures are read from the files here with the csv module, independently of the scenario code.
"""
import csv
import functools

import numpy as np
import pytest

from repaudit.simulate.compare import compare
from repaudit.simulate.game import OFFER, check_stability, check_validity, solve
from repaudit.simulate.policies import band_places, load_policy
from repaudit.simulate.scenarios import brighton

RUNS = 40


@functools.lru_cache(maxsize=None)
def scenario(real: str, entry_year: int = 2025, seed: int = 0, preferences: int = 3):
    return brighton(real, entry_year=entry_year, seed=seed, preferences=preferences)


def rule_2025():
    """brighton-2025 with the city share the scenario's cohort is drawn at (the actuals file's 23.1%)."""
    return load_policy("brighton-2025").with_parameters(city_fsm_share=0.231)


@functools.lru_cache(maxsize=None)
def comparison(real: str):
    return compare(scenario(real), rule_2025(), load_policy("baseline"), runs=RUNS, seed=1)


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_scenario_is_built_from_the_files(real):
    game = scenario(str(real))
    assert game.applicants.n == sum(int(r["pref1"]) for r in factsheet_2025(real)) == 2303
    actuals = rows(real / "brighton/catchulator_secondary_admissions_actuals_2425.csv")
    assert sorted(game.schools.urn.tolist()) == sorted(int(r["school_urn"]) for r in actuals)
    targets = [float(r["FSM_target"]) / float(r["pan_2024"]) for r in actuals if float(r["FSM_target"]) > 0]
    assert game.city_fsm_share == pytest.approx(np.median(targets)) == pytest.approx(0.231)
    # the six community schools are the ones the FSM priority applies to
    community = {int(u) for u, c in zip(game.schools.urn, game.schools.community) if c}
    assert community == {114579, 114580, 114581, 114606, 114607, 114608}
    # FSM drawn from calibrated IDACI: the cohort's share is the city share up to binomial noise
    assert abs(game.applicants.fsm.mean() - 0.231) < 3 * np.sqrt(0.231 * 0.769 / game.applicants.n)
    assert len(game.catchments.names) == 6 and (game.catchments.area_of >= 0).mean() > 0.99


def factsheet_2025(real):
    return [r for r in rows(real / "brighton/dennett_bh_school_model_of_factsheet_panel.csv") if r["year"] == "2025"]


def test_places_are_the_pan_or_the_places_really_offered_if_more(real):
    game = scenario(str(real))
    actuals = {int(r["school_urn"]): int(r["pan_2024"])
               for r in rows(real / "brighton/catchulator_secondary_admissions_actuals_2425.csv")}
    offered = {r["name"]: int(r["off_total"]) for r in factsheet_2025(real)}
    for urn, name, pan in zip(game.schools.urn, game.schools.name, game.schools.pan):
        really = next(v for k, v in offered.items() if name.startswith(k))
        assert pan == max(actuals[urn], really), name
    assert dict(zip(game.schools.urn, game.schools.pan))[139409] == 180       # King's: PAN 165, 180 admitted


def test_each_rank_lists_each_school_exactly_as_often_as_the_factsheet(real):
    game = scenario(str(real))
    apps = game.applicants
    lengths = np.diff(apps.offsets)
    factsheet = factsheet_2025(real)
    assert set(np.unique(lengths)) == {1, 2, 3}
    for rank, col in ((1, "pref1"), (2, "pref2"), (3, "pref3")):
        listing = lengths >= rank
        assert listing.sum() == sum(int(r[col]) for r in factsheet), col      # 2303, 2140, 1911 families
        drawn = np.bincount(apps.prefs[apps.offsets[:-1][listing] + rank - 1], minlength=game.schools.n)
        for name, got in zip(game.schools.name, drawn):
            assert got == next(int(r[col]) for r in factsheet if name.startswith(r["name"])), (col, name)


def test_fsm_share_rises_at_the_low_share_schools_where_the_fsm_band_binds(real):
    """The FSM band can change who is admitted only at a community school that fills under the baseline,
    and it raises the FSM share only where FSM applicants outnumber the band's places. Among the full
    schools below the city share (Dorothy Stringer and Varndean) that is Varndean: its band fills in
    every run and its share rises by about 8 points, the only large change in the city; at Stringer
    the band does not fill and the share falls a little as FSM families move up to Varndean. In 2025 the
    real allocation under this rule likewise concentrated the rise at Varndean. Taken together, the
    community schools below the city share take a larger FSM share."""
    game, result = scenario(str(real)), comparison(str(real))
    share = result.school_table("fsm_share").set_index("urn")
    intake = result.school_table("intake").set_index("urn")
    band = result.school_table("band_fsm").set_index("urn")
    cap = result.school_table("cap_fsm").set_index("urn")["policy_mean"]
    pan = dict(zip(game.schools.urn, game.schools.pan))
    full_below = {u for u, c in zip(game.schools.urn, game.schools.community)
                  if c and intake.loc[u, "baseline_lo"] >= pan[u] and share.loc[u, "baseline_mean"] < game.city_fsm_share}
    assert full_below == {114579, 114580}
    binding = [u for u in full_below if band.loc[u, "policy_lo"] == cap[u]]
    assert binding == [114579]
    assert share.loc[114579, "change_lo"] > 0.05                       # up by more than 5 pp in 95% of runs
    assert share["change_mean"].idxmax() == 114579
    assert (share.drop(index=114579)["change_mean"].abs() < 0.04).all()
    assert share.loc[114580, "change_hi"] < 0
    # taken together, the community schools below the city share at baseline take a larger FSM share
    fsm, below = result.school_table("fsm").set_index("urn"), [
        u for u, c in zip(game.schools.urn, game.schools.community) if c and share.loc[u, "baseline_mean"] < game.city_fsm_share]
    assert set(below) == {114579, 114580, 114606}                      # Varndean, Stringer, Blatchington Mill
    pooled = {k: fsm.loc[below, f"{k}_mean"].sum() / intake.loc[below, f"{k}_mean"].sum() for k in ("baseline", "policy")}
    assert pooled["policy"] - pooled["baseline"] > 0.01


def test_the_2025_rule_gives_about_as_many_first_preferences_as_the_real_allocation(real):
    summary = comparison(str(real)).summary.set_index("metric")
    factsheet = factsheet_2025(real)
    really = sum(int(r["off1"]) for r in factsheet) / sum(int(r["pref1"]) for r in factsheet)
    assert really == pytest.approx(1861 / 2303)
    assert abs(summary.loc["first_pref_rate", "policy_mean"] - really) < 0.03


def test_the_fsm_band_cap_does_not_cap_a_schools_fsm_intake(real):
    game, result = scenario(str(real)), comparison(str(real))
    cap = result.school_table("cap_fsm").set_index("urn")["policy_mean"]
    band = result.school_table("band_fsm").set_index("urn")
    fsm = result.school_table("fsm").set_index("urn")
    expected = dict(zip(game.schools.urn, band_places(0.231, game.schools.pan, "nearest") * game.schools.community))
    assert cap.to_dict() == pytest.approx(expected)
    assert (band["policy_hi"] <= cap).all()                            # never more band offers than the cap
    # somewhere the band is full and FSM children still enter under other criteria
    beyond = [u for u in cap.index if band.loc[u, "policy_lo"] == cap[u] > 0 and fsm.loc[u, "policy_lo"] > cap[u]]
    assert beyond
    alloc = solve(game, rule_2025(), seed=3, others=load_policy("baseline"))
    j = int(np.flatnonzero(game.schools.urn == beyond[0])[0])
    crit = alloc.criterion()
    mine = (alloc.school == j) & game.applicants.fsm
    other_routes = set(crit[mine]) - {"fsm+catchment", "fsm"}
    assert other_routes and int(mine.sum()) > cap[beyond[0]]


def test_a_real_run_is_valid_and_stable(real):
    game = scenario(str(real))
    alloc = solve(game, load_policy("brighton-2025"), seed=11, others=load_policy("baseline"))
    assert check_validity(game, alloc) == []
    assert check_stability(game, alloc) == []


def test_2026_limits_fsm_offers_in_the_fsm_and_higher_priorities_to_30_percent(real):
    game = scenario(str(real), entry_year=2026, preferences=4)
    # families who list a 3rd school (as many as the 2026 factsheet's 3rd preferences) also list a 4th
    lengths = np.diff(game.applicants.offsets)
    assert set(np.unique(lengths)) == {1, 2, 4}
    alloc = solve(game, load_policy("brighton-2026"), seed=2, others=load_policy("baseline"))
    assert check_validity(game, alloc) == []
    crit = alloc.criterion()
    higher = np.isin(crit, ["looked_after", "medical_social", "sibling+catchment", "fsm+catchment", "fsm"])
    counted = (alloc.route == OFFER) & higher & game.applicants.fsm
    per_school = np.bincount(alloc.school[counted], minlength=game.schools.n)
    limit = band_places(0.30, game.schools.pan, "nearest")
    assert np.all(per_school[game.schools.community] <= limit[game.schools.community])
    single = alloc.band_counts("single_school", game.schools.n)
    assert np.all(single <= band_places(0.05, game.schools.pan, "nearest"))


def test_same_seed_same_scenario_and_allocation(real):
    a = brighton(str(real), seed=5)
    b = scenario(str(real), seed=5)
    assert np.array_equal(a.applicants.prefs, b.applicants.prefs) and np.array_equal(a.applicants.fsm, b.applicants.fsm)
    pol, base = load_policy("brighton-2025"), load_policy("baseline")
    assert np.array_equal(solve(a, pol, seed=9, others=base).school, solve(b, pol, seed=9, others=base).school)


def test_the_brighton_folder_or_its_parent_both_name_the_files(real, tmp_path):
    from repaudit.errors import InputFileError
    from repaudit.simulate.scenarios import data_root

    assert data_root(real) == real and data_root(real / "brighton") == real
    with pytest.raises(InputFileError, match="expected a folder holding brighton/catchulator_secondary"):
        data_root(tmp_path)
    a, b = brighton(real, seed=3), brighton(real / "brighton", seed=3)
    assert np.array_equal(a.applicants.prefs, b.applicants.prefs) and np.array_equal(a.applicants.fsm, b.applicants.fsm)
