"""Residents by LSOA and age -> lsoa_population. Long tables (one row per LSOA and age band, as the Census
2021 custom-dataset download) and wide ones (one column per age or band, as NOMIS tables and ONS mid-year
estimates, sex-split F0..M90 columns summed) both give one row per LSOA, year and age band."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..errors import MissingColumnError, WrongSourceError
from ..warehouse import LoadResult, TableRows
from .age_bands import age_range, is_total, sex_split_age
from .geometry import looks_like_geometry_file
from .header import check_repeated_columns, uses
from .damage import refuse_mixed_vintages, refuse_pivot_blanks, undate_age_bands
from .lsoa_codes import (LSOA_CODE_ALIASES, clean_codes, codes_only_in, find_column, is_lsoa_code, lsoa_vintage,
                         vintage_from_header)
from .plausibility import LSOA_RESIDENTS
from .reader import missing_reason, normalise, parse_number, read_csv_table, resolve_columns
from .registry import source
from .row_checks import RowProblems

SOURCE = "population"
AGE_ALIASES = ["age_group", "age_band", "age", "Age group", "Age (6 categories)", "Age (18 categories)",
               "Age (23 categories)", "Age (91 categories)", "Age (101 categories)", "Age (5 categories)"]
VALUE_ALIASES = ["usual_residents", "Observation", "population", "residents", "count", "value", "persons"]


@source(SOURCE, "Residents by LSOA and age band: Census 2021 long table, or wide NOMIS/ONS tables (--year)",
        "repaudit load population census2021_lsoa21_usual_residents_by_age6.csv --year 2021")
def read(path, vintage=None, year=None, warehouse=None, **_):
    if looks_like_geometry_file(path):
        raise WrongSourceError(path, "is a geometry file, not a population table; polygons load with lsoa-boundaries")
    table = read_csv_table(path)
    renamed, band_notes = undate_age_bands(table.frame.columns)
    table.frame = table.frame.rename(columns=renamed)
    read_by_us = uses(LSOA_CODE_ALIASES, AGE_ALIASES, VALUE_ALIASES)
    check_repeated_columns(table, lambda name: read_by_us(name) or _age_column(name), SOURCE)
    cols = resolve_columns(table, {"lsoa": LSOA_CODE_ALIASES}, ["lsoa"], SOURCE)
    column = find_column(table.frame.columns, LSOA_CODE_ALIASES)
    refuse_pivot_blanks(table, column)
    codes = clean_codes(cols["lsoa"])
    year, year_notes = _year(table.path.name, year)
    notes = table.notes + band_notes + year_notes
    refuse_mixed_vintages(table.path, column, codes, vintage_from_header(column), table.line,
                          codes_only_in(2011, warehouse))
    lsoa_year, vintage_notes = lsoa_vintage(column, codes)
    if lsoa_year is None:
        lsoa_year = 2021 if year >= 2021 else 2011
        vintage_notes = [f"LSOA set not stated: {lsoa_year} codes assumed for a {year} population"]

    problems = RowProblems(table)
    problems.flag_overflow()
    problems.flag(~is_lsoa_code(codes), "'" + codes + "' is not an LSOA code (E01/W01 + 6 digits)")
    age_column = find_column(table.frame.columns, AGE_ALIASES)
    totals = np.zeros(len(codes), dtype=bool)
    if age_column:
        undated, more = undate_age_bands(table.frame[age_column].astype(str).str.strip().unique())
        table.frame[age_column] = table.frame[age_column].astype(str).str.strip().replace(undated)
        notes += more
        long, totals = _long(table, codes, age_column, problems)
    else:
        long = _wide(table, codes, problems)
    loaded = problems.ok & ~totals
    long = long[loaded[long["row"].to_numpy()]].drop(columns="row")
    frame = long.assign(lsoa_vintage=pd.array([lsoa_year] * len(long), dtype="Int64"), year=year)
    bands = frame.drop_duplicates("age_band")
    notes.append(f"{frame['lsoa'].nunique():,} LSOAs x {len(bands)} age bands: "
                 + ", ".join(bands["age_band"].head(8)) + (" ..." if len(bands) > 8 else ""))
    skipped = int((totals & problems.ok).sum())
    if skipped:
        notes.append(f"{skipped:,} all-ages total rows skipped: the bands are loaded, their total is not")
    return LoadResult(SOURCE, table.path.name, vintage or str(year), len(codes),
                      [TableRows("lsoa_population", frame, ["lsoa", "year", "age_band"])],
                      problems.rejects(), notes + vintage_notes, rows_skipped=skipped,
                      file_rows_loaded=int(loaded.sum()))


def _age_column(name: str) -> bool:
    """True for a column a wide table's age bands are read from ('Aged 5 to 9 years', '7', 'F5')."""
    return not is_total(name) and age_range(sex_split_age(name) or name) is not None


def _year(name: str, year: int | None) -> tuple[int, list[str]]:
    """--year, else 'census2021' / 'mid-2022' in the file name, else 2021 (Census 2021) with a note."""
    if year:
        return int(year), []
    hit = re.search(r"(?:census|mid)[\s_-]*(20\d\d)", name, re.I)
    if hit:
        return int(hit.group(1)), []
    return 2021, ["the file name gives no year: taken as 2021 (Census 2021); pass --year for another"]


def _long(table, codes, age_column, problems: RowProblems) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per LSOA and band; returns the rows and which of them are all-ages totals (skipped)."""
    value_column = find_column(table.frame.columns, VALUE_ALIASES)
    if value_column is None:
        raise MissingColumnError(table.path, [f"a count column ({', '.join(VALUE_ALIASES)})"],
                                 list(table.frame.columns), SOURCE)
    labels = table.frame[age_column].astype(str).str.strip()
    unique = labels.unique()
    ranges = labels.map(dict(zip(unique, map(age_range, unique))))
    totals = labels.map(dict(zip(unique, map(is_total, unique)))).to_numpy(dtype=bool)
    problems.flag(ranges.isna().to_numpy() & ~totals, "age band '" + labels + "' not understood; expected labels "
                                                       "like 'Aged 16 to 24 years', 'Aged 65 years and over' or '7'")
    problems.flag_bad_numbers(table.frame, value_column, value_column)
    value = parse_number(table.frame[value_column])
    problems.flag_rule(table.frame[value_column], LSOA_RESIDENTS, value_column)
    problems.flag_duplicates(pd.DataFrame({"lsoa": codes, "age_band": labels}), "LSOA and age band")
    return pd.DataFrame({
        "row": np.arange(len(codes)),
        "lsoa": codes.to_numpy(),
        "age_band": labels.to_numpy(),
        "age_min": pd.array([r[0] if r else None for r in ranges], dtype="Int64"),
        "age_max": pd.array([r[1] if r else None for r in ranges], dtype="Int64"),
        "population": value.to_numpy(),
    }), totals


def _wide(table, codes, problems: RowProblems) -> pd.DataFrame:
    """One column per age or band; sex-split columns (F5, M5) summed into one band per age."""
    bands: dict[tuple, dict] = {}
    for column in table.frame.columns:
        if is_total(column):
            continue
        age = sex_split_age(column)
        label = age if age is not None else column
        span = age_range(label)
        if span is None or normalise(column) in {normalise(a) for a in LSOA_CODE_ALIASES}:
            continue
        bands.setdefault(span, {"label": label.strip(), "columns": []})["columns"].append(column)
    if len(bands) < 2:
        raise MissingColumnError(table.path, ["an age column (e.g. age_group) with a count column, or one "
                                              "column per age band (e.g. 'Aged 4 years and under', '0'...'90+')"],
                                 list(table.frame.columns), SOURCE)
    pieces = []
    for (low, high), band in sorted(bands.items(), key=lambda kv: kv[0][0]):
        total = np.zeros(len(codes))
        for column in band["columns"]:
            problems.flag_bad_numbers(table.frame, column, column)
            value = parse_number(table.frame[column])
            total = total + value.to_numpy()
            problems.flag_rule(table.frame[column], LSOA_RESIDENTS, column)
        suppressed = missing_reason(table.frame[band["columns"][0]]).notna().to_numpy()
        pieces.append(pd.DataFrame({
            "row": np.arange(len(codes)), "lsoa": codes.to_numpy(), "age_band": band["label"],
            "age_min": pd.array([low] * len(codes), dtype="Int64"),
            "age_max": pd.array([high] * len(codes), dtype="Int64"),
            "population": np.where(suppressed, np.nan, total),
        }))
    problems.flag_duplicates(pd.DataFrame({"lsoa": codes}), "LSOA code")
    return pd.concat(pieces, ignore_index=True)
