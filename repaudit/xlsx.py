"""Write tables as .xlsx sheets in which every text cell is text: a name such as
=HYPERLINK("http://...") is stored as an inline string with Excel's quote prefix, never as a formula, and
numbers stay numbers. Control characters are removed first (openpyxl refuses them).

Sheets are ready to share: the header row frozen and filterable, columns wide enough for their contents,
and number formats chosen by column name (whole pupils, rates as % with one decimal, gaps in pp with one
decimal); the values themselves keep full precision."""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

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


WHOLE = "#,##0"
PERCENT = "0.0%"
POINTS = '+0.0;-0.0;0.0'
TWO = "0.00"
MIN_WIDTH, MAX_WIDTH = 6, 48
WIDTH_SAMPLE = 2000                  # rows looked at to size a column


def number_format(column: str) -> str | None:
    """The display format of a numeric COLUMN, from its name (None: Excel's General)."""
    name = column.lower()
    if name.endswith("_pp"):
        return POINTS
    if name.endswith("rate") or name.endswith("_share") or name.startswith("share_"):
        return PERCENT
    if name in ("pupils", "shortfall", "rank", "rank_low", "rank_high", "schools", "pool_pupils", "pool_schools",
                "easting", "northing") or name.endswith(("_pupils", "_schools", "_count", "shortfall")):
        return WHOLE
    if name in ("z", "ratio") or name.startswith("z_") or name.endswith(("_z", "_ratio")):
        return TWO
    return None


def _widths(frame: pd.DataFrame) -> list[float]:
    """A width per column: its header or its longest value among the first rows, within MIN/MAX_WIDTH."""
    head = frame.head(WIDTH_SAMPLE)
    out = []
    for column in frame.columns:
        values = head[column].dropna()
        if pd.api.types.is_float_dtype(values):
            longest = 10
        else:
            longest = int(values.astype(str).str.len().max()) if len(values) else 0
        out.append(float(min(MAX_WIDTH, max(MIN_WIDTH, len(str(column)) + 2, longest + 2))))
    return out


def _header(sheet, text):
    cell = WriteOnlyCell(sheet, value=text)
    cell.font = Font(bold=True)
    cell.alignment = Alignment(wrap_text=False)
    return cell


def _styled(sheet, value, fmt):
    if fmt is None or not isinstance(value, (int, float)) or isinstance(value, bool):
        return _cell(sheet, value)
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = fmt
    return cell


def _table_sheet(book, name: str, frame: pd.DataFrame) -> None:
    """FRAME as a sheet NAME: bold frozen header with a filter, sized columns, number formats by column."""
    sheet = book.create_sheet(name[:31])
    columns = [str(c) for c in frame.columns]
    for i, width in enumerate(_widths(frame), start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(frame) + 1}"
    sheet.append([_header(sheet, _value(c)) for c in columns])
    formats = [number_format(c) if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
               else None for c in frame.columns]
    for row in frame.itertuples(index=False, name=None):
        sheet.append([_styled(sheet, _value(v), f) for v, f in zip(row, formats)])


def _readme_sheet(book, lines: list[str]) -> None:
    sheet = book.create_sheet("Read me")
    sheet.column_dimensions["A"].width = 110
    for i, line in enumerate(lines):
        cell = _cell(sheet, line)
        if not hasattr(cell, "alignment"):            # a plain value: make it a cell that can be styled
            cell = WriteOnlyCell(sheet, value=cell)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if i == 0:
            cell.font = Font(bold=True, size=13)
        sheet.append([cell])


def write_book(path: Path, sheets: list[tuple[str, pd.DataFrame]], readme: list[str] | None = None) -> dict[str, int]:
    """Write the (name, frame) SHEETS to PATH, after a "Read me" sheet of README lines when given (the first
    data sheet opens); returns the summed cleaning counts of for_xlsx."""
    counts: dict[str, int] = {}
    book = Workbook(write_only=True)
    if readme:
        clean_lines, line_counts = for_xlsx(pd.DataFrame({"line": readme}))
        _readme_sheet(book, clean_lines["line"].tolist())
        for k, v in line_counts.items():
            counts[k] = counts.get(k, 0) + v
    for name, frame in sheets:
        clean, found = for_xlsx(frame)
        for k, v in found.items():
            counts[k] = counts.get(k, 0) + v
        _table_sheet(book, name, clean)
    if readme and sheets:
        book.active = 1
    book.save(path)
    return counts

