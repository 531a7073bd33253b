"""LSOA codes: which cells hold one, which column names them, and whether a file uses the 2011 or 2021 set."""
from __future__ import annotations

import re

import pandas as pd

from .reader import normalise

NAMED_LSOA_CODE_ALIASES = [              # column names that can only mean an LSOA code
    "LSOA21CD", "LSOA11CD", "F_LSOA11CD", "lsoa21_code", "lsoa11_code", "LSOA code (2021)", "LSOA code (2011)",
    "LSOA 2021 Code", "LSOA 2011 Code", "LSOA code", "lsoa_code", "Lower layer Super Output Areas Code",
    "Lower Layer Super Output Area code", "geography code",
]
LSOA_CODE_ALIASES = NAMED_LSOA_CODE_ALIASES + ["lsoa", "code"]
LSOA_NAME_ALIASES = [
    "LSOA21NM", "LSOA11NM", "lsoa21_name", "lsoa11_name", "LSOA name (2021)", "LSOA name (2011)", "LSOA name",
    "lsoa_name", "Lower layer Super Output Areas", "name",
]

_LSOA = re.compile(r"^[EW]01\d{6}$")
# The highest code of the 2011 set in each country; anything above exists only in the 2021 set (ONS lookup).
_LAST_2011 = {"E": 33768, "W": 1958}
_OTHER_KINDS = {
    "E00": "output area (OA)", "W00": "output area (OA)", "E02": "MSOA", "W02": "MSOA",
    "E05": "electoral ward", "W05": "electoral ward", "E06": "local authority", "E07": "local authority",
    "E08": "local authority", "E09": "local authority", "W06": "local authority", "E10": "county",
    "E12": "region", "E92": "country", "E38": "CCG",
}


def clean_codes(values: pd.Series) -> pd.Series:
    """Codes as upper-case text without surrounding spaces ('' where blank)."""
    return values.astype("string").fillna("").str.strip().str.upper()


def is_lsoa_code(codes: pd.Series) -> pd.Series:
    """True where a cleaned cell is an England or Wales LSOA code (E01/W01 and six digits)."""
    return codes.str.fullmatch(_LSOA.pattern).fillna(False).astype(bool)


def other_code_kind(codes: pd.Series) -> str | None:
    """The kind of area most of these codes name when they are not LSOAs (e.g. 'MSOA'), else None."""
    prefixes = codes.str[:3].value_counts()
    if prefixes.empty:
        return None
    top = prefixes.index[0]
    return _OTHER_KINDS.get(top)


def find_column(columns, aliases: list[str]) -> str | None:
    """The first of ALIASES present among COLUMNS (compared like resolve_columns does), as the file spells it."""
    by_key = {normalise(c): c for c in columns}
    for alias in aliases:
        if normalise(alias) in by_key:
            return by_key[normalise(alias)]
    return None


def vintage_from_header(column: str | None) -> int | None:
    """2011 or 2021 when a column name says so ('LSOA11CD', 'LSOA code (2021)', 'lsoa21_code')."""
    if not column:
        return None
    found = re.search(r"(?<!\d)(?:20)?(11|21)(?!\d)", column)
    return 2000 + int(found.group(1)) if found else None


def vintage_from_codes(codes: pd.Series) -> int | None:
    """2021 when any code lies beyond the 2011 set; None when every code could belong to either set."""
    lsoa = codes[is_lsoa_code(codes)]
    if lsoa.empty:
        return None
    number = lsoa.str[3:].astype(int)
    beyond = number > lsoa.str[0].map(_LAST_2011)
    return 2021 if bool(beyond.any()) else None


def lsoa_vintage(column: str | None, codes: pd.Series) -> tuple[int | None, list[str]]:
    """The LSOA set a file uses, from its header or else its codes, with a note when it cannot be told."""
    from_header = vintage_from_header(column)
    if from_header:
        return from_header, []
    from_codes = vintage_from_codes(codes)
    if from_codes:
        return from_codes, [f"LSOA codes beyond the 2011 set found: stored as LSOA {from_codes} codes"]
    return None, ["the header does not say whether these are 2011 or 2021 LSOA codes and every code exists "
                  "in both sets: lsoa_vintage left empty"]
