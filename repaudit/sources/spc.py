"""School-level 'Schools, pupils and their characteristics' (SPC) underlying data -> school_census (descriptive
fields) and school_indicators indicator 'fsm' (numerator = pupils known to be eligible for FSM, denominator =
the headcount used for the FSM percentage). One row per school per time_period; many years per file.

Column names differ between releases; every vintage below maps to the same canonical name (compared after
dropping case, spaces and punctuation, so 'headcount of pupils' == 'headcount_of_pupils'):
- 2022/23 EES file: long descriptive names ('number of pupils known to be eligible for free school meals',
  'headcount of pupils', 'school_name', 'typeofestablishment_name', 'denomination', 'trust').
- snake_case EES releases: the same words joined by '_' (headcount_of_pupils, ...), '(unrounded)' variants.
- 2010/11-2012/13: 'number of pupils known to be eligible for and claiming free school meals' over
  'number of pupils (used for FSM calculation)', which is then the denominator.
- short names seen in re-cut extracts: fsm_eligible, headcount_total.
The FSM denominator is 'headcount of pupils' (checked on 2022/23: it reproduces the published % for 99.8% of
schools; the rest differ only by half-up rounding of the published percentage)."""
from __future__ import annotations

from pathlib import Path

import re

import numpy as np
import pandas as pd

from ..warehouse import LoadResult, TableRows
from .header import check_repeated_columns, uses
from .lsoa_codes import find_column
from .plausibility import SCHOOL_PUPILS
from .reader import RawTable, normalise, parse_number, read_csv_table, resolve_columns
from .registry import source
from .row_checks import RowProblems
from .school_keys import (URN_ALIASES, YEAR_ALIASES, column_values, flag_bad_urns, flag_unreadable,
                          missing_note, numbers_with_reasons, vintage_from_name, without_rows, years_for)

SOURCE = "spc"
TEXT = {
    "name": ["school_name", "School name", "school", "EstablishmentName"],
    "la_code": ["old_la_code", "LA code"],
    "la_name": ["la_name", "LA name", "la"],
    "lad_code": ["district_administrative_code"],
    "region": ["region_name", "region"],
    "phase_type_grouping": ["phase_type_grouping", "phase type grouping"],
    "type": ["typeofestablishment_name", "type_of_establishment", "type of establishment", "school_type"],
    "trust_name": ["trust", "trust_name"],
    "admissions_policy": ["admissions_policy", "admissions policy"],
    "religious_character": ["denomination", "religious_character"],
    "sex_of_school": ["sex_of_school_description", "sex_of_school"],
}
FSM_NUMERATOR = [
    "number of pupils known to be eligible for free school meals",
    "number of pupils known to be eligible for and claiming free school meals",
    "fsm_eligible", "number_fsm_eligible", "fsm_eligible_pupils",
]
FSM_DENOMINATOR = ["number of pupils (used for FSM calculation)", "number of pupils used for fsm calculation"]
HEADCOUNT = ["headcount of pupils", "headcount of pupils (unrounded)", "headcount_total", "headcount",
             "total pupils", "num_pup_tot"]
ALIASES = {"urn": URN_ALIASES, "year": YEAR_ALIASES, **TEXT,
           "fsm": FSM_NUMERATOR, "fsm_base": FSM_DENOMINATOR, "pupils": HEADCOUNT}
LABELS = {"fsm": "FSM count", "fsm_base": "the pupils used for the FSM calculation", "pupils": "headcount"}


@source(SOURCE, "SPC school-level underlying data, any release, many years -> school_census + fsm indicator",
        "repaudit load spc spc_school_level_underlying_data_2022_23.csv")
def read(path, vintage=None, year=None, **_):
    table = read_csv_table(path)
    check_repeated_columns(table, uses(ALIASES, ["geographic_level"]), SOURCE)
    table, skipped, level_notes = schools_only(table)
    notes = table.notes + level_notes
    cols = resolve_columns(table, ALIASES, ["urn", "fsm", "pupils"], SOURCE)

    problems = RowProblems(table)
    problems.flag_overflow()
    urns = flag_bad_urns(problems, cols["urn"], notes)
    years = years_for(table, cols, year, problems, notes, SOURCE)
    base = "fsm_base" if "fsm_base" in cols else "pupils"
    for column in ("fsm", base, "pupils"):
        flag_unreadable(problems, cols[column], spelled(table, column))
    problems.flag_long_text(cols[[c for c in TEXT if c in cols]], {c: spelled(table, c) for c in TEXT if c in cols})
    for column in dict.fromkeys(("fsm", base, "pupils")):
        problems.flag_rule(cols[column], SCHOOL_PUPILS, LABELS[column])
    problems.flag_part(cols["fsm"], "FSM count", cols[base], LABELS[base])
    problems.flag_duplicates(pd.DataFrame({"urn": urns, "year": years}), "URN and year")
    keep = problems.ok

    census = pd.DataFrame({"urn": urns[keep].to_numpy(), "year": years[keep].to_numpy()})
    for name in TEXT:
        census[name] = column_values(cols, name, keep)
    census["pupils"] = parse_number(cols["pupils"][keep]).to_numpy()
    census["youngest_year_group"] = youngest_year_group(table, keep)
    census["year_groups"] = year_groups_with_pupils(table, keep)
    census["boarders"] = optional_number(table, BOARDERS, keep)
    census["hospital_school"] = optional_flag(table, HOSPITAL, keep)
    census["open_date"] = optional_date(table, OPEN_DATE, keep)
    indicators = fsm_rows(cols, keep, base, census, notes)
    notes.insert(0, f"FSM denominator: '{spelled(table, base)}'")
    return LoadResult(SOURCE, Path(path).name, vintage or vintage_from_name(path), len(table.frame) + skipped,
                      [TableRows("school_census", census, ["urn", "year"]),
                       TableRows("school_indicators", indicators, ["urn", "year", "indicator"])],
                      problems.rejects(), notes, rows_skipped=skipped, file_rows_loaded=int(keep.sum()))


def schools_only(table: RawTable) -> tuple[RawTable, int, list[str]]:
    """TABLE without rows whose geographic_level is not School (EES files may carry totals), with a note."""
    level = find_column(table.frame.columns, ["geographic_level"])
    if level is None:
        return table, 0, []
    other = table.frame[level].astype(str).str.strip().str.lower().ne("school").to_numpy()
    if not other.any():
        return table, 0, []
    levels = ", ".join(sorted(set(table.frame[level][other].astype(str))))
    note = f"{int(other.sum())} rows at geographic_level {levels} skipped: not schools"
    return without_rows(table, other), int(other.sum()), [note]


def fsm_rows(cols: pd.DataFrame, keep: np.ndarray, base: str, census: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """One 'fsm' indicator row per kept school-year; a suppressed count keeps its reason in missing_reason."""
    numerator, reason = numbers_with_reasons(cols["fsm"][keep])
    notes.extend(missing_note("FSM counts", reason))
    return pd.DataFrame({"urn": census["urn"], "year": census["year"], "indicator": "fsm", "numerator": numerator,
                         "denominator": parse_number(cols[base][keep]).to_numpy(), "missing_reason": reason})


YEAR_GROUP = re.compile(r"^(?:fulltime|parttime)(?:girls|boys)(reception|yeargroup(\d+))$")


def youngest_year_group(table: RawTable, keep: np.ndarray) -> np.ndarray:
    """The lowest national-curriculum year group with pupils (Reception = 0, Year 1 ... Year 14) from the
    headcounts by sex, full/part time and year group ('Full time girls Year group 7', ...); NaN where the
    file has no such columns. A school with none below Year 12 admits no Year 7 (a 16-19 school)."""
    groups = _year_group_columns(table)
    out = np.full(int(keep.sum()), np.nan)
    for group in sorted(groups, reverse=True):
        counts = sum(parse_number(table.frame[c][keep]).fillna(0).to_numpy() for c in groups[group])
        out = np.where(counts > 0, group, out)
    return out


BOARDERS = ["total boarders", "total_boarders", "boarders"]
HOSPITAL = ["hospital_school", "hospital school"]
OPEN_DATE = ["opendate", "open_date", "open date"]
COMPULSORY_GROUPS = range(0, 12)        # Reception to Year 11: the year groups that show a school growing in


def _year_group_columns(table: RawTable) -> dict[int, list[str]]:
    groups: dict[int, list[str]] = {}
    for column in table.frame.columns:
        found = YEAR_GROUP.match(normalise(column))
        if found:
            groups.setdefault(0 if found.group(1) == "reception" else int(found.group(2)), []).append(column)
    return groups


def year_groups_with_pupils(table: RawTable, keep: np.ndarray) -> np.ndarray:
    """How many of the year groups Reception to Year 11 have pupils (from the headcounts by year group); NaN
    where the file has none of those columns. A school with one or two is a new school growing in (or a
    school that admits at 14, which the entry rule already excludes)."""
    groups = _year_group_columns(table)
    if not any(g in groups for g in COMPULSORY_GROUPS):
        return np.full(int(keep.sum()), np.nan)
    count = np.zeros(int(keep.sum()))
    for group in COMPULSORY_GROUPS:
        if group in groups:
            count += sum(parse_number(table.frame[c][keep]).fillna(0).to_numpy() for c in groups[group]) > 0
    return count


def _optional(table: RawTable, aliases: list[str]):
    name = find_column(table.frame.columns, aliases)
    return None if name is None else table.frame[name]


def optional_number(table: RawTable, aliases: list[str], keep: np.ndarray) -> np.ndarray:
    """The column named by one of ALIASES as numbers (suppression tokens NaN), or NaN when the file lacks it."""
    values = _optional(table, aliases)
    return np.full(int(keep.sum()), np.nan) if values is None else parse_number(values[keep]).to_numpy()


def optional_flag(table: RawTable, aliases: list[str], keep: np.ndarray) -> np.ndarray:
    """A yes/no column ('Yes', '1', 'True') as True/False, None where blank or the file lacks it."""
    values = _optional(table, aliases)
    if values is None:
        return np.full(int(keep.sum()), None, dtype=object)
    text = values[keep].astype("string").str.strip().str.casefold()
    out = text.isin(["yes", "y", "1", "true"]).astype(object)
    return out.where(text.notna() & (text != ""), None).to_numpy()


def optional_date(table: RawTable, aliases: list[str], keep: np.ndarray) -> np.ndarray:
    """A date column (dd/mm/yyyy, dd-mm-yyyy or ISO) as dates, NaT where unreadable or the file lacks it."""
    values = _optional(table, aliases)
    if values is None:
        return np.full(int(keep.sum()), None, dtype=object)
    text = values[keep].astype("string").str.strip()
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    day_first = pd.to_datetime(text.str.replace("/", "-", regex=False), format="%d-%m-%Y", errors="coerce")
    return iso.fillna(day_first).dt.date.astype(object).where(iso.notna() | day_first.notna(), None).to_numpy()


def spelled(table: RawTable, canonical: str) -> str:
    """The file's own spelling of the column resolved as CANONICAL."""
    return find_column(table.frame.columns, [canonical, *ALIASES[canonical]])
