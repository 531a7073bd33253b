"""The keys of school-level files, read the same way by every school loader: URNs, academic years (from a
column or --year), file vintages from the date in a file name, and rows set aside before validation."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputFileError
from .damage import read_dates, scientific_urns
from .reader import RawTable, academic_year, bad_numbers, missing_reason, parse_number
from .row_checks import RowProblems

URN_ALIASES = ["URN", "urn", "school_urn", "URN (code)"]
YEAR_ALIASES = ["time_period", "year", "academic_year", "census_year"]
FIRST_YEAR, LAST_YEAR = 1990, 2100
YEAR_SPELLING = r"\d{4}|\d{6}|\d{4}\s*[/-]\s*\d{2,4}"     # 2022, 202223, 2022/23 (never 2022.5 or 2e3)
UNKNOWN_DATE = dt.date(1900, 1, 1)      # GIAS writes 01-01-1900 for a date it does not know


def parse_urns(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """URNs as Int64 and a mask of cells that are not a positive whole number."""
    number = parse_number(values)
    bad = (number.isna() | (number <= 0) | (number % 1 != 0) | (number > 2**31 - 1)).to_numpy()
    return number.where(~bad).astype("Int64"), bad


def flag_bad_urns(problems: RowProblems, values: pd.Series, notes: list[str] | None = None) -> pd.Series:
    """Flag rows whose URN is unusable and return the parsed URNs; URNs a spreadsheet wrote in scientific
    notation are read when every digit was kept (noted in NOTES) and refuse the file when not (damage.py)."""
    values, said = scientific_urns(problems.table.path, values, problems.table.line)
    if notes is not None:
        notes.extend(said)
    urns, bad = parse_urns(values)
    text = values.astype(str).str.strip()
    total = text.str.lower().str.match(r"^(grand )?totals?\b").to_numpy()
    problems.flag(bad & total, "a 'Total' row (URN '" + text + "'), not a school: totals are not loaded")
    problems.flag(bad, np.where(text == "", "URN is empty", "URN '" + text + "' is not a number"))
    return urns


def years_for(table: RawTable, cols: pd.DataFrame, year: int | None, problems: RowProblems,
              notes: list[str], source: str) -> pd.Series:
    """Each row's academic year (first calendar year): from the file's year column, else from --year."""
    if "year" in cols:
        if year is not None:
            notes.append(f"--year {year} ignored: the file has its own year column")
        years = academic_year(cols["year"])
        text = cols["year"].astype(str).str.strip()
        written = text.str.fullmatch(YEAR_SPELLING).fillna(False).to_numpy(dtype=bool)
        unusable = (years.isna() | (years < FIRST_YEAR) | (years > LAST_YEAR)).fillna(True).to_numpy() | ~written
        problems.flag(unusable, "year '" + text + "' is not a year such as 2022, 2022/23 or 202223")
        return years
    if year is None:
        raise InputFileError(
            table.path, f"has no year column (looked for {', '.join(YEAR_ALIASES)}): pass the academic year "
            f"with --year, e.g. `repaudit load {source} --year 2022 {table.path.name}` for 2022/23"
        )
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InputFileError(table.path, f"--year {year} is not a plausible academic year (e.g. 2022 for 2022/23)")
    return pd.Series([year] * len(table.frame), dtype="Int64")


def vintage_from_name(path: str | Path) -> str | None:
    """The date or year in a file name: edubasealldata20250524 -> '20250524', links_202203 -> '2022-03',
    spc_2022_23 or _202223 -> '2022/23'; None when the name has none."""
    name = Path(path).name
    found = re.search(r"(?<!\d)(20\d{6})(?!\d)", name)
    if found:
        return found.group(1)
    found = re.search(r"(?<!\d)(20(\d\d))[_-]?(\d\d)(?!\d)", name)
    if not found:
        return None
    year, short, last = found.group(1), int(found.group(2)), int(found.group(3))
    if last == (short + 1) % 100:
        return f"{year}/{found.group(3)}"
    return f"{year}-{found.group(3)}" if 1 <= last <= 12 else None


def without_rows(table: RawTable, mask) -> RawTable:
    """TABLE without the rows in MASK (rows skipped on purpose, e.g. summary rows), keeping line numbers."""
    keep = ~np.asarray(mask, dtype=bool)
    position = np.cumsum(keep) - 1
    overflow = {int(position[i]): n for i, n in table.overflow.items() if keep[i]}
    return dataclasses.replace(table, frame=table.frame[keep].reset_index(drop=True), line=table.line[keep],
                               overflow=overflow)


def column_values(cols: pd.DataFrame, name: str, keep: np.ndarray):
    """The kept cells of an optional text column, stripped, blanks as None; None when the file lacks it."""
    if name not in cols:
        return None
    text = cols[name][keep].astype(str).str.strip()
    return text.where(text != "", None).to_numpy(dtype=object)


def known_dates(values: pd.Series, label: str, notes: list[str], path=None, lines=None) -> np.ndarray:
    """Dates (dd-mm-yyyy, dd/mm/yyyy or ISO; US order or Excel serial numbers when certain, see damage.read_dates)
    as date objects or None; GIAS's 01-01-1900 'unknown' placeholder is stored empty, with a note naming LABEL."""
    lines = np.arange(2, len(values) + 2) if lines is None else np.asarray(lines)
    dates, said = read_dates(path, values.reset_index(drop=True), lines, label)
    notes.extend(said)
    dates = pd.Series(dates, dtype=object)
    unknown = dates.eq(UNKNOWN_DATE).to_numpy()
    if unknown.any():
        notes.append(f"{int(unknown.sum()):,} {label} values of 01-01-1900 (GIAS for 'unknown') stored empty")
    return dates.where(dates.notna() & ~unknown, None).to_numpy()


def flag_unreadable(problems: RowProblems, values: pd.Series, label: str):
    """Flag rows whose cell is neither a number nor a suppression token, naming the column as the file spells it."""
    bad = bad_numbers(values).to_numpy()
    problems.flag(bad, f"column '{label}' holds '" + values.astype(str) + "': expected a number or a suppression code")


def numbers_with_reasons(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A column's numbers, and where a cell holds none, the meaning of its suppression token (else None)."""
    number = parse_number(values).to_numpy()
    reason = np.where(np.isnan(number), missing_reason(values).to_numpy(dtype=object), None)
    return number, reason


def missing_note(label: str, reason: np.ndarray) -> list[str]:
    """A note counting the missing values of LABEL by reason ([] when none is missing)."""
    present = reason[pd.notna(reason)]
    if not len(present):
        return []
    counts = pd.Series(present).value_counts()
    return [f"{len(present):,} {label} missing, reason kept: " + ", ".join(f"{n:,} {r}" for r, n in counts.items())]
