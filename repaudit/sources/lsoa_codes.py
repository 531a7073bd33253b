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


# The highest code of the 2021 set in each country (ONS LSOA 2011 -> 2021 lookup): codes above the 2011 set and
# up to these exist only in 2021. Codes beyond both (such as the synthetic sample's E0199xxxx) are not judged.
_LAST_2021 = {"E": 35762, "W": 2040}


def only_in_2021(codes: pd.Series) -> pd.Series:
    """True where a cleaned cell is an LSOA code that the 2021 set added (E01033769-E01035762, W01001959-W01002040)."""
    lsoa = is_lsoa_code(codes)
    number = pd.to_numeric(codes.str[3:].where(lsoa), errors="coerce")
    country = codes.str[0]
    above = number > country.map(_LAST_2011)
    within = number <= country.map(_LAST_2021)
    return (lsoa & above & within).fillna(False).astype(bool)


def vintage_reasons(codes: pd.Series, year: int | None, column: str | None, warehouse=None) -> pd.Series:
    """Why each code cannot belong to the file's LSOA set YEAR (None where it can): a code the 2021 set added in
    a 2011 file, or, when a 2011 -> 2021 lookup is loaded, a code found only in the other set."""
    reasons = pd.Series([None] * len(codes), index=codes.index, dtype=object)
    if year not in (2011, 2021):
        return reasons
    named = f"column {column}" if column else "the file"
    if year == 2011:
        new = only_in_2021(codes)
        reasons[new] = (codes[new] + f" exists only in the 2021 LSOA set (2011 codes end at E01033768 and "
                        f"W01001958) but {named} holds 2011 codes: load it as a 2021 file or translate it with "
                        "the ONS lookup")
    other = codes_only_in(2021 if year == 2011 else 2011, warehouse)
    if other:
        wrong = codes.isin(other).to_numpy() & reasons.isna().to_numpy()
        reasons[wrong] = (codes[wrong] + f" is a {2021 if year == 2011 else 2011} LSOA code that the loaded "
                          f"2011 -> 2021 lookup does not have in the {year} set, but {named} holds {year} codes")
    return reasons


def codes_only_in(year: int, warehouse) -> set[str]:
    """Codes in only one set according to the lookup stored in WAREHOUSE (rows with CHGIND), else empty."""
    if warehouse is None:
        return set()
    pairs = warehouse.df("SELECT lsoa11, lsoa21 FROM lsoa_lookup WHERE chgind IS NOT NULL")
    if pairs.empty:
        return set()
    set11, set21 = set(pairs.lsoa11), set(pairs.lsoa21)
    return set21 - set11 if year == 2021 else set11 - set21
