"""What spreadsheets and other systems do to the files users bring, found in one place for every loader: each
finder puts the file right when only one reading is possible and says so in a note, or refuses it with a
sentence saying how to fix it. The kinds: a second header mid-file (two exports joined), decimal commas (a
European Excel or LibreOffice), URNs in scientific notation, dates in US order or as Excel serial numbers, age
bands turned into dates, LSOA codes in lower case or padded, a pivot table's blank key cells, LSOA codes of
2011 and 2021 in one file, and longitude and latitude swapped."""
from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from ..errors import InputFileError
from .header import normalise

MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                      "dec"), start=1)}


def _rows(lines, mask, most: int = 10) -> str:
    rows = np.asarray(lines)[np.asarray(mask, dtype=bool)]
    return ", ".join(map(str, rows[:most])) + (" ..." if len(rows) > most else "")


# --- two exports joined: a second header row mid-file --------------------------------------------------------

def realign_repeated_headers(path, header: list[str], rows: list[list[str]], lines: list[int]):
    """ROWS without the header rows repeated inside them. A repeat in the same order is dropped; one with the same
    names in another order (two exports joined) realigns the rows after it by name; a header-like row with other
    names, or any repeat when the header names a column twice, is refused naming its row. Returns (rows, lines,
    notes)."""
    keys = [normalise(h) for h in header]
    names = set(keys)
    if len(header) < 2 or not all(keys):
        return rows, lines, []
    order = list(range(len(header)))
    out_rows, out_lines, dropped, realigned = [], [], [], []
    identity = order
    for fields, line in zip(rows, lines):
        if normalise(fields[0]) not in names and order is identity:
            out_rows.append(fields)
            out_lines.append(line)
            continue
        cells = [normalise(f) for f in fields]
        matches = sum(c in names for c in cells)
        if matches >= max(2, len(header) // 2 + 1):
            if sorted(cells) != sorted(keys) or len(names) != len(keys):
                raise InputFileError(path, "is a header row again with other columns (" + ", ".join(
                    f for f in fields if f.strip())[:200] + "): two different exports were joined into one file; "
                    "split them and load each on its own", row=line)
            order = [cells.index(k) for k in keys]
            order = identity if order == identity else order
            (dropped if order is identity else realigned).append(line)
            continue
        out_rows.append(fields if order == identity else [fields[i] for i in order])
        out_lines.append(line)
    notes = []
    if dropped:
        notes.append(f"the header is repeated at row {', '.join(map(str, dropped))} (exports joined): "
                     "the repeat was dropped")
    if realigned:
        notes.append(f"the header is repeated with its columns in another order at row "
                     f"{', '.join(map(str, realigned))} (two exports joined): the names are the same, so the rows "
                     "after it were realigned by column name")
    return out_rows, out_lines, notes


# --- decimal commas ------------------------------------------------------------------------------------------

DECIMAL_COMMA = re.compile(r"^\s*-?(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)?,\d+\s*%?\s*$")
POINT_NUMBER = re.compile(r"^\s*-?\d*\.\d+\s*%?\s*$")


def decimal_commas(table) -> list[str]:
    """In a semicolon-separated file (a European Excel, a French LibreOffice), numbers written '0,25' or '1 234,5'
    are read with '.' as the decimal point, in place, when no cell of the file writes a number with a '.' (then
    '1.234' could be a thousand): said in a note; otherwise the file is refused naming a cell of each kind."""
    frame = table.frame
    hits = {}
    for column in frame.columns:
        text = frame[column].astype(str)
        comma = text.str.match(DECIMAL_COMMA.pattern).to_numpy()
        if comma.any():
            hits[column] = comma
    if not hits:
        return []
    for column in frame.columns:
        point = frame[column].astype(str).str.match(POINT_NUMBER.pattern).to_numpy()
        if point.any():
            first = next(iter(hits))
            cell = frame[first][hits[first]].iloc[0]
            raise InputFileError(
                table.path, f"is separated by semicolons and writes numbers both with a decimal comma ('{cell}' in "
                f"column '{first}') and with a point ('{frame[column][point].iloc[0]}' in column '{column}'), so "
                "neither can be read safely: save it as 'CSV UTF-8 (Comma delimited)' with '.' as the decimal "
                "separator and load it again", row=int(table.line[point][0]))
    count, example = 0, frame[next(iter(hits))][next(iter(hits.values()))].iloc[0].strip()
    for column, mask in hits.items():
        cells = frame.loc[mask, column].astype(str).str.strip()
        frame.loc[mask, column] = cells.str.replace(r"[ \u00a0\u202f]", "", regex=True).str.replace(",", ".")
        count += int(mask.sum())
    shown = ", ".join(f"'{c}'" for c in list(hits)[:5])
    return [f"{count:,} numbers written with a decimal comma (such as '{example}') in {shown} read with '.' as the "
            "decimal point: the file is separated by semicolons and no number in it uses '.'"]


# --- URNs in scientific notation -----------------------------------------------------------------------------

SCIENTIFIC = re.compile(r"^\s*(\d)(?:[.,](\d*))?[eE]\+?(\d{1,2})\s*$")


def scientific_urns(path, values: pd.Series, lines, label: str = "URN") -> tuple[pd.Series, list[str]]:
    """URNs that a spreadsheet wrote in scientific notation ('1.00277E+05'), as whole numbers when every digit
    was kept (noted); when digits were lost ('1.23E+05' for a 6-digit URN) no URN can be told apart: refused."""
    text = values.astype("string").fillna("")
    parts = text.str.extract(SCIENTIFIC)
    hit = parts[0].notna().to_numpy()
    if not hit.any():
        return values, []
    digits = 1 + parts[1].fillna("").str.len()
    places = 1 + parts[2].astype(float)
    lossy = hit & (digits < places).to_numpy()
    if lossy.any():
        i = int(np.flatnonzero(lossy)[0])
        raise InputFileError(path, f"URN '{text.iloc[i].strip()}' is in scientific notation with only "
                                   f"{int(digits.iloc[i])} of its {int(places.iloc[i])} digits kept, so the school "
                                   f"cannot be known ({int(lossy.sum()):,} such URNs): a spreadsheet "
                                   f"shortened them. Format the '{label}' column as Number with 0 decimal places "
                                   "(or as Text) in the original file, save it again and load it",
                             row=int(np.asarray(lines)[i]), column=label)
    exact = pd.to_numeric(text.where(hit).str.replace(",", "."), errors="coerce")
    fixed = values.astype(object).copy()
    fixed[hit] = exact[hit].map(lambda v: str(int(v))).to_numpy()
    return fixed, [f"{int(hit.sum()):,} URNs written in scientific notation by a spreadsheet (such as "
                   f"'{text[hit].iloc[0].strip()}') read as whole numbers ({fixed[hit].iloc[0]}): every digit "
                   f"was kept (rows {_rows(lines, hit)})"]


# --- dates: US order, Excel serial numbers -------------------------------------------------------------------

SLASHED = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")
SERIAL = re.compile(r"^\s*(\d{5})(?:\.0+)?\s*$")      # 10000-73050: 1927-2099 (a 4-digit cell may be a year)
EXCEL_EPOCH = dt.date(1899, 12, 30)        # Excel's day 0 (its day 60 is the non-existent 29 Feb 1900)


def read_dates(path, values: pd.Series, lines, label: str) -> tuple[pd.Series, list[str]]:
    """Dates as date objects (NaT where blank or unreadable). ISO and day-first (dd-mm-yyyy, dd/mm/yyyy, GIAS's
    own) are read as they are. A column whose slashed dates only make sense month-first (some have a 'day' over 12
    in the second place and none in the first) is read in US order; one of 5-digit whole numbers up to 73,050
    (1927-2099) with no other dates is read as Excel serial days. Both said in a note; a column with day-first and month-first
    dates mixed is refused."""
    text = values.astype("string").fillna("").str.strip()
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    parts = text.str.extract(SLASHED).astype(float)
    slashed = parts[0].notna()
    first_big, second_big = slashed & (parts[0] > 12), slashed & (parts[1] > 12)
    notes = []
    month_first = bool(second_big.any())
    if month_first and first_big.any():
        i, j = int(np.flatnonzero(first_big)[0]), int(np.flatnonzero(second_big)[0])
        raise InputFileError(path, f"column '{label}' has dates day-first ('{text.iloc[i]}', row {lines[i]}) and "
                                   f"month-first ('{text.iloc[j]}', row {lines[j]}), so '01/02/2020' could be either: "
                                   "save the dates as yyyy-mm-dd and load the file again", row=int(lines[j]))
    day, month = (parts[1], parts[0]) if month_first else (parts[0], parts[1])
    built = pd.to_datetime(pd.DataFrame({"year": parts[2], "month": month, "day": day}).where(slashed),
                           errors="coerce")
    if month_first:
        notes.append(f"column '{label}' writes dates month-first (US order, such as '{text[second_big].iloc[0]}'): "
                     f"read as month/day/year in all {int(slashed.sum()):,} slashed dates")
    dates = iso.fillna(built)
    serial = text.str.extract(SERIAL)[0].astype(float)
    is_serial = serial.notna() & serial.between(10_000, 73_050)
    others = text.ne("") & ~is_serial & dates.isna() & text.str.contains(r"\d", regex=True)
    if is_serial.any() and dates.notna().sum() == 0 and not others.any():
        days = pd.to_timedelta(serial.where(is_serial), unit="D")
        dates = pd.Series(pd.Timestamp(EXCEL_EPOCH) + days, index=text.index)
        first = int(np.flatnonzero(is_serial)[0])
        notes.append(f"column '{label}' holds Excel serial day numbers (such as '{text.iloc[first]}' = "
                     f"{dates.iloc[first]:%Y-%m-%d}), not dates: read as days from 30-12-1899 in "
                     f"{int(is_serial.sum()):,} cells")
    elif is_serial.any() and dates.notna().any():
        i = int(np.flatnonzero(is_serial)[0])
        raise InputFileError(path, f"column '{label}' holds both dates and whole numbers such as '{text.iloc[i]}' "
                                   "(an Excel serial day number?), so they cannot be read safely: format the column "
                                   "as a date (yyyy-mm-dd) in the original file and save it again", row=int(lines[i]))
    return dates.dt.date.where(dates.notna(), None), notes


# --- age bands turned into dates -----------------------------------------------------------------------------

DAY_MONTH = re.compile(r"^(\d{1,2})[-/ ]([a-z]{3})[a-z]*$")        # '5-9' -> '05-Sep'
MONTH_YEAR = re.compile(r"^([a-z]{3})[a-z]*[-/ ](\d{2})$")          # '10-14' -> 'Oct-14'


def age_band_from_date(label: str) -> str | None:
    """The age band a spreadsheet turned into a date: '05-Sep' -> '5-9', 'Oct-14' -> '10-14'; None otherwise."""
    text = str(label).strip().lower()
    hit = DAY_MONTH.match(text)
    if hit and hit.group(2) in MONTHS:
        return f"{int(hit.group(1))}-{MONTHS[hit.group(2)]}"
    hit = MONTH_YEAR.match(text)
    if hit and hit.group(1) in MONTHS:
        return f"{MONTHS[hit.group(1)]}-{int(hit.group(2))}"
    return None


def undate_age_bands(labels) -> tuple[dict[str, str], list[str]]:
    """{label as written: age band} for the LABELS that are no age band as written but one read back from a date
    (the band's low age not above its high one), and the note saying so."""
    from .age_bands import age_range

    found = {}
    for label in labels:
        band = age_band_from_date(label) if age_range(label) is None else None
        if band is not None and age_range(band) is not None:
            found[label] = band
    return found, date_band_note(found)


def date_band_note(found: dict[str, str]) -> list[str]:
    """The note for age bands read back from dates: {label as written: band}."""
    if not found:
        return []
    shown = ", ".join(f"'{k}' as {v}" for k, v in list(found.items())[:6])
    return [f"{len(found)} age band{'s' if len(found) > 1 else ''} that a spreadsheet turned into dates read back: "
            f"{shown}"]


# --- LSOA codes in lower case or padded ------------------------------------------------------------------------

def tidy_lsoa_codes(values: pd.Series, lines, label: str) -> tuple[pd.Series, list[str]]:
    """Codes upper-cased and without surrounding or inner spaces ('e01000001 ', 'E01 000001'); a note counts the
    cells changed when they then read as LSOA codes."""
    raw = values.astype("string").fillna("")
    codes = raw.str.replace(r"[\s\u00a0\u202f]+", "", regex=True).str.upper()
    changed = (codes != raw).to_numpy() & codes.str.fullmatch(r"[EW]01\d{6}").fillna(False).to_numpy()
    if not changed.any():
        return codes, []
    first = int(np.flatnonzero(changed)[0])
    return codes, [f"{int(changed.sum()):,} LSOA codes in column '{label}' written in lower case or with spaces "
                   f"(such as {raw.iloc[first]!r}) read as {codes.iloc[first]} (rows {_rows(lines, changed)})"]


# --- a pivot table's layout: the key only on the first row of each block ---------------------------------------

def refuse_pivot_blanks(table, column: str, what: str = "LSOA code"):
    """A key column that is blank on rows under a filled one while most of the rows' other cells are filled is a pivot
    table exported as shown (each code written once per block). Which code a blank row belongs to is a guess
    about the sort order, so the file is refused with how to re-export it."""
    key = table.frame[column].astype(str).str.strip()
    blank = key.eq("") | key.str.lower().eq("nan")
    rest = table.frame.drop(columns=[column])
    others = rest.astype(str).apply(lambda c: c.str.strip().ne("")).sum(axis=1) * 2 >= max(len(rest.columns), 1)
    under = blank & others & (~blank).cumsum().gt(0)
    if int(under.sum()) >= 2 and int((~blank).sum()) >= 1:
        raise InputFileError(table.path, f"column '{column}' is blank on {int(under.sum()):,} rows that have values "
                                         f"(rows {_rows(table.line, under.to_numpy())}): a pivot table exported as "
                                         f"shown writes each {what} only on the first row of its block. In Excel "
                                         "choose PivotTable Design > Report Layout > Repeat All Item Labels (or "
                                         "Show in Tabular Form), save the table again and load it",
                             row=int(table.line[under.to_numpy()][0]))


# --- LSOA codes of 2011 and 2021 in one file ------------------------------------------------------------------

def refuse_mixed_vintages(path, column: str | None, codes: pd.Series, declared: int | None, lines,
                          only_2011: set[str] = frozenset()):
    """Refuse a file holding LSOA codes of both sets: codes the 2021 set added beside a header saying 2011, or
    beside codes the loaded 2011 -> 2021 lookup has only in the 2011 set. Splitting it would need the lookup's
    splits and merges to put the areas into one set; loading it as one set would misplace the other's rows."""
    from .lsoa_codes import only_in_2021

    new = only_in_2021(codes).to_numpy()
    old = codes.isin(only_2011).to_numpy()
    if not new.any() or not (old.any() or declared == 2011):
        return
    i = int(np.flatnonzero(new)[0])
    if old.any():
        j = int(np.flatnonzero(old)[0])
        seen = f"{int(old.sum()):,} codes of the 2011 set only (such as {codes.iloc[j]}, row {lines[j]})"
    else:
        seen = f"a header ('{column}') saying they are 2011 codes"
    raise InputFileError(path, f"mixes LSOA codes of 2011 and 2021: {int(new.sum()):,} codes exist only in the 2021 "
                               f"set (such as {codes.iloc[i]}) beside {seen}. One file must hold one set; translate "
                               "the 2011 codes with the ONS LSOA 2011 -> 2021 lookup (or export the data again for "
                               "one census) and load the file again", row=int(lines[i]))


# --- longitude and latitude swapped --------------------------------------------------------------------------

LON, LAT = (-6.5, 2.0), (49.8, 56.0)       # a box around England and Wales


def swapped_degrees(x: np.ndarray, y: np.ndarray, lines, xname: str, yname: str):
    """Longitude/latitude rows that lie outside England and Wales as given and inside when exchanged (a latitude
    of 51 cannot be a longitude there): exchanged, with a note naming the rows. Returns (x, y, notes)."""
    x, y = np.asarray(x, dtype=float).copy(), np.asarray(y, dtype=float).copy()
    inside = (x >= LON[0]) & (x <= LON[1]) & (y >= LAT[0]) & (y <= LAT[1])
    flipped = (y >= LON[0]) & (y <= LON[1]) & (x >= LAT[0]) & (x <= LAT[1])
    swap = flipped & ~inside
    if not swap.any():
        return x, y, []
    x[swap], y[swap] = y[swap], x[swap].copy()
    return x, y, [f"{int(swap.sum()):,} rows had {xname} and {yname} swapped (rows {_rows(lines, swap)}): latitude "
                  "51 or so cannot be a longitude in England and Wales, so they were exchanged"]
