"""English Indices of Deprivation (IoD2019 on 2011 LSOAs, IoD2025 on 2021 LSOAs) -> lsoa_deprivation.
Any IoD file, CSV or the official .xlsx: File 7 / 7a (scores), File 1-3 (ranks and deciles).
Measures idaci, imd and income are found by their column names in any release; IDACI and income scores
are stored as 0-1 proportions, the scale decided for each column as a whole and said in a note (a few values
outside it reject their rows; a column fitting neither scale is refused). Ranks, deciles and IMD scores outside
their range reject the row (plausibility.py).
Rows merge by (lsoa, year, measure), so loading File 3 (ranks) and File 7 (scores) in either order keeps both."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputFileError, MissingColumnError, WrongSourceError
from ..warehouse import LoadResult, TableRows
from .geometry import looks_like_geometry_file
from .header import check_repeated_columns, uses
from .damage import refuse_mixed_vintages, refuse_pivot_blanks
from .lsoa_codes import (LSOA_CODE_ALIASES, NAMED_LSOA_CODE_ALIASES, clean_codes, codes_only_in, find_column,
                         is_lsoa_code, lsoa_vintage, vintage_from_header)
from .plausibility import DECILE, IMD_SCORE, RANK, SCORE_SHARE, as_proportions
from .reader import normalise, parse_number, read_csv_table, resolve_columns
from .registry import source
from .row_checks import RowProblems
from .spreadsheet import is_xlsx, read_xlsx_table

SOURCE = "iod"
LAD_ALIASES = [f"Local Authority District code ({y})" for y in (2019, 2024, 2023, 2021, 2025, 2015)] + [
    "LAD19CD", "LAD24CD", "LAD21CD", "lad_code", "la_code"]
RATE_MEASURES = {"idaci", "income"}          # scores that are proportions (a 0-100 file is divided by 100)
PARTS = ("score", "rank", "decile")


@source(SOURCE, "English Indices of Deprivation (CSV or .xlsx): IDACI, IMD, income score/rank/decile by LSOA",
        "repaudit load iod File_7_-_All_IoD2019_Scores__Ranks__Deciles_and_Population_Denominators.csv")
def read(path, vintage=None, year=None, warehouse=None, **_):
    if looks_like_geometry_file(path):
        raise WrongSourceError(path, "is a geometry file, not an IoD table; polygons load with lsoa-boundaries")
    table = read_xlsx_table(path, _has_lsoa_codes) if is_xlsx(path) else read_csv_table(path)
    read_by_us = uses({"lsoa": LSOA_CODE_ALIASES, "la_code": LAD_ALIASES})
    check_repeated_columns(table, lambda name: read_by_us(name) or measure_of(name) is not None, SOURCE)
    cols = resolve_columns(table, {"lsoa": LSOA_CODE_ALIASES, "la_code": LAD_ALIASES}, ["lsoa"], SOURCE)
    found = measure_columns(table.frame.columns)
    if not found:
        raise MissingColumnError(table.path, ["an IDACI, IMD or Income score, rank or decile column"],
                                 list(table.frame.columns), SOURCE)
    edition = year or edition_from_name(table.path, table.frame.columns)
    column = find_column(table.frame.columns, LSOA_CODE_ALIASES)
    refuse_pivot_blanks(table, column)
    codes = clean_codes(cols["lsoa"])
    refuse_mixed_vintages(table.path, column, codes, vintage_from_header(column), table.line,
                          codes_only_in(2011, warehouse))
    lsoa_year, vintage_notes = lsoa_vintage(column, codes)
    notes = table.notes + vintage_notes

    problems = RowProblems(table)
    problems.flag_overflow()
    problems.flag(~is_lsoa_code(codes), "'" + codes + "' is not an LSOA code (E01/W01 + 6 digits)")
    problems.flag_long_text(cols.drop(columns=["lsoa"]), {"la_code": find_column(table.frame.columns, LAD_ALIASES)})
    for (measure, part), column in found.items():
        problems.flag_bad_numbers(table.frame, column, column)
    scores = {measure: _checked(table, column, measure, part, problems, notes)
              for (measure, part), column in found.items() if part == "score"}
    for (measure, part), column in found.items():
        if part != "score":
            problems.flag_rule(table.frame[column], RANK if part == "rank" else DECILE, column)
    problems.flag_duplicates(pd.DataFrame({"lsoa": codes}), "LSOA code")
    keep = problems.ok

    mixed = codes[keep].str[0].nunique() > 1
    frames = []
    for measure in sorted({m for m, _ in found}):
        values = {part: _values(table, found, measure, part, keep, notes, mixed, scores) for part in PARTS}
        frames.append(pd.DataFrame({
            "lsoa": codes[keep].to_numpy(),
            "lsoa_vintage": pd.array([lsoa_year] * int(keep.sum()), dtype="Int64"),
            "year": edition,
            "measure": measure,
            **values,
            "la_code": cols["la_code"][keep].str.strip().to_numpy() if "la_code" in cols else None,
        }))
    frame = pd.concat(frames, ignore_index=True)
    names = sorted({m for m, _ in found})
    measures = ", ".join(f"{m} ({'/'.join(p for p in PARTS if (m, p) in found)})" for m in names)
    plural = "s" if len(frames) > 1 else ""
    notes.insert(0, f"IoD{edition}: {int(keep.sum()):,} LSOAs x {len(frames)} measure{plural} = {len(frame):,} rows: "
                    f"{measures}")
    return LoadResult(SOURCE, table.path.name, vintage or f"IoD{edition}", len(codes),
                      [TableRows("lsoa_deprivation", frame, ["lsoa", "year", "measure"], merge=True)],
                      problems.rejects(), notes, file_rows_loaded=int(keep.sum()))


def _has_lsoa_codes(header: list[str]) -> bool:
    return find_column(header, NAMED_LSOA_CODE_ALIASES) is not None


def measure_of(column: str) -> tuple[str, str] | None:
    """(measure, part) a column holds, e.g. 'IDACI Score' -> ('idaci', 'score'); None for other columns."""
    key = normalise(column)
    part = next((p for p in PARTS if p in key), None)
    if part is None:
        return None
    if "idaci" in key or "affectingchildren" in key:
        return "idaci", part
    if "idaopi" in key or "affectingolder" in key:
        return None
    if "indexofmultipledeprivation" in key or key.startswith("imd"):
        return "imd", part
    if key.startswith("income"):
        return "income", part
    return None


def measure_columns(columns) -> dict[tuple[str, str], str]:
    """The first column found for each (measure, part)."""
    found: dict[tuple[str, str], str] = {}
    for column in columns:
        which = measure_of(column)
        if which and which not in found:
            found[which] = column
    return found


def edition_from_name(path: Path, columns) -> int:
    """The IoD edition year from the file name ('IoD2019', 'IMD2019', 'iod_2025') or a column name."""
    for text in [path.name, *columns]:
        hit = re.search(r"(?:iod|imd|idaci|indices)[\s_-]*(20\d\d)", str(text), re.I)
        if hit:
            return int(hit.group(1))
    raise InputFileError(path, "does not say which IoD edition it is (no 'IoD2019' or 'IoD2025' in its name or "
                               "columns); pass --year 2019 (LSOA 2011 codes) or --year 2025 (LSOA 2021 codes)")


def _checked(table, column: str, measure: str, part: str, problems: RowProblems, notes: list[str]) -> np.ndarray:
    """A score column's numbers for every row: IDACI and income as 0-1 proportions (scale decided on the whole
    column, noted), the IMD score within 0-100; rows breaking the rule are flagged."""
    text = table.frame[column]
    number = parse_number(text).to_numpy()
    if measure not in RATE_MEASURES:
        problems.flag_reasons(IMD_SCORE.reasons(column, text, number))
        return number
    scaled = as_proportions(table.path, column, text, number, SCORE_SHARE)
    problems.flag_reasons(scaled.reasons)
    if scaled.note:
        notes.append(scaled.note)
    return scaled.values


def _values(table, found, measure, part, keep, notes, mixed, scores):
    column = found.get((measure, part))
    if column is None:
        return pd.array([pd.NA] * int(keep.sum()), dtype="Float64" if part == "score" else "Int64")
    number = parse_number(table.frame[column])[keep]
    if part == "score":
        return scores[measure][keep]
    if mixed:
        notes.append(f"'{column}' ignored: ranks and deciles in a file mixing English and Welsh LSOAs are not "
                     "the official (England-only) ones")
        return pd.array([pd.NA] * int(keep.sum()), dtype="Int64")
    return pd.array(np.round(number.to_numpy()), dtype="Int64")
