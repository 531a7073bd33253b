"""Admission-number what-ifs (--pan) and "what would it take": hand-worked toy LAs and Brighton and Hove."""
import numpy as np
import pytest

from repaudit.errors import RepauditError
from repaudit.simulate.policies import load_policy
from repaudit.simulate.run import simulate, simulate_what_would_it_take
from repaudit.simulate.whatif import parse_pans, reserve_policy, what_would_it_take, with_pans
from simulate_support import policy, tiny_game

BASELINE = policy(["looked_after", "sibling", "catchment", "everyone"], tie_break="distance")


def two_schools():
    """A (PAN 4) at x = 0 and B (PAN 4) at x = 20 km. n1..n4 (not FSM) live 1-4 km from A, f1 and f2 (FSM)
    5 and 6 km away; all six list A then B. g1 (FSM) lists B only. By distance A admits n1..n4 (FSM 0%) and
    B admits f1, f2 and g1 (FSM 100%). A reserve of r at A gives floor(4r) places to FSM children first:
    two places (A at 50% FSM) need r >= 50%; at 49% it is one place (25%). f1 and f2 then leave B, which
    takes n3 and n4 instead: B loses 2 FSM pupils."""
    kids = [{"id": f"n{i}", "prefs": [0, 1], "xy": (1000.0 * i, 10)} for i in range(1, 5)]
    kids += [{"id": "f1", "prefs": [0, 1], "fsm": True, "xy": (5000, 10)},
             {"id": "f2", "prefs": [0, 1], "fsm": True, "xy": (6000, 10)},
             {"id": "g1", "prefs": [1], "fsm": True, "xy": (20000, 10)}]
    return tiny_game([4, 4], kids, school_xy=[(0, 0), (20000, 0)])


def run(game, urns, community):
    return what_would_it_take([game], BASELINE, urns, [[0, 1, 2]], community).set_index("urn")


def test_the_smallest_reserve_is_the_hand_worked_one_and_the_neighbour_loses_two():
    row = run(two_schools(), [100001], {100001: 0.5}).loc[100001]
    assert row["status"] == "reserve" and row["reserve_pct"] == 50
    assert row["fsm_now_mean"] == 0 and row["fsm_with_reserve_mean"] == 0.5
    assert row["neighbour"] == "School B" and row["neighbour_fsm_lost_mean"] == 2
    assert row["sentence"].startswith("School A (oversubscribed: 1.50 first preferences per place, model): a "
                                      "reserve of 50% of places would bring its FSM intake from 0.0% to its "
                                      "community's 50.0%")
    assert "School B would lose 2 FSM pupils, the same in every run" in row["sentence"]


def test_a_quarter_needs_25_percent_and_a_target_above_the_fsm_applicants_has_no_reserve():
    assert run(two_schools(), [100001], {100001: 0.25}).loc[100001, "reserve_pct"] == 25
    row = run(two_schools(), [100001], {100001: 0.8}).loc[100001]       # 3.2 FSM pupils needed, 2 apply
    assert row["status"] == "none suffices" and row["fsm_applicants"] == 2
    assert row["fsm_at_max_mean"] == 0.5                                 # 100% reserve: f1, f2 and two others
    assert "no reserve would bring its FSM intake from 0.0% to its community's 80.0%" in row["sentence"]
    assert "too few FSM children would take a place there (2 who may be admitted list it" in row["sentence"]


def test_a_school_already_at_its_communitys_share_needs_no_reserve():
    row = run(two_schools(), [100002], {100002: 0.2}).loc[100002]
    assert row["status"] == "already" and np.isnan(row["reserve_pct"])
    assert "no reserve is needed" in row["sentence"] and "not oversubscribed" in row["sentence"]


def test_a_reserve_replaces_the_share_of_an_existing_fsm_band_and_its_limit_with_higher_priorities():
    b26 = load_policy("brighton-2026")
    band = {b.name: b for b in reserve_policy(b26, 0.4).bands}
    assert band["fsm"].share == 0.4 and band["fsm"].cap_with_higher == 0.4 and band["single_school"].share == 0.05
    assert reserve_policy(b26, 0.1).bands[0].cap_with_higher == 0.3
    added = reserve_policy(BASELINE, 0.2)
    assert added.criteria == ("looked_after", "fsm", "sibling", "catchment", "everyone")
    assert added.bands[0].share == 0.2


@pytest.mark.parametrize("items, message", [
    (["114606"], "is not URN=N"), (["114606=abc"], "two whole numbers"), (["114606=2001"], "from 0 to 2,000"),
    (["114606=-1"], "from 0 to 2,000"), (["114606=300", "114606=310"], "two admission numbers")])
def test_bad_pan_values_are_errors_naming_them(items, message):
    with pytest.raises(RepauditError, match=message):
        parse_pans(items)


def test_a_smaller_admission_number_moves_its_pupils_to_the_neighbour_by_hand():
    # with A's PAN 2, n3, n4, f1 and f2 go to B with g1: five for 4 places; by distance from B (20 km) g1, f2,
    # f1 and n4 are admitted and n3 is left with no room anywhere: A's intake 4 -> 2, B's 3 -> 4
    game = two_schools()
    sim_game = with_pans(game, {100001: 2})
    assert sim_game.schools.pan.tolist() == [2, 4] and game.schools.pan.tolist() == [4, 4]
    from repaudit.simulate.whatif import pan_table, pan_whatif
    table = pan_table(pan_whatif([(game, game)], BASELINE, {100001: 2}, runs=2, seed=0), {100001: 2}, game)
    intake = table[table["metric"] == "intake"].set_index("urn")
    assert intake["now_mean"].tolist() == [4, 3] and intake["set_mean"].tolist() == [2, 4]
    assert intake["pan_set"].tolist() == [2, 4] and intake["pan_now"].tolist() == [4, 4]
    d = table[table["metric"] == "D"].iloc[0]
    # now: A 0 FSM / 4 others, B 3 / 0 -> D = 1; then A 0/2, B 3/1 -> D = 1/2 |0 - 2/3| + 1/2 |1 - 1/3| = 2/3
    assert (d["now_mean"], d["set_mean"]) == pytest.approx((1.0, 2 / 3))


def test_pan_on_brighton_names_an_unknown_urn_and_reports_the_school_neighbours_and_d(real, tmp_path):
    unknown = r"no school with URN 114660 in this simulation; did you mean .*114606 \(Blatchington Mill School\)"
    with pytest.raises(RepauditError, match=unknown):
        simulate("brighton-2026", brighton_dir=real, entry_year=2026, runs=2, pans={114660: 300})
    sim = simulate("brighton-2026", brighton_dir=real, entry_year=2026, runs=10, seed=0, pans={114606: 250},
                   out_dir=tmp_path)
    table = sim.comparison.pan_whatif
    bms = table[(table["urn"] == 114606) & (table["metric"] == "intake")].iloc[0]
    assert bms["pan_now"] == 330 and bms["pan_set"] == 250 and bms["set_mean"] <= 250 < bms["now_mean"]
    intake = table[table["metric"] == "intake"]
    assert intake["set_mean"].sum() == pytest.approx(intake["now_mean"].sum())   # same children, all placed
    assert (tmp_path / "pan_whatif.csv").is_file()


def test_what_would_it_take_for_every_brighton_school(real, tmp_path):
    table, text, written = simulate_what_would_it_take("brighton-2026", "all", brighton_dir=real, entry_year=2026,
                                                       runs=8, seed=0, out_dir=tmp_path)
    assert len(table) == 10 and set(table["status"]) <= {"already", "reserve", "none suffices"}
    for r in table.to_dict("records"):
        if r["status"] == "reserve":                # the search found a level at which the mean reaches it
            assert r["fsm_with_reserve_mean"] >= r["community_fsm"] > r["fsm_now_mean"]
        elif r["status"] == "already":
            assert r["fsm_now_mean"] >= r["community_fsm"]
    assert text.count("\n") > 12 and (tmp_path / "what_would_it_take.csv").is_file()


def test_the_cli_refuses_a_bad_pan_and_answers_for_one_school_by_name(runner, real, tmp_path):
    from repaudit.cli import cli
    args = ["simulate", "--policy", "brighton-2026", "--brighton", str(real), "--entry-year", "2026", "--runs", "4"]
    bad = runner.invoke(cli, args + ["--pan", "114606=2500", "--out", str(tmp_path / "bad")])
    assert bad.exit_code != 0 and "Error: --pan 114606=2500: an admission number must be from 0 to 2,000" in bad.output
    assert not (tmp_path / "bad").exists()
    ok = runner.invoke(cli, args + ["--what-would-it-take", "varndean", "--out", str(tmp_path / "w")])
    assert ok.exit_code == 0, ok.output
    assert "\nVarndean School (" in ok.output and "what_would_it_take.csv" in ok.output


def test_community_shares_come_from_an_audit_of_the_warehouse_on_the_cohorts_scale(national_db, real):
    from repaudit.auditing import models
    from repaudit.auditing.run import audit
    from repaudit.simulate import scenarios
    from repaudit.warehouse import Warehouse
    table, text, _ = simulate_what_would_it_take("brighton-2026", "Varndean", brighton_dir=real, entry_year=2026,
                                                 runs=4, db=national_db)
    row = table.iloc[0]
    assert row["urn"] == 114579 and row["community_source"] == "audit"
    with Warehouse(national_db, read_only=True) as wh:
        rows = audit(wh, indicators=("fsm",), community=models.DEFAULT, la="Brighton and Hove",
                     phase="secondary").schools
    rows = rows[(rows["indicator"] == "fsm") & (rows["status"] == "audited")]
    la_mean = (rows["community_rate"] * rows["pupils"]).sum() / rows["pupils"].sum()
    cohort = scenarios.brighton(real, entry_year=2026, seed=0, preferences=4, city_share=0.28).applicants.fsm.mean()
    varndean = rows.loc[rows["urn"] == 114579, "community_rate"].iloc[0]
    assert row["community_fsm"] == pytest.approx(varndean * cohort / la_mean)
    assert 0.15 < varndean < 0.25 and 0.25 < row["community_fsm"] < 0.35       # census scale -> the cohort's 28%
    assert "scaled so that the LA's pupil-weighted community share equals the cohort's FSM share" in text


def test_pan_and_criteria_outputs_are_byte_identical_run_after_run_and_never_print_a_zero_width_range(real, tmp_path):
    from repaudit.simulate.outputs import summary_text
    texts = []
    for k in (1, 2):
        sim = simulate("brighton-2026", brighton_dir=real, entry_year=2026, runs=4, seed=5,
                       pans={114580: 300}, out_dir=tmp_path / str(k))
        texts.append(summary_text(sim.comparison))
    for name in ("pan_whatif.csv", "criteria.csv"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()
    assert texts[0] == texts[1]
    # Dorothy Stringer is full: 330 -> 300 places takes exactly 30 fewer pupils in every run
    assert "intake 330.0 -> 300.0 (-30.0, the same in every run)" in texts[0]
    assert "95% -30.0 to -30.0" not in texts[0]


def test_a_school_nobody_can_reach_has_no_reserve_and_says_it_is_not_full():
    game = two_schools()
    game.schools.pan[1] = 10                    # B has room for all: C (PAN 3) below gets nobody
    three = tiny_game([4, 10, 3], [{"id": str(a), "prefs": list(game.applicants.preferences(a)), "fsm": bool(f),
                                    "xy": tuple(xy)} for a, (f, xy) in enumerate(zip(game.applicants.fsm,
                                                                                      game.applicants.xy))],
                      school_xy=[(0, 0), (20000, 0), (40000, 0)])
    row = run(three, [100003], {100003: 0.3}).loc[100003]
    assert row["status"] == "none suffices" and np.isnan(row["fsm_now_mean"])
    assert "it is not full (about 0 pupils for 3 places)" in row["sentence"] and "nan" not in row["sentence"]
    assert "from n/a (no pupils) to its community's 30.0%" in row["sentence"]
