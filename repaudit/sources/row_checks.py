"""Row-level problems for the tabular loaders: the first reason found for each unusable row, duplicates named
with the line of their first occurrence, and the rejects frame they become."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .plausibility import MAX_TEXT_LENGTH, part_reasons
from .reader import RawTable, bad_numbers, parse_number, rejects_frame


class RowProblems:
    """One reason per row (the first one flagged); rows without a reason are the rows to load."""

    def __init__(self, table: RawTable):
        self.table = table
        self.reasons = pd.Series([None] * len(table.frame), dtype=object)

    def flag(self, mask, reason):
        """Give REASON (text, or text per row) to the rows in MASK that have none yet."""
        mask = np.asarray(mask, dtype=bool) & self.reasons.isna().to_numpy()
        values = reason if isinstance(reason, str) else pd.Series(reason).to_numpy(dtype=object)
        self.reasons[mask] = values if isinstance(values, str) else values[mask]

    def flag_overflow(self):
        """Rows holding values beyond the header's columns: a value with an unquoted comma shifts every
        later column, so none of the row's numbers can be trusted."""
        if not self.table.overflow:
            return
        width = len(self.table.frame.columns)
        reasons = np.full(len(self.table.frame), None, dtype=object)
        for row, extra in self.table.overflow.items():
            reasons[row] = (f"{extra} value{'s' if extra > 1 else ''} beyond the header's {width} columns "
                            "(a value may contain an unquoted comma)")
        self.flag(self.table.overflow_mask(), reasons)

    def flag_bad_numbers(self, cols: pd.DataFrame, column: str, label: str):
        """Rows whose COLUMN is neither a number nor a suppression token."""
        if column in cols:
            bad = bad_numbers(cols[column]).to_numpy()
            text = cols[column].astype(str).to_numpy(dtype=object)
            self.flag(bad, np.array([f"{label} '{t}' is not a number" for t in text], dtype=object))

    def flag_duplicates(self, key: pd.DataFrame, label: str):
        """Later rows repeating the KEY of an earlier usable row, naming the line of the first."""
        usable = self.ok
        keyed = key[usable]
        dup = keyed.duplicated(keep="first")
        if not dup.any():
            return
        lines = pd.Series(self.table.line[usable], index=keyed.index)
        first = lines.groupby([keyed[c] for c in keyed.columns]).transform("min")
        where = dup[dup].index
        mask = np.zeros(len(key), dtype=bool)
        mask[where] = True
        text = np.array([None] * len(key), dtype=object)
        shown = keyed.loc[where].astype(str).agg(", ".join, axis=1)
        text[where] = [f"duplicate {label} {s} (first on row {f})" for s, f in zip(shown, first[where])]
        self.flag(mask, text)

    def flag_reasons(self, reasons: np.ndarray):
        """Rows with a reason (None elsewhere), as plausibility rules give them."""
        self.flag(pd.notna(reasons), reasons)

    def flag_rule(self, values: pd.Series, rule, label: str) -> np.ndarray:
        """Rows whose number breaks RULE (a plausibility.Count or Bounded); returns the column's numbers."""
        number = parse_number(values).to_numpy()
        self.flag_reasons(rule.reasons(label, values, number))
        return number

    def flag_part(self, part: pd.Series, part_label: str, whole: pd.Series, whole_label: str):
        """Rows where a part (FSM pupils) is more than its whole (pupils)."""
        self.flag_reasons(part_reasons(part_label, part, parse_number(part).to_numpy(),
                                       whole_label, whole, parse_number(whole).to_numpy()))

    def flag_long_text(self, cols: pd.DataFrame, labels: dict[str, str] | None = None):
        """Rows with a cell over MAX_TEXT_LENGTH characters: no name, code or label is that long."""
        for column in cols.columns:
            length = cols[column].astype(str).str.len().to_numpy()
            label = (labels or {}).get(column, column)
            self.flag(length > MAX_TEXT_LENGTH,
                      np.array([f"{label} is {n:,} characters long: more than {MAX_TEXT_LENGTH:,} is not a "
                                "name, code or label" for n in length], dtype=object)
                      if (length > MAX_TEXT_LENGTH).any() else "")

    @property
    def ok(self) -> np.ndarray:
        return self.reasons.isna().to_numpy()

    def rejects(self) -> pd.DataFrame:
        return rejects_frame(self.table, ~self.ok, self.reasons.to_numpy(dtype=object))
