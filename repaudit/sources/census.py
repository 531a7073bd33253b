"""The performance-tables census file (england_census.csv) of any year -> school_indicators 'fsm',
'sen_support' and 'ehcp', all over the roll NOR of the same January census day.

The file drifts between releases; every drift below is read the same way whatever the year:
- 2017/18 gives FSM as a percentage only (PNUMFSM, one decimal): the count is NOR x PNUMFSM / 100 rounded
  to the nearest whole pupil (see fsm_from_percentage for when more than one count fits);
- no SCHOOLTYPE in 2017/18: independent schools are told by their DfE establishment number (6000-6999);
- FSM is not collected for independent schools: their 0, '0%', 'NA' or blank FSM is not applicable, never a
  zero (2021/22 writes not-applicable as 0 in 2,841 rows that also stop two fields short);
- a school with no pupils on roll (NOR 0) keeps its counts over a roll of 0: the audit reads no rate from it;
- '%' on percentages from 2021/22, ESTAB spelled 'Estab' from 2022/23, DfE's misspelt PNUMUNCLF in 2023/24
  and NORFSMEVER from 2022/23 are recognised and used only to recognise the release.
The file has no year column: the year is --year, else the academic year in the file name, else the release
whose layout the header matches. Where the warehouse already holds FSM for the same year from another file
(the SPC), every school in both is compared and the disagreements reported."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputFileError
from ..warehouse import LoadResult, TableRows
from .header import check_repeated_columns, normalise, uses
from .lsoa_codes import find_column
from .plausibility import SCHOOL_PUPILS
from .reader import RawTable, parse_number, read_csv_table, resolve_columns
from .registry import source
from .row_checks import RowProblems
from .school_keys import (URN_ALIASES, flag_bad_urns, flag_unreadable, missing_note, numbers_with_reasons,
                          vintage_from_name, without_rows)
from .sen import without_summary_rows

SOURCE = "census"
ALIASES = {
    "urn": URN_ALIASES,
    "la": ["LA"],
    "estab": ["ESTAB", "Estab"],
    "school_type": ["SCHOOLTYPE"],
    "pupils": ["NOR"],
    "sen_support": ["TSENELK"],
    "ehcp": ["TSENELSE"],
    "fsm": ["NUMFSM"],
    "fsm_percent": ["PNUMFSM"],
    "fsm_ever": ["NUMFSMEVER"],
}
LABELS = {"pupils": "NOR", "sen_support": "TSENELK", "ehcp": "TSENELSE", "fsm": "NUMFSM",
          "fsm_percent": "PNUMFSM"}
INDEPENDENT_ESTABS = (6000, 6999)          # DfE establishment numbers of independent schools
NOT_COLLECTED = "not applicable (independent school: FSM is not collected)"
INDICATORS = ("fsm", "sen_support", "ehcp")


def _has(header, name) -> bool:
    return normalise(name) in {normalise(h) for h in header}


def _percent_signs(table: RawTable) -> bool:
    column = find_column(table.frame.columns, ["PNORG", "PSENELK"])
    return column is not None and table.frame[column].astype(str).str.endswith("%").any()


LAYOUTS = [   # (year, what marks the release); the first that matches a header with NUMFSMEVER names the year
    (2023, "DfE's misspelt PNUMUNCLF", lambda t, h: _has(h, "PNUMUNCLF")),
    (2022, "NORFSMEVER with PNUMUNCFL", lambda t, h: _has(h, "NORFSMEVER")),
    (2021, "'%' on percentages, no NORFSMEVER", lambda t, h: _percent_signs(t)),
    (2018, "an FSM count, percentages without '%', no NORFSMEVER", lambda t, h: _has(h, "NUMFSM")),
    (2017, "FSM as a percentage only (PNUMFSM), no SCHOOLTYPE", lambda t, h: _has(h, "PNUMFSM")),
]


def tag(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def layout_year(table: RawTable) -> tuple[int, str] | None:
    """The release whose layout TABLE's header matches, and what marks it; None when none does."""
    header = list(table.frame.columns)
    if not _has(header, "NUMFSMEVER"):
        return None
    for year, marks, test in LAYOUTS:
        if test(table, header):
            return year, marks
    return None


def census_year(table: RawTable, year: int | None, notes: list[str]) -> int:
    """The academic year (first calendar year) of the file: --year, else its name, else its layout; a note
    says which, and when the name and the layout disagree."""
    named = vintage_from_name(table.path)
    from_name = int(named[:4]) if named and "/" in named else None
    layout = layout_year(table)
    if year is not None:
        notes.append(f"year {tag(year)} (January {year + 1} census) from --year")
        return year
    if from_name is not None:
        notes.append(f"year {tag(from_name)} (January {from_name + 1} census) from the file name")
        if layout and layout[0] != from_name:
            notes.append(f"the header looks like the {tag(layout[0])} release ({layout[1]}), not {tag(from_name)}: "
                         "check the file, or give --year")
        return from_name
    if layout is None:
        raise InputFileError(table.path, "does not say its year (no year in its name, and its header matches no "
                             "known release): pass the academic year with --year, e.g. `repaudit load census "
                             f"--year 2022 {table.path.name}` for the January 2023 census")
    notes.append(f"year {tag(layout[0])} (January {layout[0] + 1} census) from the header's layout ({layout[1]}: "
                 "the one release seen with it); give --year if the file is of another year")
    return layout[0]


def independent(cols: pd.DataFrame) -> np.ndarray:
    """True for independent schools: SCHOOLTYPE says so; without SCHOOLTYPE (2017/18), a DfE establishment number
    in 6000-6999 with no FSM at all (0 or blank) and no FSM-ever count, since some 250 state-funded secondaries
    (free schools, UTCs, studio schools) also have numbers in 6000-6999 (checked on the 2018/19 file)."""
    if "school_type" in cols:
        return cols["school_type"].astype(str).str.strip().str.lower().str.startswith("independent").to_numpy()
    if "estab" not in cols:
        return np.zeros(len(cols), dtype=bool)
    number = parse_number(cols["estab"]).to_numpy()
    range_ = (number >= INDEPENDENT_ESTABS[0]) & (number <= INDEPENDENT_ESTABS[1])
    fsm = parse_number(cols["fsm" if "fsm" in cols else "fsm_percent"]).fillna(0).to_numpy() == 0
    no_ever = parse_number(cols["fsm_ever"]).isna().to_numpy() if "fsm_ever" in cols else True
    return range_ & fsm & no_ever


def fsm_from_percentage(percent: np.ndarray, pupils: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """FSM counts from a percentage published to one decimal: NOR x PNUMFSM / 100 rounded half up to a whole
    pupil. Also, per school, how many whole counts k give the same published percentage (round(100 k / NOR, 1)
    = PNUMFSM): 1 for rolls under 1,000; more for larger rolls, where the count is known to +-NOR/2000."""
    with np.errstate(invalid="ignore"):
        exact = pupils * percent / 100.0
        count = np.floor(exact + 0.5 + 1e-9)
        low = np.ceil(pupils * (percent - 0.05) / 100.0 - 1e-9)
        high = np.floor(pupils * (percent + 0.05) / 100.0 + 1e-9)
        fits = np.where(np.isfinite(exact), np.maximum(high - low + 1, 0), np.nan)
    return count, fits


@source(SOURCE, "Performance-tables census file, any year: FSM, SEN support, EHC plans, roll",
        "repaudit load census performance_tables_england_census_2022_23.csv")
def read(path, vintage=None, year=None, warehouse=None, **_):
    table = read_csv_table(path)
    check_repeated_columns(table, uses(ALIASES), SOURCE)
    table, skipped, summary_notes = without_summary_rows(table)
    table, repeats, repeat_notes = without_repeated_rows(table)
    skipped += repeats
    notes = table.notes + summary_notes + repeat_notes
    cols = resolve_columns(table, ALIASES, ["urn", "pupils", "sen_support", "ehcp"], SOURCE)
    if "fsm" not in cols and "fsm_percent" not in cols:
        resolve_columns(table, ALIASES, ["fsm"], SOURCE)
    year = census_year(table, year, notes)
    if table.short_rows:
        notes.append(f"{table.short_rows:,} rows stop short of the header (fields at the end absent): read as missing")
    problems = RowProblems(table)
    problems.flag_overflow()
    urns = flag_bad_urns(problems, cols["urn"])
    fsm_column = "fsm" if "fsm" in cols else "fsm_percent"
    counts = ("pupils", "sen_support", "ehcp") + ((fsm_column,) if fsm_column == "fsm" else ())
    for name in ("pupils", "sen_support", "ehcp", fsm_column):
        flag_unreadable(problems, cols[name], find_column(table.frame.columns, [name, *ALIASES[name]]))
    for name in counts:
        problems.flag_rule(cols[name], SCHOOL_PUPILS, LABELS[name])
    for name in counts[1:]:
        problems.flag_part(cols[name], LABELS[name], cols["pupils"], "NOR")
    if fsm_column == "fsm_percent":
        percent = parse_number(cols["fsm_percent"]).to_numpy()
        problems.flag((percent < 0) | (percent > 100), "PNUMFSM '" + cols["fsm_percent"].astype(str)
                      + "' is not a percentage between 0 and 100")
    problems.flag_duplicates(pd.DataFrame({"urn": urns}), "URN")
    keep = problems.ok

    pupils = parse_number(cols["pupils"][keep]).to_numpy()
    private = independent(cols)[keep]
    frames = []
    for name in INDICATORS:
        if name == "fsm":
            count, reason = fsm_values(cols, keep, pupils, notes)
            count, reason = np.where(private, np.nan, count), np.where(private, NOT_COLLECTED, reason)
        else:
            count, reason = numbers_with_reasons(cols[name][keep])
        reason = np.where(pd.isna(reason), None, reason).astype(object)
        frames.append(pd.DataFrame({"urn": urns[keep].to_numpy(), "year": year, "indicator": name,
                                    "numerator": count, "denominator": pupils, "missing_reason": reason}))
        notes.extend(missing_note(f"{name} counts", reason))
    frame = pd.concat(frames, ignore_index=True)
    frame["year"] = frame["year"].astype("int64")
    notes.extend(check_against_stored(warehouse, frame, year, Path(path).name))
    return LoadResult(SOURCE, Path(path).name, vintage or tag(year), len(table.frame) + skipped,
                      [TableRows("school_indicators", frame, ["urn", "year", "indicator"])],
                      problems.rejects(), notes, rows_skipped=skipped, file_rows_loaded=int(keep.sum()))


def without_repeated_rows(table: RawTable) -> tuple[RawTable, int, list[str]]:
    """TABLE without rows that repeat an earlier row in every field (the 2017/18 file lists URN 141353 twice):
    they add nothing, so they are skipped with a note naming them, not rejected."""
    repeated = table.frame.duplicated(keep="first").to_numpy()
    if not repeated.any():
        return table, 0, []
    lines = ", ".join(str(n) for n in table.line[repeated][:6])
    count = int(repeated.sum())
    note = f"{count} row{'s' if count > 1 else ''} repeating an earlier row in every field skipped, on rows {lines}"
    return without_rows(table, repeated), int(repeated.sum()), [note]


def fsm_values(cols: pd.DataFrame, keep: np.ndarray, pupils: np.ndarray, notes: list[str]):
    """FSM counts and missing reasons: NUMFSM as it is, or counts made from PNUMFSM with the rounding noted."""
    if "fsm" in cols:
        return numbers_with_reasons(cols["fsm"][keep])
    percent, reason = numbers_with_reasons(cols["fsm_percent"][keep])
    count, fits = fsm_from_percentage(percent, pupils)
    made = np.isfinite(count) & (pupils > 0)
    several = int((fits[made] > 1).sum())
    none = int((fits[made] == 0).sum())
    notes.append(f"FSM counts made from the percentage PNUMFSM (one decimal) for {int(made.sum()):,} schools: "
                 "NOR x PNUMFSM / 100 rounded half up to a whole pupil. The percentage is of the performance "
                 "tables' FSM base (pupils of compulsory school age), not of NOR, so the count is an estimate "
                 f"(no whole count over NOR gives the published percentage for {none:,} schools; more than one does "
                 f"for {several:,}): 2017/18 FSM is marked as a definition break (docs/methodology.md)")
    return count, reason


def check_against_stored(warehouse, frame: pd.DataFrame, year: int, name: str) -> list[str]:
    """Notes comparing FSM counts and rolls with those the warehouse holds for the same year from another file
    (the SPC of the same census day): how many schools agree, and the first that do not."""
    if warehouse is None:
        return []
    stored = warehouse.con.execute(
        "select urn, numerator as stored_fsm, denominator as stored_pupils, source_file from school_indicators "
        "where indicator = 'fsm' and year = ? and source_file <> ? and numerator is not null", [year, name]).df()
    if stored.empty:
        return []
    mine = frame[(frame["indicator"] == "fsm") & frame["numerator"].notna()]
    both = mine.merge(stored, on="urn")
    if both.empty:
        return []
    files = ", ".join(sorted(set(both["source_file"])))
    fsm_differs = both[both["numerator"] != both["stored_fsm"]]
    roll_differs = both[both["denominator"] != both["stored_pupils"]]
    lines = [f"checked against {files} (same year): FSM counts equal for {len(both) - len(fsm_differs):,} of "
             f"{len(both):,} schools in both, rolls equal for {len(both) - len(roll_differs):,}"]
    for label, rows, a, b in (("FSM", fsm_differs, "numerator", "stored_fsm"),
                              ("roll", roll_differs, "denominator", "stored_pupils")):
        if len(rows):
            shown = "; ".join(f"URN {int(r.urn)}: {r[a]:g} here, {r[b]:g} there" for _, r in rows.head(5).iterrows())
            lines.append(f"{label} differs for {len(rows):,} schools ({shown}{'; ...' if len(rows) > 5 else ''}); "
                         "this file's values replace the stored ones")
    return lines
