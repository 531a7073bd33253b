"""GIAS establishments (edubasealldataYYYYMMDD.csv, or any GIAS download holding URN and EstablishmentName)
-> schools. Original headers ('LA (code)', 'PercentageFSM', ...) or the snake_case names of re-saved extracts;
any subset of the ~140 columns. PercentageFSM (0-100) is stored as a proportion; a URN repeated in one
file keeps its first row and sends the others to rejects, as do implausible pupil numbers, capacities and
percentages (plausibility.py) and names over 1,000 characters."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..warehouse import LoadResult, TableRows
from .coordinates import check_school_coordinates
from .header import check_repeated_columns, uses
from .plausibility import PERCENTAGE_FSM, SCHOOL_PLACES, SCHOOL_PUPILS, STATUTORY_AGE, as_proportions
from .reader import bad_numbers, column_labels, parse_number, read_csv_table, resolve_columns
from .registry import source
from .row_checks import RowProblems
from .school_keys import URN_ALIASES, column_values, flag_bad_urns, known_dates, vintage_from_name

SOURCE = "gias"
TEXT = {
    "name": ["EstablishmentName", "establishment_name", "school_name"],
    "la_code": ["LA (code)", "la_code", "old_la_code"],
    "la_name": ["LA (name)", "la_name"],
    "lad_code": ["DistrictAdministrative (code)", "district_administrative_code", "lad_code"],
    "region": ["GOR (name)", "gor_name", "region_name", "region"],
    "type": ["TypeOfEstablishment (name)", "establishment_type", "type_of_establishment"],
    "type_group": ["EstablishmentTypeGroup (name)", "establishment_type_group"],
    "status": ["EstablishmentStatus (name)", "establishment_status"],
    "phase": ["PhaseOfEducation (name)", "education_phase", "phase_of_education"],
    "admissions_policy": ["AdmissionsPolicy (name)", "admissions_policy"],
    "religious_character": ["ReligiousCharacter (name)", "religious_character"],
    "gender": ["Gender (name)", "gender"],
    "lsoa": ["LSOA (code)", "lsoa_code", "lsoa"],
    "trust_code": ["Trusts (code)", "trusts_code", "trust_code"],
    "trust_name": ["Trusts (name)", "trusts_name", "trust_name"],
}
NUMBERS = {
    "pupils": ["NumberOfPupils", "number_of_pupils"],
    "pct_fsm": ["PercentageFSM", "percentage_fsm"],
    "capacity": ["SchoolCapacity", "school_capacity"],
    "statutory_low_age": ["StatutoryLowAge", "statutory_low_age"],
    "statutory_high_age": ["StatutoryHighAge", "statutory_high_age"],
    "easting": ["Easting"],
    "northing": ["Northing"],
}
DATES = {"open_date": ["OpenDate", "open_date"], "close_date": ["CloseDate", "close_date"]}
ALIASES = {"urn": URN_ALIASES, **TEXT, **NUMBERS, **DATES}


@source(SOURCE, "GIAS establishments (edubasealldataYYYYMMDD.csv; original or snake_case headers) -> schools",
        "repaudit load gias edubasealldata20250524.csv")
def read(path, vintage=None, **_):
    table = read_csv_table(path)
    check_repeated_columns(table, uses(ALIASES), SOURCE)
    cols = resolve_columns(table, ALIASES, ["urn", "name"], SOURCE)
    labels = column_labels(table, ALIASES, cols)
    notes = table.notes
    if table.ragged_rows:
        notes.append(f"rows with more fields than the header: {table.ragged_rows:,}; their extra trailing fields "
                     "(unnamed, e.g. further linked establishments) were ignored")
    problems = RowProblems(table)
    urns = flag_bad_urns(problems, cols["urn"], notes)
    problems.flag(cols["name"].astype(str).str.strip().eq("").to_numpy(), "EstablishmentName is empty")
    problems.flag_long_text(cols[[c for c in TEXT if c in cols]], labels)
    for name, rule in (("pupils", SCHOOL_PUPILS), ("capacity", SCHOOL_PLACES), ("statutory_low_age", STATUTORY_AGE),
                       ("statutory_high_age", STATUTORY_AGE)):
        if name in cols:
            problems.flag_rule(cols[name], rule, labels[name])
    fsm_share = _fsm_share(table.path, cols, labels, problems, notes)
    problems.flag_duplicates(pd.DataFrame({"urn": urns}), "URN")
    cols = check_school_coordinates(cols, problems, notes)
    keep = problems.ok

    frame = pd.DataFrame({"urn": urns[keep].to_numpy()})
    for name in TEXT:
        frame[name] = column_values(cols, name, keep)
    for name in NUMBERS:
        frame[name] = _number(cols, name, keep, notes)
    for name in DATES:
        frame[name] = known_dates(cols[name][keep], DATES[name][0], notes, table.path, table.line[keep]) if name in cols else None
    for name in ("pupils", "capacity", "statutory_low_age", "statutory_high_age"):
        frame[name] = frame[name].round().astype("Int64")
    if fsm_share is not None:
        frame["pct_fsm"] = fsm_share[keep]
    return LoadResult(SOURCE, Path(path).name, vintage or vintage_from_name(path), len(table.frame),
                      [TableRows("schools", frame, ["urn"])], problems.rejects(), notes)


def _fsm_share(path, cols: pd.DataFrame, labels: dict[str, str], problems: RowProblems, notes: list[str]):
    """PercentageFSM as proportions; rows outside 0-100 rejected (None when the file lacks the column)."""
    if "pct_fsm" not in cols:
        return None
    scaled = as_proportions(path, labels["pct_fsm"], cols["pct_fsm"], parse_number(cols["pct_fsm"]).to_numpy(),
                            PERCENTAGE_FSM)
    problems.flag_reasons(scaled.reasons)
    if pd.notna(scaled.reasons).any():
        notes.append(scaled.note)
    return scaled.values


def _number(cols: pd.DataFrame, name: str, keep: np.ndarray, notes: list[str]):
    """Numbers of an optional column; a cell that is not a number is stored empty and counted in a note."""
    if name not in cols:
        return np.full(int(keep.sum()), np.nan)
    cells = cols[name][keep]
    bad = bad_numbers(cells)
    if bad.any():
        first = cells[bad].iloc[0]
        notes.append(f"{int(bad.sum())} {NUMBERS[name][0]} cells are not numbers (e.g. '{first}'): stored empty")
    return parse_number(cells).to_numpy()

