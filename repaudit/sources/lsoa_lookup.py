"""ONS LSOA lookups -> lsoa_lookup. The 2011->2021 lookup (CHGIND U/S/M/X, LAD) is stored as published.
A lookup with no 2021 codes (LSOA11 -> CCG -> LAD21) gives each 2011 LSOA its LAD only: it is stored with
lsoa21 = lsoa11 and chgind NULL, merged so that it never erases a CHGIND or 2021 code already loaded.
Translate 2011 -> 2021 with the rows whose chgind is set; rows with chgind NULL carry the LAD alone."""
from __future__ import annotations

import re

import pandas as pd

from ..errors import WrongSourceError
from ..warehouse import LoadResult, TableRows
from .geometry import looks_like_geometry_file
from .lsoa_codes import clean_codes, find_column, is_lsoa_code, only_in_2021
from .header import check_repeated_columns, uses
from .reader import read_csv_table, resolve_columns
from .registry import source
from .row_checks import RowProblems

SOURCE = "lsoa-lookup"
LAD_YEARS = ["24", "23", "22", "21", "20", "19"]
ALIASES = {
    "lsoa11": ["F_LSOA11CD", "LSOA11CD", "lsoa11_code", "LSOA code (2011)", "lsoa11"],
    "lsoa21": ["LSOA21CD", "lsoa21_code", "LSOA code (2021)", "lsoa21"],
    "chgind": ["CHGIND", "change_indicator"],
    "lad_code": [f"LAD{y}CD" for y in LAD_YEARS] + ["lad_code", "LAD code"],
    "lad_name": [f"LAD{y}NM" for y in LAD_YEARS] + ["lad_name", "LAD name"],
}
CHANGES = {"U": "unchanged", "S": "split", "M": "merged", "X": "irregular"}


@source(SOURCE, "ONS LSOA 2011 -> 2021 lookup with CHGIND and LAD (or an LSOA 2011 -> LAD lookup)",
        "repaudit load lsoa-lookup LSOA11_to_LSOA21_to_LAD22_Lookup_EW.csv")
def read(path, vintage=None, **_):
    if looks_like_geometry_file(path):
        raise WrongSourceError(path, "is a geometry file, not a lookup table; polygons load with lsoa-boundaries")
    table = read_csv_table(path)
    check_repeated_columns(table, uses(ALIASES), SOURCE)
    cols = resolve_columns(table, ALIASES, ["lsoa11"], SOURCE)
    lad_only = "lsoa21" not in cols
    if lad_only:
        resolve_columns(table, ALIASES, ["lsoa11", "lad_code"], SOURCE)
    lsoa11 = clean_codes(cols["lsoa11"])
    lsoa21 = lsoa11 if lad_only else clean_codes(cols["lsoa21"])
    chgind = (pd.Series([None] * len(lsoa11), dtype=object) if lad_only
              else cols["chgind"].astype(str).str.strip().str.upper() if "chgind" in cols else None)

    problems = RowProblems(table)
    problems.flag_overflow()
    problems.flag(~is_lsoa_code(lsoa11), "LSOA 2011 code '" + lsoa11 + "' is not an LSOA code")
    problems.flag(~is_lsoa_code(lsoa21), "LSOA 2021 code '" + lsoa21 + "' is not an LSOA code")
    problems.flag(only_in_2021(lsoa11), "LSOA 2011 code " + lsoa11 + " exists only in the 2021 LSOA set (2011 "
                  "codes end at E01033768 and W01001958): are the 2011 and 2021 columns the wrong way round?")
    if chgind is not None and not lad_only:
        problems.flag(~chgind.isin(CHANGES).to_numpy(), "CHGIND '" + chgind + "' is not one of U, S, M, X")
    problems.flag_duplicates(pd.DataFrame({"lsoa11": lsoa11, "lsoa21": lsoa21}), "LSOA 2011 -> 2021 pair")
    if chgind is not None and not lad_only:
        _flag_unchanged(problems, lsoa11, lsoa21, chgind)
    keep = problems.ok

    frame = pd.DataFrame({
        "lsoa11": lsoa11[keep].to_numpy(),
        "lsoa21": lsoa21[keep].to_numpy(),
        "chgind": chgind[keep].to_numpy() if chgind is not None else None,
        "lad_code": cols["lad_code"][keep].str.strip().to_numpy() if "lad_code" in cols else None,
        "lad_name": cols["lad_name"][keep].str.strip().to_numpy() if "lad_name" in cols else None,
    })
    lad_column = find_column(table.frame.columns, ALIASES["lad_code"])
    lad_year = re.search(r"(\d\d)CD$", lad_column or "", re.I)
    label = vintage or (f"LAD20{lad_year.group(1)}" if lad_year else None)
    notes = table.notes + _notes(frame, lad_only, lad_column)
    return LoadResult(SOURCE, table.path.name, label, len(lsoa11),
                      [TableRows("lsoa_lookup", frame, ["lsoa11", "lsoa21"], merge=lad_only)],
                      problems.rejects(), notes)


def _flag_unchanged(problems: RowProblems, lsoa11: pd.Series, lsoa21: pd.Series, chgind: pd.Series):
    """CHGIND U means the LSOA is the same in both sets, under the same code (true of every U row ONS published):
    a U row with two different codes, or a second row for an LSOA already marked U, contradicts it."""
    unchanged = chgind.eq("U").to_numpy()
    problems.flag(unchanged & (lsoa11 != lsoa21).to_numpy(),
                  "CHGIND U (unchanged) but the 2021 code " + lsoa21 + " differs from the 2011 code " + lsoa11)
    kept_u = unchanged & problems.ok
    first_u = pd.Series(problems.table.line[kept_u], index=lsoa11[kept_u].to_numpy())
    first_u = first_u[~first_u.index.duplicated()]
    other = ~kept_u & lsoa11.isin(first_u.index).to_numpy()
    line = lsoa11.map(first_u).astype("Int64").astype("string").fillna("")
    problems.flag(other, "LSOA 2011 code " + lsoa11 + " is marked unchanged (CHGIND U) on row " + line
                  + ", so it cannot also map to " + lsoa21)


def _notes(frame: pd.DataFrame, lad_only: bool, lad_column: str | None) -> list[str]:
    if lad_only:
        return [f"no LSOA 2021 codes in this file: stored as LSOA 2011 -> {lad_column or 'LAD'} only "
                "(lsoa21 = lsoa11, chgind empty; an existing 2011->2021 row keeps its CHGIND)"]
    counts = frame["chgind"].value_counts()
    return ["CHGIND: " + ", ".join(f"{counts.get(k, 0):,} {v}" for k, v in CHANGES.items())]
