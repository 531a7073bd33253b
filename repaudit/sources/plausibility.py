"""Plausibility rules for every numeric input, one small declaration per column kind, used by every loader:
counts are whole numbers of 0 or more up to an outlier limit set well above the largest value in the real files;
a part (FSM pupils) is at most its whole (pupils); a rate lies within its scale, decided for the column as a
whole and said in a note. A value breaking a rule rejects its row with the rule's reason; nothing is rescaled."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputFileError

MAX_TEXT_LENGTH = 1_000          # a name, code or label longer than this is not one
MISSING_VALUE_CODES = {-1, -9, -99, -999, -9999}    # SPSS/Stata-style codes for 'missing'


@dataclass(frozen=True)
class Count:
    """A whole number of people, 0 or more, at most `limit` (above it: an implausible outlier)."""

    what: str           # what one value counts, e.g. "pupils on one school's roll"
    limit: int
    measured: str       # the largest value in the real files, said in the reason

    def reasons(self, label: str, text: pd.Series, number: np.ndarray) -> np.ndarray:
        """The first rule each value breaks (None where it is plausible or missing)."""
        shown = text.astype(str).str.strip().to_numpy(dtype=object)
        out = np.full(len(number), None, dtype=object)
        present = ~np.isnan(number)
        negative = present & (number < 0)
        code = np.isin(number, list(MISSING_VALUE_CODES))
        _first(out, present & pd.Series(shown).astype(str).str.endswith("%").to_numpy(),
               lambda i: f"{label} {shown[i]} is a percentage, not a count of people")
        _first(out, negative & code, lambda i: f"{label} {shown[i]} is negative: a missing-value code? "
                                      "leave the cell empty or write x for a missing count")
        _first(out, negative, lambda i: f"{label} {shown[i]} is negative: a count cannot be below 0")
        _first(out, present & (np.mod(number, 1) != 0), lambda i: f"{label} {shown[i]} is not a whole number of people")
        _first(out, present & (number > self.limit),
               lambda i: f"{label} {shown[i]} is above {self.limit:,}, the most {self.what} that is plausible "
                         f"({self.measured})")
        return out


@dataclass(frozen=True)
class Bounded:
    """A number confined to [low, high]: a rank, a decile, a score; whole when `whole`."""

    what: str
    low: float
    high: float
    whole: bool = False

    def reasons(self, label: str, text: pd.Series, number: np.ndarray) -> np.ndarray:
        shown = text.astype(str).str.strip().to_numpy(dtype=object)
        out = np.full(len(number), None, dtype=object)
        present = ~np.isnan(number)
        outside = present & ((number < self.low) | (number > self.high))
        _first(out, outside, lambda i: f"{label} {shown[i]} is outside {self.low:g}-{self.high:,g} ({self.what})")
        if self.whole:
            _first(out, present & (np.mod(number, 1) != 0), lambda i: f"{label} {shown[i]} is not a whole number ({self.what})")
        return out


@dataclass(frozen=True)
class Rate:
    """A share: 0-1 proportions or 0-100 percentages; `scale` 'percent' or 'proportion' when the source defines
    it, 'auto' to decide on the column as a whole (never on one value)."""

    what: str
    scale: str = "auto"


SCHOOL_PUPILS = Count("pupils on one school's roll", 10_000,
                      "the largest in the real GIAS 2025, SPC 2022/23 and 2018 census files is 3,467")
SCHOOL_PLACES = Count("places at one school", 10_000, "the largest SchoolCapacity in the real GIAS files is 1,620")
SCHOOL_PAN = Count("places one school offers in one entry year (its PAN)", 2_000,
                  "the most places one school offered in the national applications and offers files 2014/15 to "
                  "2022/23 is 540")
FLOW_PUPILS = Count("pupils of one school living in one LSOA", 10_000,
                    "a flow cannot exceed one school's roll; the largest real roll is 3,467")
LSOA_RESIDENTS = Count("residents of one LSOA in one age band", 20_000,
                       "the largest in Census 2021 by LSOA and 6 age bands is 7,484")
AREA_COUNTS = {   # (measure, geographic level) -> rule; the real 2013-2025 maxima in the reasons
    ("cin_at31", "Local authority"): Count("children in need in one local authority", 100_000,
                                           "the largest in table B1 2013-2025 is 11,925"),
    ("cin_at31", "Regional"): Count("children in need in one region", 500_000,
                                    "the largest in table B1 2013-2025 is 72,810"),
    ("cin_at31", "National"): Count("children in need in England", 2_000_000,
                                    "the largest in table B1 2013-2025 is 404,710"),
    ("population_0_17", "Local authority"): Count("children in one local authority", 1_500_000,
                                                  "the largest ONS mid-year estimate 2012-2024 is 355,390"),
    ("population_0_17", "Regional"): Count("children in one region", 6_000_000,
                                           "the largest ONS mid-year estimate 2012-2024 is 2,023,914"),
    ("population_0_17", "National"): Count("children in England", 30_000_000,
                                           "the largest ONS mid-year estimate 2012-2024 is 12,183,016"),
}
PERCENTAGE_FSM = Rate("GIAS PercentageFSM", "percent")
SCORE_SHARE = Rate("IoD score that is a share of people (IDACI, income)", "auto")
IMD_SCORE = Bounded("an IMD score is a weighted sum of domain scores within 0-100; the published IoD2019 maximum "
                    "is 92.7", 0, 100)
RANK = Bounded("a rank of LSOAs runs from 1 to the number of LSOAs, fewer than 40,000", 1, 40_000, whole=True)
STATUTORY_AGE = Bounded("a school's statutory age range lies within 0-25 years", 0, 25, whole=True)
DECILE = Bounded("a decile runs from 1 to 10", 1, 10, whole=True)


def part_reasons(part_label: str, part_text: pd.Series, part: np.ndarray,
                 whole_label: str, whole_text: pd.Series, whole: np.ndarray) -> np.ndarray:
    """'FSM count 900 is more than headcount 794' where a part exceeds its whole (None elsewhere)."""
    over = ~np.isnan(part) & ~np.isnan(whole) & (part > whole)
    out = np.full(len(part), None, dtype=object)
    p = part_text.astype(str).str.strip().to_numpy(dtype=object)
    w = whole_text.astype(str).str.strip().to_numpy(dtype=object)
    _first(out, over, lambda i: f"{part_label} {p[i]} is more than {whole_label} {w[i]}")
    return out


@dataclass(frozen=True)
class Scaled:
    """A rate column as proportions: values, a reason for each row out of the chosen scale, the note saying it."""

    values: np.ndarray
    reasons: np.ndarray
    note: str | None


def as_proportions(path: str | Path, label: str, text: pd.Series, number: np.ndarray, rule: Rate) -> Scaled:
    """Decide the column's scale (rule.scale, or 'auto': 0-1 when it fits, 0-100 when most values are above 1 and
    it fits; a few values outside a clear scale, at most 1% of them, reject their rows) and return 0-1 proportions.
    A column fitting neither scale (or, for a fixed scale, mostly outside it) is an InputFileError naming values."""
    present = ~np.isnan(number)
    x = number[present]
    if not len(x):
        return Scaled(number, np.full(len(number), None, dtype=object), None)
    few = max(1, len(x) // 100)
    outside = {"proportion": (number < 0) | (number > 1), "percent": (number < 0) | (number > 100)}
    marked = text.astype(str).str.strip().str.endswith("%").to_numpy()
    above_one = int((x > 1).sum())
    if rule.scale != "auto":
        scale, why = rule.scale, f"as {rule.what} is published"
    elif marked[present].mean() > 0.5:
        scale, why = "percent", "its cells carry '%'"
    elif not outside["proportion"].any():
        scale, why = "proportion", f"all {len(x):,} values lie within 0-1"
    elif above_one > len(x) / 2:
        scale, why = "percent", f"{above_one:,} of {len(x):,} values are above 1"
    elif int(outside["proportion"].sum()) <= few:
        scale, why = "proportion", f"{int((present & ~outside['proportion']).sum()):,} of {len(x):,} values lie within 0-1"
    else:
        raise InputFileError(path, _neither(label, text, number, outside["proportion"]), column=label)
    out = outside[scale]
    if int(out.sum()) > (few if rule.scale == "auto" else len(x) // 2):
        raise InputFileError(path, _neither(label, text, number, out), column=label)
    shown = text.astype(str).str.strip().to_numpy(dtype=object)
    reasons = np.full(len(number), None, dtype=object)
    _first(reasons, out, lambda i: f"{label} {shown[i]} is outside {_SCALE_RANGE[scale]}, the scale of the "
                          f"column ({_SCALE_NAME[scale]}: {why})")
    values = number / 100.0 if scale == "percent" else number
    rejected = f"; {int(out.sum())} value{'s' if out.sum() > 1 else ''} outside it rejected" if out.any() else ""
    divided = ": divided by 100 to give proportions" if scale == "percent" else ""
    return Scaled(values, reasons, f"'{label}' is on a {_SCALE_RANGE[scale]} scale ({_SCALE_NAME[scale]}; {why})"
                                   f"{divided}{rejected}")


_SCALE_NAME = {"proportion": "0-1 proportions", "percent": "0-100 percentages"}
_SCALE_RANGE = {"proportion": "0-1", "percent": "0-100"}


def _neither(label: str, text: pd.Series, number: np.ndarray, out: np.ndarray) -> str:
    present = ~np.isnan(number)
    shown = text.astype(str).str.strip().to_numpy(dtype=object)[out][:5].tolist()
    return (f"'{label}' fits neither 0-1 proportions nor 0-100 percentages: {int(out.sum()):,} of "
            f"{int(present.sum()):,} values lie outside the scale most of them use (e.g. {', '.join(shown)}; "
            f"largest {np.nanmax(number):g}, smallest {np.nanmin(number):g}); correct those values, or give the "
            "whole column on one scale, and load the file again")


def _first(out: np.ndarray, mask: np.ndarray, reason) -> None:
    """Give each row i in MASK the text reason(i) unless it already has a reason."""
    todo = np.asarray(mask, dtype=bool) & pd.isna(out)
    for i in np.flatnonzero(todo):
        out[i] = reason(i)
