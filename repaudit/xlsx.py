"""Write a table as an .xlsx sheet in which every text cell is text: a name such as
=HYPERLINK("http://...") is stored as an inline string with Excel's quote prefix, never as a formula, and
numbers stay numbers. Control characters are removed first (openpyxl refuses them)."""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from .safe_text import FORMULA_START, for_xlsx


def _value(value):
    """A value openpyxl writes as itself: None for missing, Python numbers, datetimes; text stays text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if isinstance(value, (dt.date, dt.datetime, str)):
        return value
    return str(value)


def _cell(sheet, value):
    """VALUE as openpyxl should write it; a text that begins like a formula becomes a text cell with Excel's
    quote prefix (openpyxl would store a text starting with '=' as a formula; the prefix keeps it text
    even when the cell is edited in Excel)."""
    value = _value(value)
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def write_xlsx(frame: pd.DataFrame, path: Path, sheet_name: str) -> dict[str, int]:
    """Write FRAME (header row, then one row per record) to PATH; returns the cleaning counts of for_xlsx."""
    clean, counts = for_xlsx(frame)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name[:31])
    sheet.append([_cell(sheet, str(c)) for c in clean.columns])
    for row in clean.itertuples(index=False, name=None):
        sheet.append([_cell(sheet, v) for v in row])
    book.save(path)
    return counts
