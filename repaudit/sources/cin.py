"""Children in need at LA level and the child population that turns them into rates -> area_statistics.
One SOURCE, two EES-layout tables told apart by their columns:
- DfE 'Children in need' table B1 (b1_children_in_need_*.csv): measure 'cin_at31' from At31_episodes. Its
  time_period is the reporting year ending 31 March, so 2025 (31 March 2025) is academic year 2024.
- ONS mid-year estimates of children aged 0-17 prepared by DfE (ons_mid-year_population_estimates_*.csv):
  measure 'population_0_17'. Mid-year Y is stored as year Y: DfE divides CIN at 31 March Y+1 by the mid-Y
  population (checked: the 2025 CLA rate uses the mid-2024 estimate), so the same `year` pairs them.
Levels National, Regional and Local authority; suppression tokens (c, x, u, ...) keep their reason."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import MissingColumnError
from ..warehouse import LoadResult, TableRows
from .header import check_repeated_columns, uses
from .lsoa_codes import find_column
from .plausibility import AREA_COUNTS
from .reader import RawTable, academic_year, normalise, parse_number, read_csv_table, resolve_columns
from .registry import source
from .row_checks import RowProblems
from .school_keys import column_values, flag_unreadable, missing_note, numbers_with_reasons, without_rows

SOURCE = "cin"
CIN_VALUE = ["At31_episodes", "at31_episodes", "At31_children", "children_in_need_at_31_march"]
POPULATION_VALUE = ["population_estimate", "population_0_17", "children_aged_0_to_17"]
ALIASES = {
    "year": ["time_period"],
    "time_identifier": ["time_identifier"],
    "level": ["geographic_level"],
    "country_code": ["country_code"], "country_name": ["country_name"],
    "region_code": ["region_code"], "region_name": ["region_name"],
    "old_la_code": ["old_la_code"], "new_la_code": ["new_la_code"], "la_name": ["la_name"],
}
LEVELS = {  # geographic_level -> (column holding the area code, column holding its name)
    "National": ("country_code", "country_name"),
    "Regional": ("region_code", "region_name"),
    "Local authority": ("new_la_code", "la_name"),
}
FILTERS = {  # measure -> (column, the normalised values kept); other rows are another breakdown, skipped
    "cin_at31": (["category"], {"childreninneed"}),
    "population_0_17": (["age_group"], {"childrenaged0to17years", "0to17", "aged0to17", "017"}),
}


@source(SOURCE, "Children in need (EES table B1, at 31 March) or ONS 0-17 population, by LA -> area_statistics",
        "repaudit load cin b1_children_in_need_2013_to_2025.csv ons_mid-year_population_estimates_2012_to_2024.csv")
def read(path, vintage=None, **_):
    table = read_csv_table(path)
    check_repeated_columns(table, uses(ALIASES, CIN_VALUE, POPULATION_VALUE, ["category", "age_group"]), SOURCE)
    measure, value_column = which_measure(table)
    table, skipped, other_notes = other_rows(table, measure)
    notes = table.notes + other_notes
    cols = resolve_columns(table, ALIASES, ["year", "level"], SOURCE)
    level = cols["level"].astype(str).str.strip()

    problems = RowProblems(table)
    problems.flag_overflow()
    code, name = _area(cols, level)
    problems.flag(code.eq("").to_numpy(), "no area code for this " + level + " row")
    years = _years(cols, measure)
    problems.flag(years.isna().to_numpy(), "time_period '" + cols["year"].astype(str) + "' is not a year")
    values = table.frame[value_column]
    flag_unreadable(problems, values, value_column)
    problems.flag_long_text(cols)
    _flag_implausible(problems, values, value_column, measure, level)
    problems.flag_duplicates(pd.DataFrame({"area_code": code, "year": years}), "area and year")
    keep = problems.ok

    number, reason = numbers_with_reasons(values[keep])
    notes.extend(missing_note(f"{measure} values", reason))
    frame = pd.DataFrame({
        "level": level[keep].to_numpy(), "area_code": code[keep].to_numpy(),
        "old_la_code": column_values(cols, "old_la_code", keep), "name": name[keep].to_numpy(),
        "region": column_values(cols, "region_name", keep), "year": years[keep].to_numpy(),
        "measure": measure, "value": number, "missing_reason": reason,
    })
    notes.insert(0, _year_note(measure, cols, years, keep))
    label = vintage or _span(cols["year"][keep])
    return LoadResult(SOURCE, Path(path).name, label, len(table.frame) + skipped,
                      [TableRows("area_statistics", frame, ["area_code", "year", "measure"])],
                      problems.rejects(), notes, rows_skipped=skipped, file_rows_loaded=int(keep.sum()))


def _flag_implausible(problems: RowProblems, values: pd.Series, column: str, measure: str, level: pd.Series):
    """Counts of children checked by the rule for their measure and geographic level (plausibility.AREA_COUNTS)."""
    number = parse_number(values).to_numpy()
    for (rule_measure, rule_level), rule in AREA_COUNTS.items():
        if rule_measure == measure:
            rows = (level == rule_level).to_numpy()
            reasons = rule.reasons(column, values, number)
            problems.flag_reasons(np.where(rows, reasons, None))


def which_measure(table: RawTable) -> tuple[str, str]:
    """('cin_at31' or 'population_0_17', the file's value column), or MissingColumnError naming both kinds."""
    for measure, aliases in (("cin_at31", CIN_VALUE), ("population_0_17", POPULATION_VALUE)):
        column = find_column(table.frame.columns, aliases)
        if column is not None:
            return measure, column
    raise MissingColumnError(table.path, ["At31_episodes (children in need table B1) or population_estimate "
                                          "(ONS 0-17 population)"], list(table.frame.columns), SOURCE)


def other_rows(table: RawTable, measure: str) -> tuple[RawTable, int, list[str]]:
    """TABLE without rows of another breakdown (category, age group) or geographic level, with notes."""
    names, wanted = FILTERS[measure]
    checks = [(find_column(table.frame.columns, names), lambda v: v.map(normalise).isin(wanted), f"not {measure}"),
              (find_column(table.frame.columns, ALIASES["level"]), lambda v: v.str.strip().isin(LEVELS),
               "not a national, regional or LA figure")]
    skipped, notes = 0, []
    for column, usable, why in checks:
        if column is None:
            continue
        values = table.frame[column].astype(str)
        other = ~usable(values).to_numpy()
        if other.any():
            shown = ", ".join(sorted(set(values[other]))[:5])
            notes.append(f"{int(other.sum())} rows with {column} {shown} skipped: {why}")
            skipped += int(other.sum())
            table = without_rows(table, other)
    return table, skipped, notes


def _area(cols: pd.DataFrame, level: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Each row's area code and name, taken from the columns its geographic level uses."""
    code = pd.Series([""] * len(cols), dtype=object)
    name = pd.Series([None] * len(cols), dtype=object)
    for value, (code_column, name_column) in LEVELS.items():
        rows = (level == value).to_numpy()
        if code_column in cols:
            code[rows] = cols[code_column][rows].astype(str).str.strip().to_numpy()
        if name_column in cols:
            name[rows] = cols[name_column][rows].astype(str).str.strip().to_numpy()
    return code, name


def _years(cols: pd.DataFrame, measure: str) -> pd.Series:
    """Academic years: a CIN reporting year Y (31 March Y) is Y-1; a population mid-year Y stays Y."""
    years = academic_year(cols["year"])
    if measure == "cin_at31":
        identifier = cols["time_identifier"].astype(str).str.lower() if "time_identifier" in cols else None
        four_digits = cols["year"].astype(str).str.strip().str.fullmatch(r"\d{4}")
        reporting = four_digits if identifier is None else four_digits & ~identifier.str.contains("academic")
        years = years.where(~reporting.to_numpy(), years - 1)
    return years


def _year_note(measure: str, cols: pd.DataFrame, years: pd.Series, keep: np.ndarray) -> str:
    periods = cols["year"][keep].astype(str)
    if not len(periods):
        return f"{measure}: no rows"
    if measure == "cin_at31":
        return (f"cin_at31: reporting years {periods.min()}-{periods.max()} (at 31 March) stored as academic "
                f"years {years[keep].min()}-{years[keep].max()}")
    return (f"population_0_17: mid-year {periods.min()}-{periods.max()} stored as years "
            f"{years[keep].min()}-{years[keep].max()} (mid-year Y is the denominator DfE uses for CIN at 31 March Y+1)")


def _span(periods: pd.Series) -> str | None:
    if not len(periods):
        return None
    low, high = periods.astype(str).min(), periods.astype(str).max()
    return low if low == high else f"{low}-{high}"
