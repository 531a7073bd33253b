"""Synthetic cohorts: IDACI -> FSM calibration, choice-model calibration, homes, the warehouse route."""
import numpy as np
import pandas as pd
import pytest

from repaudit.simulate.choice import ChoiceModel, _row_best, calibrate, clearing_shift, whole_counts
from repaudit.simulate.inputs import synthetic_from_warehouse
from repaudit.simulate.schools import read_first_preferences
from repaudit.simulate.synthetic import (Neighbourhoods, continued_shares, draw_homes, fsm_rates,
                                         synthetic_applications)
from repaudit.warehouse import LoadResult, TableRows, Warehouse


def test_fsm_rates_hit_the_city_share_and_stay_proportional_to_idaci():
    idaci = np.array([0.05, 0.10, 0.30, 0.60])
    children = np.array([100, 50, 30, 20])
    rates, slope = fsm_rates(idaci, children, 0.25, ceiling=0.95)
    assert np.average(rates, weights=children) == pytest.approx(0.25, abs=1e-9)
    # hand check: without the ceiling slope * (5 + 5 + 9 + 12) / 200 = 0.25 -> slope = 50/31 = 1.6129;
    # 1.6129 * 0.6 = 0.968 > 0.95, so the ceiling binds on the last LSOA and the slope is a little higher:
    # slope * (5 + 5 + 9) / 200 + 0.95 * 20 / 200 = 0.25 -> slope = (50 - 19) / 19 = 1.6316
    assert slope == pytest.approx(31 / 19, rel=1e-9)
    assert rates.tolist() == pytest.approx([0.05 * 31 / 19, 0.10 * 31 / 19, 0.30 * 31 / 19, 0.95])


def test_choice_calibration_reproduces_first_preferences_per_group():
    rng = np.random.default_rng(0)
    homes = rng.random((400, 2)) * 8000
    schools = np.array([[1000, 1000], [7000, 1000], [4000, 7000]], float)
    catch = np.zeros((400, 3), bool)
    group = (rng.random(400) < 0.3).astype(int)
    target = np.array([[150, 80, 50], [20, 70, 30]], float)      # not FSM, FSM
    model, report = calibrate(ChoiceModel(np.zeros(3)), homes, schools, catch, target, group)
    for g in (0, 1):
        expected = model.first_choice_probabilities(homes[group == g], schools, catch[group == g], group[group == g])
        want = target[g] * (group == g).sum() / target[g].sum()
        assert expected.sum(axis=0) == pytest.approx(want, abs=0.05)
    assert report["max_error_pupils"] < 0.05


def test_a_school_no_family_may_list_keeps_its_popularity_while_the_others_are_fitted():
    # school 2 is barred to every family (say a grammar school in a cohort where nobody qualifies): its
    # expected count is 0 whatever its popularity, so raising it round after round (it rose 6.9 a round, to
    # 290 here, and in longer fits far enough to leave every other school's exp(popularity) at 0) is refused
    rng = np.random.default_rng(0)
    homes, schools = rng.uniform(0, 5000, (60, 2)), rng.uniform(0, 5000, (3, 2))
    barred = np.zeros((60, 3), bool)
    barred[:, 2] = True
    model, report = calibrate(ChoiceModel(np.zeros(3)), homes, schools, np.zeros((60, 3), bool), [40, 20, 5],
                              barred=barred, tol=0.0)
    assert np.abs(model.popularity).max() < 5
    p = model.first_choice_probabilities(homes, schools, np.zeros((60, 3), bool), barred=barred).sum(axis=0)
    assert p == pytest.approx([40, 20, 0], abs=1e-6)      # the two open schools share all 60 families


def test_choice_calibration_reproduces_second_and_third_preferences():
    rng = np.random.default_rng(3)
    homes = rng.random((500, 2)) * 8000
    schools = np.array([[1000, 1000], [7000, 1000], [4000, 7000], [4000, 4000]], float)
    catch = np.zeros((500, 4), bool)
    firsts, later = np.array([200, 120, 100, 80.0]), np.array([[60, 90, 150, 150], [120, 120, 80, 60.0]])
    model, report = calibrate(ChoiceModel(np.zeros(4)), homes, schools, catch, firsts, later_preferences=later)
    listed = model.listing_probabilities(homes, schools, catch, 3)
    assert listed[0] == pytest.approx(model.first_choice_probabilities(homes, schools, catch))
    for rank, want in zip((2, 3), later):
        assert listed[rank - 1].sum(axis=0) == pytest.approx(want * 500 / want.sum(), abs=0.05)
    assert [f["rank"] for f in report["later_ranks"]] == [2, 3]
    # drawn rankings follow the expected counts (60 draws of each family: 30 000 rankings)
    many = np.repeat(homes, 60, axis=0)
    ranked = model.rank(many, schools, np.zeros((len(many), 4), bool), 3, rng)
    assert all(len(set(r)) == 3 for r in ranked[:500])
    for rank in range(3):
        p = listed[rank]
        drawn = np.bincount(ranked[:, rank], minlength=4) / 60
        assert np.all(np.abs(drawn - p.sum(axis=0)) <= 4 * np.sqrt((p * (1 - p)).sum(axis=0) / 60))


def test_whole_counts_round_by_largest_remainder():
    assert whole_counts([1, 1, 1], 10).tolist() == [4, 3, 3]          # 3.33 each: the first remainder wins
    assert whole_counts([2.6, 2.4, 5.0], 10).tolist() == [3, 2, 5]    # floors 2, 2, 5; remainders .6 > .4
    assert whole_counts([1, 3, 4], 16).tolist() == [2, 6, 8]          # already whole after scaling


@pytest.mark.parametrize("case", range(40))
def test_clearing_shift_makes_each_schools_count_exact(case):
    rng = np.random.default_rng(case)
    n, m = int(rng.integers(5, 400)), int(rng.integers(2, 12))
    draws = rng.normal(size=(n, m)) * rng.uniform(0.1, 3) + rng.gumbel(size=(n, m))
    listed = rng.random((n, m)) < 0.3                                 # schools already listed are out
    listed[np.arange(n), rng.integers(0, m, n)] = False
    draws[listed] = -np.inf
    # quotas that some assignment meets: each family's pick among its open schools, at random
    pick = np.array([rng.choice(np.flatnonzero(~row)) for row in listed])
    quota = np.bincount(pick, minlength=m)
    choice = (draws + clearing_shift(draws, quota)).argmax(axis=1)
    assert np.array_equal(np.bincount(choice, minlength=m), quota)
    assert not listed[np.arange(n), choice].any()


def test_the_fast_row_search_finds_the_same_best_school_as_a_full_search():
    rng = np.random.default_rng(5)
    draws = rng.gumbel(size=(3000, 60)) - rng.random(60) * 3
    draws[rng.random(draws.shape) < 0.2] = -np.inf                  # listed already, or barred
    draws[0] = -np.inf                                              # a row with nothing left: column 0, as argmax
    draws[1, 1:] = -np.inf                                          # a row with one school left: no runner-up
    for best in (_row_best(draws), _row_best(draws, max_references=1)):     # also carried to one reference
        shift = np.zeros(60)
        for step in (0.0, 0.01, 0.3, 2.0, 0.05, 5.0, 0.001, *[0.002] * 20):   # small and large moves, up and down
            shift = shift + step * rng.normal(size=60)
            assert np.array_equal(best(shift), (draws + shift).argmax(axis=1))


def test_clearing_shift_is_zero_when_the_draws_already_meet_the_quotas():
    rng = np.random.default_rng(1)
    draws = rng.gumbel(size=(300, 6))
    quota = np.bincount(draws.argmax(axis=1), minlength=6)
    assert np.array_equal(clearing_shift(draws, quota), np.zeros(6))
    with pytest.raises(ValueError, match="sum to 299"):
        clearing_shift(draws, quota - np.eye(6, dtype=int)[0])


def test_synthetic_cohorts_list_each_school_exactly_as_often_as_the_counts_say():
    rng = np.random.default_rng(2)
    homes = pd.DataFrame({"lsoa": [f"L{i}" for i in range(30)], "easting": rng.random(30) * 9000,
                          "northing": rng.random(30) * 9000, "weight": 1.0})
    neigh = Neighbourhoods(pd.DataFrame({"lsoa": homes["lsoa"], "children": 10.0, "idaci": rng.random(30) * 0.4}),
                           homes)
    schools = np.array([[1000, 1000], [8000, 1000], [4500, 8000], [4500, 4500]], float)
    firsts = np.array([90, 60, 30, 20])                               # 200 families
    later = np.array([[40, 50, 60, 10], [20, 30, 30, 20]])            # 160 list a 2nd school, 100 a 3rd
    frame, _ = synthetic_applications(neigh, [1, 2, 3, 4], schools, 200, 0.2, 3, seed=7,
                                      first_preferences=firsts, later_preferences=later)
    prefs = frame["prefs"].tolist()
    assert sorted(len(p) for p in prefs).count(1) == 40 and sum(len(p) == 3 for p in prefs) == 100
    for rank, want in enumerate([firsts, *later]):
        got = np.bincount([p[rank] - 1 for p in prefs if len(p) > rank], minlength=4)
        assert got.tolist() == want.tolist()


def test_ranks_past_the_counted_ones_fall_off_so_listings_add_up_to_times_put_at_any_rank():
    # 0.5 q + 0.5 q^2 = 0.375 has the root q = 0.5: shares 0.25 and 0.125
    assert continued_shares(0.5, 2, 0.375) == pytest.approx([0.25, 0.125])
    assert continued_shares(0.5, 2, 5.0) == [0.5, 0.5]          # more than everyone listing every rank allows
    assert continued_shares(0.5, 3, -0.1) == [0.0, 0.0, 0.0]     # fewer listings than the counted ranks hold
    rng = np.random.default_rng(3)
    homes = pd.DataFrame({"lsoa": [f"L{i}" for i in range(20)], "easting": rng.random(20) * 9000,
                          "northing": rng.random(20) * 9000, "weight": 1.0})
    neigh = Neighbourhoods(pd.DataFrame({"lsoa": homes["lsoa"], "children": 10.0, "idaci": 0.2}), homes)
    schools = np.array([[1000, 1000], [8000, 1000], [4500, 8000], [4500, 4500], [2000, 7000], [7000, 7000]], float)
    firsts = np.array([60, 50, 40, 30, 10, 10])                           # 200 families
    later = np.array([[30, 30, 20, 20, 10, 10], [20, 20, 10, 10, 10, 10]])  # 120 list a 2nd school, 80 a 3rd
    # put at any rank 200 + 120 + 80 + 60 times: 60 more listings past the 3rd over 6 preferences, so
    # 80 q + 80 q^2 + 80 q^3 = 60, q = 0.4525 (the real root of the cubic): 36.2, 16.4 and 7.4 families,
    # rounded 36, 16 and 7, list a 4th, 5th and 6th school
    frame, _ = synthetic_applications(neigh, [1, 2, 3, 4, 5, 6], schools, 200, 0.2, 6, seed=1,
                                      first_preferences=firsts, later_preferences=later, any_total=460)
    lengths = np.bincount(frame["prefs"].map(len), minlength=7)
    assert lengths[1:].tolist() == [80, 40, 80 - 36, 36 - 16, 16 - 7, 7]
    assert lengths.dot(np.arange(7)) == 200 + 120 + 80 + 36 + 16 + 7


def test_without_rank_terms_the_listing_probabilities_are_the_rank_ordered_logits():
    rng = np.random.default_rng(4)
    homes = rng.random((300, 2)) * 8000
    schools = rng.random((5, 2)) * 8000
    catch = np.zeros((300, 5), bool)
    model = ChoiceModel(np.array([0.5, -0.2, 0.0, 0.3, -0.6]))
    listed = model.listing_probabilities(homes, schools, catch, 3)
    many = np.repeat(homes, 100, axis=0)
    ranked = model.rank(many, schools, np.zeros((len(many), 5), bool), 3, rng)
    for rank in range(3):
        p = listed[rank]
        drawn = np.bincount(ranked[:, rank], minlength=5) / 100
        assert np.all(np.abs(drawn - p.sum(axis=0)) <= 4 * np.sqrt((p * (1 - p)).sum(axis=0) / 100))
        assert p.sum(axis=1) == pytest.approx(1.0)


def test_families_rank_distinct_schools_and_distance_dominates_when_steep():
    rng = np.random.default_rng(1)
    homes = rng.random((200, 2)) * 10000
    schools = rng.random((5, 2)) * 10000
    steep = ChoiceModel(np.zeros(5), per_km=500.0, catchment_bonus=0.0)
    ranked = steep.rank(homes, schools, np.zeros((200, 5), bool), 3, rng)
    assert ranked.shape == (200, 3) and all(len(set(r)) == 3 for r in ranked)
    d = np.hypot(homes[:, None, 0] - schools[None, :, 0], homes[:, None, 1] - schools[None, :, 1])
    assert ranked.tolist() == np.argsort(d, axis=1)[:, :3].tolist()


def neighbourhoods():
    lsoas = pd.DataFrame({"lsoa": ["L1", "L2"], "children": [300.0, 100.0], "idaci": [0.1, 0.4]})
    homes = pd.DataFrame({"lsoa": ["L1", "L1", "L2"], "easting": [1000.0, 1200.0, 5000.0],
                          "northing": [1000.0, 1100.0, 5000.0], "weight": [3.0, 1.0, 0.0]})
    return Neighbourhoods(lsoas, homes)


def test_homes_come_from_the_candidate_points_in_proportion_to_children():
    homes = draw_homes(neighbourhoods(), 4000, np.random.default_rng(2))
    assert len(homes) == 4000
    share_l1 = (homes["lsoa"] == "L1").mean()
    assert abs(share_l1 - 0.75) < 4 * np.sqrt(0.75 * 0.25 / 4000)
    l1 = homes[homes["lsoa"] == "L1"]
    assert set(map(tuple, l1[["easting", "northing"]].to_numpy())) <= {(1000.0, 1000.0), (1200.0, 1100.0)}
    assert abs((l1["easting"] == 1000.0).mean() - 0.75) < 0.05


def test_synthetic_applications_are_reproducible_and_well_formed():
    args = (neighbourhoods(), [101, 102], np.array([[1000.0, 1000.0], [5000.0, 5000.0]]), 300, 0.2, 2)
    a, report = synthetic_applications(*args, seed=4, first_preferences=[200, 100])
    b, _ = synthetic_applications(*args, seed=4, first_preferences=[200, 100])
    c, _ = synthetic_applications(*args, seed=5, first_preferences=[200, 100])
    assert a.drop(columns="prefs").equals(b.drop(columns="prefs")) and a["prefs"].tolist() == b["prefs"].tolist()
    assert not a["fsm"].equals(c["fsm"])
    assert all(sorted(p) == [101, 102] for p in a["prefs"])
    assert a["applicant_id"].is_unique and len(a) == 300
    assert report["city_fsm_share"] == 0.2 and report["choice_iterations"] >= 1


def test_synthetic_cohort_from_the_warehouse(wh, tmp_path):
    schools = pd.DataFrame({
        "urn": [201, 202], "name": ["North", "South"], "la_code": ["999", "999"], "la_name": ["Testshire"] * 2,
        "lad_code": ["E06000999"] * 2, "type": ["Community school", "Academy converter"], "status": ["Open"] * 2,
        "phase": ["Secondary"] * 2, "pupils": [1000, 500], "pct_fsm": [0.10, 0.40], "capacity": [1000, 600],
        "easting": [500000.0, 500000.0], "northing": [200000.0, 190000.0]})
    lsoas = ["E01900001", "E01900002", "E01900003"]
    population = pd.DataFrame({"lsoa": lsoas, "year": 2021, "age_band": "Aged 10 to 14", "age_min": 10, "age_max": 14,
                               "population": [500.0, 400.0, 300.0]})
    deprivation = pd.DataFrame({"lsoa": lsoas, "year": 2019, "measure": "idaci", "score": [0.05, 0.2, 0.5],
                                "la_code": "E06000999"})
    centroids = pd.DataFrame({"lsoa": lsoas, "easting": [500000.0, 500500.0, 500000.0],
                              "northing": [199000.0, 195000.0, 190500.0]})
    for table, frame, key in (("schools", schools, ["urn"]), ("lsoa_population", population, ["lsoa", "year", "age_band"]),
                              ("lsoa_deprivation", deprivation, ["lsoa", "year", "measure"]),
                              ("lsoa_centroids", centroids, ["lsoa"])):
        wh.store(LoadResult("test", f"{table}.csv", "t", len(frame), [TableRows(table, frame, key)]))
    game = synthetic_from_warehouse(wh, "Testshire", seed=1, preferences=2)
    # PAN = capacity / 5 year groups = 200 + 120 = 320; children aged 11 = (500 + 400 + 300) / 5 = 240
    assert game.schools.pan.tolist() == [200, 120]
    assert game.applicants.n == 240
    # city share from GIAS PercentageFSM weighted by pupils: (0.10 * 1000 + 0.40 * 500) / 1500 = 0.2
    assert game.city_fsm_share == pytest.approx(0.2)
    assert game.schools.community.tolist() == [True, False]
    assert game.meta["synthetic"] and game.meta["calibration"]["city_fsm_share"] == pytest.approx(0.2)
    # with 2nd-preference counts too (180 in all): 3 in 4 families list a second school
    path = tmp_path / "prefs.csv"
    path.write_text("urn,pref1,pref2\n201,160,60\n202,80,120\n", encoding="utf-8")
    counts = read_first_preferences(path)
    assert counts.columns.tolist() == ["urn", "count", "pref2"]
    game = synthetic_from_warehouse(wh, "Testshire", seed=1, preferences=2, first_preferences=counts)
    apps = game.applicants
    two = np.diff(apps.offsets) == 2
    assert abs(two.sum() - 180) <= 4 * np.sqrt(240 * 0.75 * 0.25)
    assert game.meta["calibration"]["choice_later_ranks"][0]["max_error_pupils"] < 0.05


def test_later_cohorts_reuse_the_market_and_equal_a_cohort_from_a_fresh_read(sample_db):
    """The cohorts of one run read the LA's market once; a cohort built from the kept market is the cohort a fresh
    read of the warehouse gives, applicant by applicant."""
    from dataclasses import fields

    from repaudit.simulate import run
    policy = run.policy_with("fsm-quota")
    run._MARKETS.clear()
    run.build_game(policy, synthetic_la="990", db=sample_db, seed=0)
    kept = next(iter(run._MARKETS.values()))
    again = run.build_game(policy, synthetic_la="990", db=sample_db, seed=1)
    assert next(iter(run._MARKETS.values())) is kept            # read once
    run._MARKETS.clear()
    fresh = run.build_game(policy, synthetic_la="990", db=sample_db, seed=1)
    assert next(iter(run._MARKETS.values())) is not kept
    for part in ("applicants", "schools"):
        for f in fields(getattr(again, part)):
            a, b = getattr(getattr(again, part), f.name), getattr(getattr(fresh, part), f.name)
            assert (a is None and b is None) or np.array_equal(np.asarray(a), np.asarray(b)), (part, f.name)


def test_only_catchment_layers_naming_the_simulated_schools_count(tmp_path):
    """Two layers for schools 1 and 2 (another city's): a run of schools 3 and 4 uses none and asks nothing;
    a run of school 1, or one without URNs, must choose; a chosen layer is read."""
    import shapely

    from repaudit.errors import WarehouseError
    from repaudit.simulate import catchments as catchment_areas
    boxes = [shapely.to_wkb(shapely.box(x, 0, x + 1000, 1000)) for x in (0, 1000, 0)]
    frame = pd.DataFrame({"layer": ["a", "a", "b"], "catchment_id": ["1", "2", "1"], "name": ["One", "Two", "One"],
                          "urn": [1, 2, 1], "geom": boxes})
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.store(LoadResult("catchments", "c.geojson", "t", 3,
                            [TableRows("catchments", frame, ["layer", "catchment_id"], geometry_columns=("geom",))]))
    with Warehouse(tmp_path / "w.duckdb", read_only=True) as wh:
        assert catchment_areas.from_warehouse(wh, urns=[3, 4]) is None
        for urns in ([1, 3], None):
            with pytest.raises(WarehouseError, match="holds catchment layers a, b; choose one with --catchments"):
                catchment_areas.from_warehouse(wh, urns=urns)
        areas = catchment_areas.from_warehouse(wh, "a", urns=[3])
        assert sorted(areas["name"]) == ["One", "Two"] and sorted(map(tuple, areas["urns"])) == [(1,), (2,)]
