"""Homes of applicants across LA boundaries (repaudit/simulate/homes.py): the destination-choice shares worked by
hand on a two-LSOA, two-school toy, a market's expected homes on a two-LA toy, each school's term for homes outside
its LA (worked by hand, and checked through `reach`, a second computation of the shares), and York's real market."""
import numpy as np
import pandas as pd
import pytest

from repaudit.simulate.homes import HomeModel, home_model, market_homes, outside_terms, pairs_within, reach

# LSOA l0 (in LA X) and l1 (in LA Y), 2 km apart, 100 children each; school A (X, put first 50 times) at l0,
# school B (Y, 150 times) at l1; l2 lies 30 km away, beyond the 20 km radius. exp(-per_km x 2) = 1/4.
PER_KM = np.log(4) / 2
LSOAS = pd.DataFrame({"lsoa": ["l0", "l1", "l2"], "children": [100.0, 100.0, 100.0], "idaci": [0.1, 0.2, 0.3],
                      "easting": [0.0, 2000.0, 30000.0], "northing": [0.0, 0.0, 0.0]})
SCHOOLS = pd.DataFrame({"urn": [1, 2], "easting": [0.0, 2000.0], "northing": [0.0, 0.0], "times_first": [50.0, 150.0]})


def test_a_schools_first_preferences_come_from_the_lsoas_around_it_in_proportion_to_its_pull_there():
    rows, share = reach(LSOAS[["easting", "northing"]], LSOAS["children"], SCHOOLS[["easting", "northing"]],
                        SCHOOLS["times_first"], [0, 1], PER_KM)
    assert rows.tolist() == [0, 1]                  # l2 is beyond the radius of both schools
    # pull of all schools: l0 50 + 150 / 4 = 87.5, l1 50 / 4 + 150 = 162.5. A's children: l0 100 x 1 / 87.5,
    # l1 100 x (1/4) / 162.5, i.e. 2/175 against 1/650: shares 1300/1475 = 52/59 and 7/59
    assert share[0] == pytest.approx([52 / 59, 7 / 59])
    # B's: l0 100 x (1/4) / 87.5 = 2/7, l1 100 / 162.5 = 8/13: shares 26/82 and 56/82
    assert share[1] == pytest.approx([26 / 82, 56 / 82])
    assert share.sum(axis=1) == pytest.approx([1.0, 1.0])
    # families doubling the pull of their own LA's schools (same_la = ln 2): l0 pulls 2 x 50 + 150 / 4 = 137.5,
    # l1 50 / 4 + 2 x 150 = 312.5; A's children 100 x 2 / 137.5 against 100 x (1/4) / 312.5: 200/211 and 11/211
    rows, share = reach(LSOAS[["easting", "northing"]], LSOAS["children"], SCHOOLS[["easting", "northing"]],
                        SCHOOLS["times_first"], [0], PER_KM, same_la=np.log(2), lsoa_la=["X", "Y", "Z"],
                        school_la=["X", "Y"])
    assert share[0] == pytest.approx([200 / 211, 11 / 211])


def test_a_market_draws_its_own_schools_children_across_the_boundary_and_a_border_schools_in_the_la():
    # market of X: its school A (50 first preferences) and Y's school B at the border with X's share of 10
    market = pd.DataFrame({"urn": [1, 2], "easting": [0.0, 2000.0], "northing": [0.0, 0.0],
                           "times_first": [50.0, 10.0], "in_la": [True, False]})
    got = market_homes(LSOAS, ["l0"], SCHOOLS, market, PER_KM).set_index("lsoa")
    # A's 50 spread 52/59 to l0 and 7/59 to l1 (in Y); B's 10 are X's residents, so all in l0
    assert got["children"].to_dict() == pytest.approx({"l0": 50 * 52 / 59 + 10, "l1": 50 * 7 / 59})
    assert got.loc["l1", "idaci"] == 0.2 and got.loc["l1", "easting"] == 2000.0
    # a border school with no pull in the LA's LSOAs (too far) spreads by the LA's children instead
    far = market.assign(easting=[0.0, 60000.0])
    got = market_homes(LSOAS, ["l0"], SCHOOLS, far, PER_KM).set_index("lsoa")
    assert got.loc["l0", "children"] == pytest.approx(50 * 52 / 59 + 10)


def test_york_cohort_lives_where_its_schools_first_preferences_come_from(national_admissions_db):
    from repaudit.simulate.inputs import market_game
    from repaudit.simulate.national import la_market, national_frames
    from repaudit.warehouse import Warehouse

    with Warehouse(national_admissions_db, read_only=True) as wh:
        frames = national_frames(wh, demand_year=2021)
    market = la_market(frames, "York", homes=HomeModel(0.6, 1.0))
    homes = market.homes
    own = set(market.lsoas["lsoa"])
    # every first preference of the market lives somewhere: the expected homes add up to the counts
    assert homes["children"].sum() == pytest.approx(market.schools["times_first"].sum())
    outside = homes.loc[~homes["lsoa"].isin(own), "children"].sum() / homes["children"].sum()
    assert 0.005 < outside < 0.2
    game = market_game(market, seed=0, preferences=market.preferences)
    lives_out = ~pd.Series(game.applicants.lsoa).isin(own).to_numpy()
    # a multinomial draw of the cohort: the share living outside York within 4 standard errors of the expected
    n = game.applicants.n
    assert abs(lives_out.mean() - outside) < 4 * np.sqrt(outside * (1 - outside) / n)
    # the cohort's size and first preferences do not depend on where homes are drawn
    inside = market_game(la_market(frames, "York"), seed=0, preferences=market.preferences)
    assert inside.applicants.n == n
    assert not (~pd.Series(inside.applicants.lsoa).isin(own)).any()
    again = market_game(la_market(frames, "York", homes=HomeModel(0.6, 1.0)), seed=0, preferences=market.preferences)
    assert (again.applicants.lsoa == game.applicants.lsoa).all()
    assert any("children expected to live outside York" in note for note in market.notes)


def test_homes_across_is_refused_without_a_synthetic_la(runner, tmp_path):
    from repaudit.cli import cli

    apps = tmp_path / "apps.csv"
    apps.write_text("applicant_id,easting,northing,fsm,prefs\n", encoding="utf-8")
    result = runner.invoke(cli, ["simulate", "--policy", "baseline", "--applications", str(apps), "--homes", "across",
                                 "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "--homes across applies to a synthetic LA cohort (--synthetic --la NAME)" in result.output
    assert not (tmp_path / "o").exists()
    result = runner.invoke(cli, ["simulate", "--policy", "baseline", "--synthetic", "--la", "York", "--homes", "near"])
    assert result.exit_code == 2 and "'near' is not one of 'across', 'la'" in result.output
    from repaudit.errors import RepauditError
    from repaudit.simulate.homes import home_model

    assert home_model("la") is None and home_model("across") == HomeModel(0.6, 1.0)
    with pytest.raises(RepauditError, match="--homes must be one of across, la, got 'near'"):
        home_model("near")


def test_homes_are_drawn_across_la_boundaries_unless_la_is_asked_for():
    assert home_model(None) == HomeModel() == home_model("across")
    assert home_model("la") is None


def test_pairs_within_finds_every_pair_a_full_comparison_finds():
    rng = np.random.default_rng(4)
    points, targets = rng.uniform(0, 50_000, (300, 2)), rng.uniform(0, 50_000, (40, 2))
    p, t, d = pairs_within(points, targets, 7_000.0)
    full = np.hypot(points[:, None, 0] - targets[None, :, 0], points[:, None, 1] - targets[None, :, 1])
    want = np.argwhere(full <= 7_000.0)                  # rows in point, then target order
    order = np.lexsort([t, p])
    assert np.array_equal(np.column_stack([p, t])[order], want)
    assert d[order] == pytest.approx(full[want[:, 0], want[:, 1]])
    assert (np.diff(t) >= 0).all()                       # grouped by target
    assert all(np.array_equal(a, b) for a, b in zip((p, t, d), pairs_within(points, targets, 7_000.0)))


def test_outside_term_worked_by_hand_on_two_mirrored_las():
    # LSOA a (LA X) and b (LA Y), 100 children each, at one point with a school of each LA, both put first 100
    # times, no distance decay, no own-LA term. With term t for both schools, a's children put X's school first
    # with weight 1 and Y's with e^t, so X's school gets 100/(1+e^t) from a and 100 e^t/(1+e^t) from b: its share
    # from outside is e^t/(1+e^t). A published share of 0.2 makes t = logit(0.2) = -ln 4.
    at = np.zeros((2, 2))
    terms, worst, mean = outside_terms(at, ["X", "Y"], [100.0, 100.0], at, ["X", "Y"], [100.0, 100.0],
                                       [0.2, 0.2], per_km=0.0, tol=1e-9)
    assert terms == pytest.approx([-np.log(4), -np.log(4)], abs=1e-6)
    assert worst < 1e-6
    # a school with no published share keeps the term 0
    terms, _, _ = outside_terms(at, ["X", "Y"], [100.0, 100.0], at, ["X", "Y"], [100.0, 100.0],
                                [0.2, np.nan], per_km=0.0, tol=1e-9)
    assert terms[1] == 0.0 and terms[0] < 0


def outside_shares(lsoas, lsoa_la, children, schools, school_la, firsts, per_km, same_la, terms):
    """Per school the share of its first preferences living outside its LA, computed by `reach` (the market's own
    computation of the shares, not the fit's)."""
    rows, share = reach(lsoas, children, schools, firsts, np.arange(len(schools)), per_km, same_la=same_la,
                        lsoa_la=lsoa_la, school_la=school_la, outside=terms)
    away = np.asarray(lsoa_la, object)[rows][None, :] != np.asarray(school_la, object)[:, None]
    return (share * away).sum(axis=1)


def test_fitted_outside_terms_give_each_school_its_published_share_of_homes_in_other_las():
    rng = np.random.default_rng(11)
    lsoas = rng.uniform(0, 30_000, (400, 2))
    lsoa_la = np.where(lsoas[:, 0] < 10_000, "A", np.where(lsoas[:, 0] < 20_000, "B", "C"))
    children = rng.integers(20, 120, 400).astype(float)
    schools = rng.uniform(2_000, 28_000, (12, 2))
    school_la = np.where(schools[:, 0] < 10_000, "A", np.where(schools[:, 0] < 20_000, "B", "C"))
    firsts = rng.integers(50, 250, 12).astype(float)
    published = rng.uniform(0.05, 0.4, 12)
    terms, worst, _ = outside_terms(lsoas, lsoa_la, children, schools, school_la, firsts, published, 0.6,
                                    same_la=1.0, iterations=2000, tol=1e-7)
    assert worst < 1e-5
    args = (lsoas, lsoa_la, children, schools, school_la, firsts, 0.6, 1.0)
    assert outside_shares(*args, terms) == pytest.approx(published, abs=1e-4)
    # the check can fail: without the terms the shares are distance's alone, and not the published ones
    assert np.abs(outside_shares(*args, None) - published).max() > 0.05


def test_york_schools_draw_their_published_share_of_first_preferences_from_other_las(national_admissions_db):
    from repaudit.simulate.national import la_market, national_frames, school_home_terms
    from repaudit.warehouse import Warehouse

    with Warehouse(national_admissions_db, read_only=True) as wh:
        frames = national_frames(wh, demand_year=2021)
    terms = school_home_terms(frames, HomeModel())
    assert frames.home_terms[HomeModel()] is terms            # fitted once per frames, then kept
    assert school_home_terms(frames, HomeModel(outside=False)) is None
    comp = frames.schools.merge(frames.demand, on="urn")
    comp = comp[comp["times_first"] > 0].reset_index(drop=True)
    lsoa_la = frames.lsoas["lad_code"].map(frames.las.drop_duplicates("lad_code").set_index("lad_code")["la_code"])
    york = np.flatnonzero(comp["la_name"].eq("York").to_numpy())
    rows, share = reach(frames.lsoas[["easting", "northing"]], frames.lsoas["children"], comp[["easting", "northing"]],
                        comp["times_first"], york, 0.6, same_la=1.0, lsoa_la=lsoa_la, school_la=comp["la_code"],
                        outside=comp["urn"].map(terms).to_numpy(float))
    away = (lsoa_la.to_numpy(object)[rows][None, :] != comp["la_code"].to_numpy(object)[york][:, None])
    published = (comp["from_another_la"] / comp["times_any"]).to_numpy(float)[york]
    assert len(york) >= 8
    assert (share * away).sum(axis=1) == pytest.approx(published, abs=0.02)
    market = la_market(frames, "York", homes=HomeModel())
    assert any("each school's share of applications from other LAs as published" in n for n in market.notes)
