"""Excel workbooks (.xlsx) read into the same RawTable of text cells as reader.read_csv_table gives, so the
column resolution, number parsing and rejects of the CSV reader apply unchanged (official IoD files are .xlsx)."""
from __future__ import annotations

import datetime as dt
import zipfile
import zlib
from pathlib import Path
from typing import Callable

from ..errors import InputFileError
from . import limits
from .reader import RawTable, make_table

HEADER_SEARCH_ROWS = 20


def is_xlsx(path: str | Path) -> bool:
    """True when PATH is an Excel .xlsx workbook (a ZIP holding xl/workbook.xml)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def read_xlsx_table(path: str | Path, wanted: Callable[[list[str]], bool] = lambda header: True) -> RawTable:
    """The first sheet whose header row (within its first rows) satisfies WANTED, as text cells;
    `line` holds each row's spreadsheet row number."""
    import openpyxl

    path = Path(path)
    check_workbook_size(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for damaged workbooks
        raise InputFileError(path, f"cannot be opened as an Excel workbook ({exc})") from None
    try:
        seen = []
        for sheet in book.worksheets:
            rows = sheet.iter_rows(values_only=True)
            for number, row in zip(range(1, HEADER_SEARCH_ROWS + 1), rows):
                header = [_text(v).strip() for v in row]
                if sum(bool(h) for h in header) >= 2:
                    seen.append(f"'{sheet.title}'")
                    if wanted(header):
                        return _table(path, header, number, rows)
                    break
    finally:
        book.close()
    raise InputFileError(path, f"has no sheet with the expected columns (sheets with a header row: "
                               f"{', '.join(seen) or 'none'})")


def check_workbook_size(path: Path) -> None:
    """Refuse a workbook that expands beyond the input limits (its parts' bytes, shared strings, rows of any
    sheet) before openpyxl reads it: openpyxl holds every shared string in memory and reads rows one by one."""
    limits.check_regular(path)
    try:
        with zipfile.ZipFile(path) as archive:
            limits.check_zip(path, archive)
            names = archive.namelist()
            for name in names:
                if name.lower() == "xl/sharedstrings.xml":
                    limits.count_tags(path, archive, name, b"si", "strings")
                elif name.lower().startswith("xl/worksheets/") and name.lower().endswith(".xml"):
                    limits.count_tags(path, archive, name, b"row", "rows")
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise InputFileError(path, f"cannot be opened as an Excel workbook ({exc})") from None


def _table(path: Path, header: list[str], header_row: int, rows) -> RawTable:
    while header and not header[-1]:
        header.pop()
    width = len(header)
    cells, lines = [], []
    for number, row in enumerate(rows, start=header_row + 1):
        values = [_text(v) for v in row[:width]]
        if not any(v.strip() for v in values):
            continue
        cells.append(values + [""] * (width - len(values)))
        lines.append(number)
    if not cells:
        raise InputFileError(path, "has a header but no data rows")
    return make_table(path, header, cells, lines, "xlsx")


def _text(value) -> str:
    """A cell as the text a CSV export would hold: 29199 not 29199.0, ISO dates, '' for empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)
