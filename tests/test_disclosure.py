"""Disclosure control (METHODS §8): small counts of private data, and what they could be derived from, vanish."""
import math

import numpy as np
import pandas as pd
import pytest

from audit_examples import example_result, with_lsoas
from repaudit.disclosure import UNSUPPRESSED_WARNING, for_sharing, is_small, suppress


def _row(frame, **match):
    mask = np.ones(len(frame), bool)
    for k, v in match.items():
        mask &= frame[k] == v
    assert mask.sum() == 1, match
    return frame[mask].iloc[0]


def test_small_counts_are_one_to_four_after_rounding():
    assert is_small([0, 0.4, 0.6, 1, 4, 4.4, 4.6, 5, np.nan]).tolist() == [
        False, False, True, True, True, True, False, False, False]


def test_pooled_years_count_in_total_and_on_average():
    # yearly averages over 3 years: 0.1 (0.3 children in all: nothing to hide), 0.34 (1 child in 3 years),
    # 4.4 (13 in all, 4 a year on average), 4.6 (14 in all, 5 a year)
    assert is_small([0.1, 0.34, 4.4, 4.6], years=3).tolist() == [False, True, True, False]


def test_one_child_in_three_years_is_hidden_at_a_school():
    result = example_result(("cin",))
    s = result.schools
    s.loc[(s["urn"] == 900003), "school_rate"] = 1 / 1800                # 1 child in 3 years of 600 pupils
    s["years"] = "2021,2022,2023"
    shared = suppress(result)
    assert _row(shared.schools, urn=900003, indicator="cin")["suppressed"]
    assert not _row(shared.schools, urn=900002, indicator="cin")["suppressed"]   # 20 a year


def test_a_cin_count_of_three_hides_every_value_it_could_be_derived_from():
    result = example_result(("fsm", "cin"))
    shared = suppress(result)
    alpha = _row(shared.schools, urn=900001, indicator="cin")          # 3 of 1000 children in need
    assert alpha["suppressed"]
    for col in ("school_rate", "gap_pp", "ratio", "z", "shortfall"):
        assert math.isnan(alpha[col]), col
    assert pd.isna(alpha["flag"])
    assert alpha["community_rate"] == 0.03 and alpha["pupils"] == 1000   # public values stay
    beta = _row(shared.schools, urn=900003, indicator="cin")           # 30 of 600: published
    assert not beta["suppressed"] and beta["school_rate"] == 0.05
    gamma = _row(shared.schools, urn=900004, indicator="cin")          # 0 children: not a 1-4 count
    assert not gamma["suppressed"] and gamma["school_rate"] == 0.0
    fsm = shared.schools[shared.schools["indicator"] == "fsm"]
    pd.testing.assert_frame_equal(fsm.drop(columns="suppressed"),
                                  result.schools[result.schools["indicator"] == "fsm"])
    assert shared.meta["suppressed"] is True and shared.meta["suppression"]["schools"] == 1


def test_aggregates_containing_a_hidden_school_are_hidden_too():
    shared = suppress(example_result(("fsm", "cin")))
    sea = _row(shared.trusts, trust_code="T001", indicator="cin")      # Alpha (hidden) + another school
    assert sea["suppressed"] and math.isnan(sea["observed"]) and math.isnan(sea["gap_pp"]) and math.isnan(sea["z"])
    assert sea["expected"] == pytest.approx(1000 * 0.03 + 400 * 0.03)  # expected is public: kept
    other = _row(shared.trusts, trust_code="T002", indicator="cin")
    assert not other["suppressed"] and other["observed"] == pytest.approx(600 * 0.05 + 300 * 0.04)
    la_cin = _row(shared.areas, indicator="cin")
    assert la_cin["suppressed"] and math.isnan(la_cin["D"]) and math.isnan(la_cin["group_pupils"])
    la_fsm = _row(shared.areas, indicator="fsm")
    assert not la_fsm["suppressed"] and la_fsm["D"] > 0


def test_lsoa_rates_from_private_data_hide_small_counts():
    result = with_lsoas(example_result(("fsm", "cin")), {
        "E01000001": ("cin", 0.02, 150.0),     # 3 children: hidden
        "E01000002": ("cin", 0.05, 200.0),     # 10: shown
        "E01000003": ("fsm", 0.02, 150.0),     # FSM from public data: shown
    })
    lsoas = suppress(result).lsoas.set_index("lsoa")
    assert math.isnan(lsoas.loc["E01000001", "rate"]) and lsoas.loc["E01000001", "child_population"] == 150
    assert lsoas.loc["E01000002", "rate"] == 0.05 and lsoas.loc["E01000003", "rate"] == 0.02


def test_flows_model_hides_small_lsoa_pupil_counts_for_every_indicator():
    result = with_lsoas(example_result(("fsm",), model="flows"), {
        "E01000001": ("fsm", 0.5, 4.0),        # 4 pupils live here: both numbers hidden
        "E01000002": ("fsm", 0.02, 150.0),     # 3 FSM pupils: rate hidden
        "E01000003": ("fsm", 0.2, 150.0),      # 30: shown
    })
    lsoas = suppress(result).lsoas.set_index("lsoa")
    assert math.isnan(lsoas.loc["E01000001", "rate"]) and math.isnan(lsoas.loc["E01000001", "child_population"])
    assert math.isnan(lsoas.loc["E01000002", "rate"]) and lsoas.loc["E01000002", "child_population"] == 150
    assert lsoas.loc["E01000003", "rate"] == 0.2


def test_unsuppressed_output_keeps_values_and_says_so():
    result = example_result(("cin",))
    internal = for_sharing(result, unsuppressed=True)
    assert internal.meta["suppressed"] is False and internal.meta["unsuppressed_warning"] == UNSUPPRESSED_WARNING
    assert _row(internal.schools, urn=900001, indicator="cin")["school_rate"] == 0.003
    assert result.meta["suppressed"] is False and "unsuppressed_warning" not in result.meta   # input untouched


def test_la_comparison_group_is_found_through_the_group_code():
    result = example_result(("cin",))
    s = result.schools
    s.loc[s["urn"] == 900001, "school_rate"] = 0.03                     # 30 a year: published
    s.loc[s["urn"] == 900004, "school_rate"] = 0.01                     # 2 a year at an LA-maintained school
    from audit_examples import trust_rows
    result.trusts = trust_rows(s)
    trusts = suppress(result).trusts.set_index("trust_code")["suppressed"].to_dict()
    assert trusts == {"LA-846": True, "T001": False, "T002": False}
