"""Faithful rules: applies_to for policy and baseline, preference limits, band rounding, the city FSM share
as a parameter, Brighton's default baseline, contradictory policies, and no 'nan' in any output.

Every expected value is worked out by hand in the comment above it."""
import csv
import json

import numpy as np
import pytest

from repaudit.cli import cli
from repaudit.errors import InputFileError
from repaudit.simulate.compare import compare
from repaudit.simulate.game import check_stability, check_validity, solve
from repaudit.simulate.policies import band_places, load_policy
from simulate_support import offers, policy, tiny_game

FSM_FIRST = {"fsm": {"criteria": ["fsm"], "share": 1.0}}


def test_applies_to_is_honoured_for_the_policy_and_for_the_baseline():
    # School A (index 0) is LA-admitted, school B (index 1) an academy; both PAN 1. Child n (not FSM) lives
    # at B, child f (FSM) 3 km away; both list only B. Under an FSM-first rule f would take B, but B keeps
    # its own arrangements (the generic baseline: distance), so n gets B under the policy AND under a
    # baseline that has the FSM priority too; f is directed to A.
    game = tiny_game([1, 1], [{"id": "n", "prefs": [1], "xy": (1000, 0)}, {"id": "f", "prefs": [1], "fsm": True,
                                                                       "xy": (4000, 0)}],
                     community=[True, False])
    fsm_first = policy(["fsm", "everyone"], FSM_FIRST, applies_to="community", tie_break="distance")
    result = compare(game, fsm_first, fsm_first, runs=2)
    for table in (result.allocation, result.allocation_baseline):
        assert table.set_index("applicant_id").loc["n", "urn"] == 100002
        assert table.set_index("applicant_id").loc["n", "criterion"] == "everyone"
        assert table.set_index("applicant_id").loc["f", "route"] == "directed"
    # where the policy applies (both schools LA-admitted) f takes B
    game.schools.community[:] = True
    assert offers(game, solve(game, fsm_first)).tolist() == [-1, 1]
    assert result.meta["rules"]["baseline"]["others"] == "baseline"


def test_brighton_presets_never_make_fsm_offers_at_own_admission_schools(real):
    from repaudit.simulate.scenarios import brighton

    game = brighton(str(real), entry_year=2025, seed=0, preferences=4, city_share=0.28)
    for name in ("brighton-2025", "brighton-2026"):
        alloc = solve(game, load_policy(name), seed=3)
        criteria = alloc.criterion()
        own = ~game.schools.community[np.maximum(alloc.school, 0)] & (alloc.school >= 0)
        assert not np.any(own & np.isin(criteria, ["fsm", "fsm+catchment", "single_school_catchment"])), name
        assert np.any(~own & (criteria == "fsm")), name          # the band does act at the community schools
        assert check_validity(game, alloc) == []


def test_the_preference_limit_counts_only_the_first_preferences():
    # A policy allowing 2 preferences: the child lists A, B, C; A and B have no place (PAN 0), C has one.
    # Her 3rd preference is not considered: no offer, a directed place at the nearest school with room (C).
    game = tiny_game([0, 0, 1], [{"prefs": [0, 1, 2], "xy": (2000, 0)}])
    alloc = solve(game, policy(["everyone"], preferences=2))
    assert alloc.route.tolist() == [2] and alloc.school.tolist() == [2] and alloc.preference_rank.tolist() == [0]
    assert check_validity(game, alloc) == [] and check_stability(game, alloc) == []
    assert solve(game, policy(["everyone"], preferences=3)).preference_rank.tolist() == [3]


CAPACITIES = ("urn,pan,name,easting,northing,type\n100001,0,Full A,530000,105000,Community school\n"
              "100002,0,Full B,531000,105000,Community school\n100003,0,Full C,532000,105000,Community school\n"
              "100004,1,Roomy D,533000,105000,Community school\n")
FOUR_PREFS = "applicant_id,easting,northing,fsm,looked_after,pref1,pref2,pref3,pref4\n" \
             "a1,530100,105000,0,0,100001,100002,100003,100004\n"


def cli_inputs(tmp_path, applications=FOUR_PREFS, capacities=CAPACITIES):
    apps, caps = tmp_path / "apps.csv", tmp_path / "pans.csv"
    apps.write_text(applications, encoding="utf-8")
    caps.write_text(capacities, encoding="utf-8")
    return ["--applications", str(apps), "--capacities", str(caps), "--db", str(tmp_path / "none.duckdb"),
            "--out", str(tmp_path / "out")]


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_more_preferences_than_the_policy_allows_is_an_error_naming_file_row_and_column(runner, tmp_path):
    result = runner.invoke(cli, ["simulate", "--policy", "brighton-2025", "--runs", "2", *cli_inputs(tmp_path)])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: {tmp_path / 'apps.csv'}, row 2, column 'pref4': applicant 'a1' lists 4 preferences but policy "
        "'brighton-2025' allows 3 (1 applicant(s) list more than 3); give at most 3, or run with "
        "--truncate-preferences to keep each applicant's first 3")
    assert not (tmp_path / "out").exists()


def test_truncated_preferences_are_cut_with_a_note_and_no_nan_reaches_any_output(runner, tmp_path):
    # With --truncate-preferences a1 keeps A, B, C, all without a place: she is directed to D (no 4th
    # preference offer, as happened before the limit was enforced). A, B and C admit nobody: "no intake".
    result = runner.invoke(cli, ["simulate", "--policy", "brighton-2025", "--runs", "2", "--truncate-preferences",
                                 *cli_inputs(tmp_path)])
    assert result.exit_code == 0, result.output
    assert ("note: --truncate-preferences: 1 applicant(s) listed more than the 3 preferences policy 'brighton-2025' "
            "allows; only their first 3 were used") in result.output
    for table in ("allocation.csv", "allocation_baseline.csv"):
        assert [(r["urn"], r["preference_rank"], r["directed"]) for r in read(tmp_path / "out" / table)] == [
            ("100004", "", "1")]
    full_a = next(line for line in result.output.splitlines() if line.startswith("Full A"))
    assert full_a.split()[-4:-3] == ["intake"] and "no intake" in full_a
    for name in ("schools.csv", "areas.csv", "summary.csv", "meta.json", "map.html", "changes.csv"):
        text = (tmp_path / "out" / name).read_text(encoding="utf-8").lower()
        assert "nan" not in text.replace("nanum", ""), name
    assert "nan" not in result.output.lower()
    notes = {r["urn"]: r["note"] for r in read(tmp_path / "out" / "schools.csv") if r["metric"] == "fsm_share"}
    assert notes == {"100001": "no intake", "100002": "no intake", "100003": "no intake", "100004": ""}


@pytest.mark.parametrize("rounding, places", [("down", [16, 69, 1]), ("up", [17, 70, 2]), ("nearest", [17, 69, 2])])
def test_band_places_follow_the_rounding_setting(rounding, places):
    # 5% of 330 = 16.5; 23.1% of 300 = 69.3; 50% of 3 = 1.5
    assert [band_places(s, [p], rounding)[0] for s, p in ((0.05, 330), (0.231, 300), (0.5, 3))] == places
    assert band_places(0.2, [300], rounding).tolist() == [60]          # exact products never move


def test_brighton_2026_rounds_to_the_nearest_place_as_the_council_did():
    # The council filled 17 single-school places at Blatchington Mill and Stringer (PAN 330) in 2026.
    p = load_policy("brighton-2026")
    single = next(b for b in p.bands if b.name == "single_school")
    assert p.rounding == "nearest" and p.places(single.share, np.array([330])).tolist() == [17]


def test_rounding_changes_the_allocation():
    # PAN 3, FSM band of 50%; FSM children f1, f2 live 3 km away, n1, n2 at the school; distance tie-break.
    # down: 1 FSM place (1.5 -> 1): f1 by distance... f1 is nearer than f2, then n1, n2: FSM intake 1.
    # up / nearest: 2 FSM places: f1, f2, then n1: FSM intake 2.
    children = [{"id": "f1", "prefs": [0], "fsm": True, "xy": (3000, 0)}, {"id": "f2", "prefs": [0], "fsm": True,
                                                                          "xy": (3500, 0)},
                {"id": "n1", "prefs": [0], "xy": (10, 0)}, {"id": "n2", "prefs": [0], "xy": (20, 0)}]
    game = tiny_game([3, 1], children)
    band = {"fsm": {"criteria": ["fsm"], "share": 0.5}}
    for rounding, fsm_in in (("down", 1), ("up", 2), ("nearest", 2)):
        alloc = solve(game, policy(["fsm", "everyone"], band, rounding=rounding))
        at_school = offers(game, alloc) == 0
        assert int((at_school & game.applicants.fsm).sum()) == fsm_in, rounding


APPS = "applicant_id,easting,northing,fsm,looked_after,pref1\n" \
       "f1,530100,105000,1,0,100001\nn1,530200,105000,0,0,100001\n" \
       "n2,530300,105000,0,0,100001\nf2,530400,105000,1,0,100001\n"
TWO = "urn,pan,name,easting,northing,type\n100001,3,Near School,530000,105000,Community school\n" \
      "100002,5,Far School,540000,105000,Community school\n"


@pytest.mark.parametrize("extra, share, caps", [([], "28.0%", 1), (["--city-fsm-share", "0.5"], "50.0%", 2),
                                                (["--city-fsm-share", "0.1"], "10.0%", 0)])
def test_city_fsm_share_is_the_presets_parameter_and_the_option_overrides_it(runner, tmp_path, extra, share, caps):
    # Near School, PAN 3, brighton-2025 (nearest rounding): 28% x 3 = 0.84 -> 1 FSM place; 50% -> 1.5 -> 2;
    # 10% -> 0.3 -> 0. The applicants' own share (2 of 4) is not used: the preset names the council's 28%.
    result = runner.invoke(cli, ["simulate", "--policy", "brighton-2025", "--runs", "4", *extra,
                                 *cli_inputs(tmp_path, APPS, TWO)])
    assert result.exit_code == 0, result.output
    scope, rest = result.output.split("\n", 1)
    assert scope == "The policy applies to all of the 2 schools simulated, each taken as one the LA is the admission " \
                    "authority for."
    assert rest.startswith(f"brighton-2025 vs brighton-2024: 4 applicants, 2 schools, 4 lottery run(s), "
                                    f"seed 0, city FSM share {share}")
    meta = json.loads((tmp_path / "out" / "meta.json").read_text(encoding="utf-8"))
    assert meta["band_caps"]["fsm"] == [caps, round(float(share[:-1]) / 100 * 5 + 1e-9)]
    fsm_share = {r["urn"]: r for r in read(tmp_path / "out" / "schools.csv") if r["metric"] == "fsm_share"}
    if caps == 2:       # both FSM children take the two band places in every run: 2 of 3
        assert float(fsm_share["100001"]["policy_lo"]) == float(fsm_share["100001"]["policy_hi"]) == 2 / 3


def test_the_default_baseline_is_the_policys_compare_with(runner, tmp_path):
    result = runner.invoke(cli, ["simulate", "--policy", "fsm-quota", "--runs", "2", *cli_inputs(tmp_path, APPS, TWO)])
    assert result.output.split("\n", 1)[1].startswith("fsm-quota vs baseline: 4 applicants")
    assert {load_policy(n).compare_with for n in ("brighton-2023-draft", "brighton-2025", "brighton-2026")} == {
        "brighton-2024"}


@pytest.mark.parametrize("text, message", [
    ('criteria = ["fsm", "catchment", "everyone"]\n[bands.a]\ncriteria = ["fsm"]\nshare = 0.6\n'
     '[bands.b]\ncriteria = ["catchment"]\nshare = 0.7',
     r"the bands reserve more than all places: \[bands.a\] share = 0.6 \+ \[bands.b\] share = 0.7 adds up to 1.3 "
     "of PAN; the shares of all bands must add up to at most 1"),
    ('criteria = ["fsm", "everyone"]\n[parameters]\nq = 0.9\n[bands.a]\ncriteria = ["fsm"]\nshare = "q"\n'
     'cap_with_higher = 0.3\n[bands.b]\ncriteria = ["everyone"]\nshare = 0.2', "not 'everyone'"),
    ('criteria = ["fsm", "everyone"]\n[bands.a]\ncriteria = ["fsm"]\nshares = 0.2',
     r"\[bands.a\]: unknown key.s. shares; allowed: criteria, share, cap_with_higher, group"),
    ('criteria = ["fsm", "everyone"]\n[bands.a]\ncriteria = ["fsm"]\nshare = -0.1',
     r"\[bands.a\] share must be a share between 0 and 1, found -0.1"),
    ('criteria = ["fsm", "everyone"]\nrounding = "banker"', "`rounding` is 'banker', expected one of down, up, nearest"),
    ('criteria = ["fsm", "everyone"]\n[bands.a]\ncriteria = ["fsm"]\nshare = 0.1\ngroup = "sen"',
     r"\[bands.a\] group is 'sen'; the only group the simulator knows is 'fsm'"),
    ('criteria = ["fsm", "everyone"]\n[sources]\nshare = "made up"', r"\[sources\] names share, which are not in"),
    ('criteria = ["fsm", "everyone"]\nothers = 3', "`others` must name a policy"),
    ('criteria = ["fsm", "everyone"]\npreference_first = "yes"', "`preference_first` must be true or false"),
])
def test_contradictory_policies_are_errors_naming_the_file_and_the_keys(tmp_path, text, message):
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError, match=message) as err:
        load_policy(path)
    assert str(err.value).startswith(str(path))


def test_a_parameter_or_the_city_share_that_overfills_the_bands_is_an_error(tmp_path):
    path = tmp_path / "two.toml"
    path.write_text('criteria = ["fsm", "catchment", "everyone"]\n[parameters]\nshare = 0.2\n'
                    '[bands.a]\ncriteria = ["fsm"]\nshare = "city_fsm_share"\n'
                    '[bands.b]\ncriteria = ["catchment"]\nshare = "share"\n', encoding="utf-8")
    p = load_policy(path)
    with pytest.raises(InputFileError, match=r"\[bands.a\] share = city_fsm_share = 0.2 \+ \[bands.b\] share = "
                                             r"share = 0.9 adds up to 1.1 of PAN"):
        p.with_parameters(share=0.9).check_reserved(0.2)
    both = tmp_path / "both.toml"
    both.write_text('criteria = ["fsm", "catchment", "everyone"]\n[parameters]\nx = 0.5\ny = 0.3\n'
                    '[bands.a]\ncriteria = ["fsm"]\nshare = "x"\n[bands.b]\ncriteria = ["catchment"]\nshare = "y"\n',
                    encoding="utf-8")
    with pytest.raises(InputFileError, match=r"share = x = 0.5 \+ \[bands.b\] share = y = 0.6 adds up to 1.1"):
        load_policy(both).with_parameters(y=0.6)
    with pytest.raises(InputFileError, match=r"\[bands.a\] share = city_fsm_share = 0.85 \+ \[bands.b\] share = "
                                             r"share = 0.2 adds up to 1.05 of PAN"):
        p.check_reserved(0.85)


def test_others_must_apply_to_every_school(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('criteria = ["fsm", "everyone"]\napplies_to = "community"\nothers = "brighton-2025"\n',
                    encoding="utf-8")
    game = tiny_game([1, 1], [{"prefs": [1]}], community=[True, False])
    with pytest.raises(InputFileError, match="names a policy that applies to 'community' schools only"):
        solve(game, load_policy(path))
