"""Synthetic cohorts built from the real school-level applications and offers: the cohort, its first
preferences, how many schools families list and who may list a grammar school follow the published counts."""
import numpy as np
import pandas as pd
import pytest

from repaudit.simulate.inputs import market_game
from repaudit.simulate.national import la_market, national_frames
from repaudit.warehouse import Warehouse

YEAR = 2022


@pytest.fixture(scope="module")
def frames(national_admissions_db):
    with Warehouse(national_admissions_db, read_only=True) as wh:
        published = wh.df("""SELECT urn, la_code, times_first, times_any, preferences FROM school_admissions
                             WHERE phase = 'Secondary' AND year = ? ORDER BY urn""", [YEAR])
        return national_frames(wh), published.set_index("urn")


def first_choices(game) -> np.ndarray:
    apps = game.applicants
    return np.bincount(apps.prefs[apps.offsets[:-1][np.diff(apps.offsets) > 0]], minlength=game.schools.n)


def test_york_cohort_puts_each_school_first_as_often_as_published_and_lists_as_many_schools(frames):
    frames, published = frames
    market = la_market(frames, "York")
    assert market.demand_year == YEAR and market.preferences == 5
    own = market.schools["in_la"].to_numpy()
    game = market_game(market, seed=0, preferences=5)
    # everyone who put a school of the market first, border schools at the LA's share of their count
    assert game.applicants.n == round(market.schools["times_first"].sum())
    mine = published.reindex(game.schools.urn[own])
    have = mine["times_first"].notna().to_numpy()          # a school new since YEAR has no row (the LA's median)
    assert (mine.loc[have, "la_code"] == "816").all() and have.sum() >= own.sum() - 1
    # whole-number rounding of the border shares moves a school's count by at most one
    assert np.abs(first_choices(game)[own][have] - mine.loc[have, "times_first"].to_numpy()).max() <= 1
    # York's own schools were put at any rank as often as published; the cohort lists as many schools in all
    assert market.schools.loc[own, "times_any"].to_numpy()[have].sum() == mine.loc[have, "times_any"].sum()
    listings = np.diff(game.applicants.offsets).sum()
    assert listings == pytest.approx(market.schools["times_any"].sum(), rel=0.01)


def test_trafford_grammar_schools_are_listed_by_as_many_children_as_put_one_first_and_only_by_them(frames):
    frames, published = frames
    market = la_market(frames, "Trafford")
    sel = market.schools["selective"].to_numpy()
    assert sel[market.schools["in_la"].to_numpy()].sum() >= 4
    game = market_game(market, seed=0, preferences=market.preferences)
    apps = game.applicants
    wanted = max(market.schools.loc[sel, "pan"].sum(), market.schools.loc[sel, "times_first"].sum())
    assert wanted > market.schools.loc[sel, "pan"].sum()            # more put a grammar first than it has places
    assert apps.qualified.mean() == pytest.approx(wanted / apps.n, abs=0.02)
    listed = np.zeros(apps.n, dtype=bool)
    listed[np.repeat(np.arange(apps.n), np.diff(apps.offsets))[sel[apps.prefs]]] = True
    assert not (listed & ~apps.qualified).any()
    # who passes is a random draw (about +-40 children here) and a boys' grammar cannot take qualified girls:
    # the grammar first preferences come within 5% of the published count, not exactly
    assert first_choices(game)[sel].sum() == pytest.approx(market.schools.loc[sel, "times_first"].sum(), rel=0.05)


def test_facts_published_sets_york_offers_of_the_demand_year_beside_the_baseline(national_admissions_db, tmp_path):
    from repaudit.simulate.run import simulate

    with Warehouse(national_admissions_db, read_only=True) as wh:
        want = wh.df("""SELECT sum(first_pref_offers) / sum(times_first) AS r FROM school_admissions
                        WHERE phase = 'Secondary' AND year = ? AND la_code = '816' AND times_first > 0""", [YEAR])
    result = simulate("fsm-quota", synthetic_la="York", db=national_admissions_db, runs=4, facts="published")
    table = result.comparison.reality.set_index("school")
    assert table.loc["all", "reality"] == pytest.approx(want["r"].iloc[0])
    summary = result.comparison.summary.set_index("metric")
    assert table.loc["all", "model"] == summary.loc["first_pref_rate", "baseline_mean"]
    assert (table["source"].str.contains(f"entry {YEAR}")).all() and len(table) >= 8


def _demand_bench():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "bench" / "simulate_demand_bench.py"
    spec = importlib.util.spec_from_file_location("simulate_demand_bench", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# bench/simulate_demand_bench.py (entry 2021, seed 0, own-criteria shares fitted on entry 2020): the share of
# children who put one of the LA's schools first offered it, model and published (school-level file, 2021)
RECORDED_2021 = {"Camden": (0.7396449704142012, 0.7132450331125828), "Kent": (0.7075207468879668, 0.6731233622771412),
                 "York": (0.9385162601626016, 0.9273373983739838)}


def test_the_demand_benchmark_gives_the_recorded_first_preference_rates_and_own_criteria_lower_them(
        national_admissions_db):
    bench = _demand_bench()
    with Warehouse(national_admissions_db, read_only=True) as wh:
        frames = national_frames(wh, demand_year=2021)
        _, published = bench.school_level(wh, 2021)
    la, schools = bench.simulate_las(frames, list(RECORDED_2021))
    got = la.set_index("la_name")
    for name, (model, real) in RECORDED_2021.items():
        assert got.loc[name, "model_own_schools"] == pytest.approx(model, abs=1e-12), name
        assert published[got.loc[name, "la_code"]] == pytest.approx(real, abs=1e-12), name
    # every home is drawn in the market's own LSOAs, so the children living in an LA who put one of its schools
    # first, summed over every market simulated, are the market's own: the same rate as over the LA's schools
    assert (got["away"] == 0).all()
    assert np.abs(got["model_homes"] - got["model_own_schools"]).max() < 1e-12
    # offered a school of another LA, of those who put one of the LA's schools first (published for all residents:
    # Camden 25.4%, Kent 2.3%, York 2.5%): with homes in the LA, only as a lower preference at a border school, and
    # no border school is within 3 km of York's LSOAs
    assert got.loc["Camden", "model_elsewhere"] == pytest.approx(0.072321, abs=1e-6)
    assert got.loc["Kent", "model_elsewhere"] == pytest.approx(0.004979, abs=1e-6)
    assert got.loc["York", "model_elsewhere"] == 0.0
    # Kent without the schools' own criteria: more first preferences offered, further from the published 67.3%
    off, _ = bench.simulate_las(frames, ["Kent"], own_share=0.0)
    assert off["model_own_schools"].iloc[0] > RECORDED_2021["Kent"][0] + 0.005
    # every school of the three LAs has a kind and the per-school table covers them
    assert set(schools["kind"]) <= {"selective", "faith", "own_admissions", "la_admissions"}


def test_children_are_counted_where_they_live_summed_over_every_market():
    """Two markets by hand: A (schools a0, a1 of A and b0 of B at the border) and B (b0, and a0 at the border).
    Homes L1, L2 are in A, L3 in B; X9 is in no LA. A child counts in the market of the school it put first,
    so a first preference for a border school is left to that school's own market."""
    from types import SimpleNamespace

    bench = _demand_bench()
    la_of = pd.Series({"L1": "A", "L2": "A", "L3": "B"})

    def apps(prefs, lsoa):
        return SimpleNamespace(offsets=np.cumsum([0] + [len(p) for p in prefs]),
                               prefs=np.array([s for p in prefs for s in p], dtype=np.int64),
                               lsoa=np.array(lsoa, dtype=object))
    # market A: c1 first at a0; c2 and c3 put b0 first (left to B's market); c4 listed nothing (left out);
    # c5 lives in B, unplaced; c6's LSOA is in no LA; c7 put a0 first and was offered b0 second
    a = bench.home_counts(apps([[0, 1], [2, 0], [2], [], [1], [1], [0, 2]], ["L1", "L1", "L2", "L2", "L3", "X9", "L1"]),
                          [1, 2, 1, 0, 0, 1, 2], [0, 0, 2, -1, -1, 1, 2], ["A", "A", "B"], la_of, "A")
    # market B: d1 at home in B first at b0; d2 put a0 first (left to A's market); d3 lives in A and got b0 first
    b = bench.home_counts(apps([[0], [1, 0], [0]], ["L3", "L1", "L1"]), [1, 1, 1], [0, 1, 0], ["B", "A"], la_of, "B")
    got = bench.by_home([a, b])
    counts = ["children", "first", "offered_elsewhere", "away"]
    assert got.loc["A", counts].tolist() == [3, 2, 2, 1]          # c1, c7, d3
    assert got.loc["B", counts].tolist() == [2, 1, 0, 1]          # c5, d1
    assert got.loc["unknown", counts].tolist() == [1, 1, 1, 1]    # c6
    assert got.loc["A", ["model_homes", "model_elsewhere"]].tolist() == pytest.approx([2 / 3, 2 / 3])
    assert got.loc["B", "model_homes"] == 0.5 and got.loc["B", "model_elsewhere"] == 0.0
    # every child who listed a school and put one of its market's own schools first counts exactly once
    assert got["children"].sum() == 6
