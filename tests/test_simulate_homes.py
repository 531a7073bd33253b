"""Homes of applicants across LA boundaries (repaudit/simulate/homes.py): the destination-choice shares worked by
hand on a two-LSOA, two-school toy, a market's expected homes on a two-LA toy, and York's real market."""
import numpy as np
import pandas as pd
import pytest

from repaudit.simulate.homes import HomeModel, home_model, market_homes, reach

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
