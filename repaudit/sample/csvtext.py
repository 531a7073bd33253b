"""Byte-exact CSV and number formatting for the sample files (no pandas: its output may drift)."""
from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path


def csv_bytes(header, rows, *, quote_all: bool = False, encoding: str = "utf-8", bom: bool = False,
              crlf: bool = False) -> bytes:
    """A CSV file's bytes: QUOTE_ALL like GIAS downloads, or minimal quoting like EES files."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
                        lineterminator="\r\n" if crlf else "\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else str(v) for v in row])
    data = buffer.getvalue().encode(encoding)
    return codecs.BOM_UTF8 + data if bom else data


def write_bytes(folder: Path, name: str, data: bytes) -> Path:
    path = Path(folder) / name
    path.write_bytes(data)
    return path


def pct(numerator, denominator, dp: int = 1) -> str:
    """A 0-100 percentage with DP decimals, as DfE publishes them; blank when the denominator is 0."""
    if numerator is None or not denominator:
        return ""
    return f"{100.0 * numerator / denominator:.{dp}f}"


def slash_date(ddmmyyyy: str) -> str:
    """GIAS dd-mm-yyyy to SPC dd/mm/yyyy."""
    return ddmmyyyy.replace("-", "/")

