"""Policies as data: presets load, steps follow the documented reserve order, bad files give clear errors."""
import pytest

from repaudit.errors import InputFileError
from repaudit.simulate.policies import PolicyError, band_places, load_policy, parse_policy, presets
from repaudit.simulate.rules import plan_steps


def test_the_presets_named_in_the_issue_are_bundled():
    assert {"baseline", "brighton-2025", "brighton-2023-draft", "brighton-2026", "fsm-quota"} <= set(presets())
    for name in presets():
        p = load_policy(name)
        assert p.name == name and p.criteria[-1] == "everyone" and p.title


def steps(policy):
    return [(s.criteria, s.band.name if s.band else None, s.hold_back_bands) for s in plan_steps(policy)]


def test_brighton_2025_reads_as_published():
    p = load_policy("brighton-2025")
    assert p.applies_to == "community" and p.tie_break == "lottery" and p.preferences == 3
    assert steps(p) == [
        (("looked_after", "medical_social", "sibling+catchment"), None, False),
        (("fsm+catchment", "fsm"), "fsm", False),
        (("catchment", "everyone"), None, False),
    ]


def test_2023_draft_puts_fsm_above_siblings_and_2026_adds_the_limit_and_single_school_band():
    draft = load_policy("brighton-2023-draft")
    assert draft.criteria.index("fsm") < draft.criteria.index("sibling+catchment")
    p2026 = load_policy("brighton-2026")
    assert p2026.preferences == 4
    fsm = next(b for b in p2026.bands if b.name == "fsm")
    single = next(b for b in p2026.bands if b.name == "single_school")
    assert fsm.cap_with_higher == 0.30 and single.share == 0.05
    assert [s[1] for s in steps(p2026)] == [None, "fsm", "single_school", None]


def test_reserve_order_last_holds_band_places_back_and_first_puts_bands_before_everything():
    p = load_policy("brighton-2025")
    open_criteria = ("looked_after", "medical_social", "sibling+catchment", "catchment", "everyone")
    assert steps(p.with_reserve_order("last")) == [
        (open_criteria, None, True), (("fsm+catchment", "fsm"), "fsm", False), (open_criteria, None, False)]
    assert steps(p.with_reserve_order("first")) == [
        (("fsm+catchment", "fsm"), "fsm", False), (open_criteria, None, False)]
    with pytest.raises(PolicyError, match="not one of priority, last, first"):
        p.with_reserve_order("sideways")


def test_band_places_floor_share_times_pan():
    assert band_places(0.231, [300, 330, 180]).tolist() == [69, 76, 41]
    assert band_places(0.2, [300, 5]).tolist() == [60, 1]          # 0.2 x 300 is 60, not 59
    assert band_places(0.15, [0]).tolist() == [0]


def test_fsm_quota_share_is_a_parameter():
    p = load_policy("fsm-quota")
    assert p.share(p.bands[0].share, 0.3) == 0.15
    q = p.with_parameters(share=0.2)
    assert q.share(q.bands[0].share, 0.3) == 0.2
    with pytest.raises(PolicyError, match="no parameter quota .its parameters: share."):
        p.with_parameters(quota=0.2)
    with pytest.raises(InputFileError, match="share between 0 and 1, found 1.5"):
        p.with_parameters(share=1.5)


def test_city_fsm_share_band_uses_the_policys_parameter_else_the_games_city_share():
    p = load_policy("brighton-2025")
    assert p.share(p.bands[0].share, 0.231) == 0.28 and "brighton-hove.gov.uk" in p.sources["city_fsm_share"]
    assert p.with_parameters(city_fsm_share=0.31).share(p.bands[0].share, 0.231) == 0.31
    draft = parse_policy({"criteria": ["fsm", "everyone"], "bands": {"f": {"criteria": ["fsm"], "share": "city_fsm_share"}}})
    assert draft.share(draft.bands[0].share, 0.231) == 0.231


@pytest.mark.parametrize("text, message", [
    ('criteria = ["catchment"]', "the last criterion must be 'everyone' .found 'catchment'."),
    ('criteria = ["walk_zone", "everyone"]', "unknown criterion 'walk_zone' in 'walk_zone'; known: looked_after"),
    ('criteria = ["fsm+everyone", "everyone"]', "'everyone' cannot be combined"),
    ('criteria = ["fsm", "everyone"]\nquota = 1', "unknown key.s. quota"),
    ('criteria = ["fsm", "catchment", "sibling", "everyone"]\n[bands.b]\ncriteria = ["fsm", "sibling"]\nshare = 0.1',
     "a band's criteria must be consecutive"),
    ('criteria = ["fsm", "everyone"]\n[bands.b]\ncriteria = ["fsm"]\nshare = 2', r"\[bands.b\] share must be a share "
                                                                                "between 0 and 1, found 2"),
    ('criteria = ["fsm", "everyone"]\n[bands.b]\ncriteria = ["fsm"]\nshare = "quota"', "share 'quota' is neither"),
    ('criteria = ["catchment", "everyone"]\n[bands.b]\ncriteria = ["catchment"]\nshare = 0.1\ncap_with_higher = 0.3',
     "every criterion of the band must include 'fsm'"),
    ('criteria = ["fsm", "everyone"]\ntie_break = "coin"', "`tie_break` is 'coin', expected one of distance, lottery"),
    ('criteria = ["fsm", "everyone"]\npreferences = 0', "`preferences` must be a whole number from 1 to 20"),
    ('criteria = [fsm', "is not valid TOML"),
])
def test_bad_policy_files_name_the_file_and_the_problem(tmp_path, text, message):
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError, match=message) as err:
        load_policy(path)
    assert str(err.value).startswith(str(path))


def test_unknown_policy_name_lists_the_presets():
    with pytest.raises(PolicyError, match="no policy 'brighton-1999': not a file, and not one of the presets baseline"):
        load_policy("brighton-1999")


def test_a_policy_file_of_ones_own(tmp_path):
    path = tmp_path / "walk.toml"
    path.write_text('name = "walk"\ncriteria = ["looked_after", "fsm", "everyone"]\nreserve_order = "last"\n'
                    '[bands.fsm]\ncriteria = ["fsm"]\nshare = 0.25\n', encoding="utf-8")
    p = load_policy(str(path))
    assert p.name == "walk" and p.reserve_order == "last" and p.bands[0].share == 0.25
    assert steps(p)[0] == (("looked_after", "everyone"), None, True)


def test_a_with_higher_limit_must_be_the_first_capped_step(tmp_path):
    # Found by the property tests: with open places filled first ("last"), a new applicant can push an
    # FSM child out of them and so free room under the 30% limit; deferred acceptance can then be unstable.
    with pytest.raises(PolicyError, match="band 'fsm' has cap_with_higher, which needs it to be the first capped step"):
        load_policy("brighton-2026").with_reserve_order("last")
    assert load_policy("brighton-2026").with_reserve_order("first").reserve_order == "first"
    path = tmp_path / "two.toml"
    path.write_text('criteria = ["catchment", "fsm", "everyone"]\n[bands.near]\ncriteria = ["catchment"]\nshare = 0.1\n'
                    '[bands.fsm]\ncriteria = ["fsm"]\nshare = 0.2\ncap_with_higher = 0.3\n', encoding="utf-8")
    with pytest.raises(InputFileError, match=r"no band before it \(found near\)"):
        load_policy(path)


def test_every_policy_key_is_documented():
    from pathlib import Path

    from repaudit.simulate.policies import BAND_KEYS, KEYS

    doc = (Path(__file__).resolve().parents[1] / "docs" / "policies.md").read_text(encoding="utf-8")
    assert [k for k in KEYS if f"| `{k}` " not in doc and f"`{k}` (`[{k}" not in doc] == []
    assert [k for k in BAND_KEYS if f"| `{k}` |" not in doc] == []
    assert [p for p in presets() if f"| `{p}` |" not in doc] == []
