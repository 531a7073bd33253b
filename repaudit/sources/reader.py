"""One reader for every tabular source: gzip, BOM, cp1252, quoted fields, ragged rows,
suppression tokens (kept as reasons), thousands separators and 0-100 or 0-1 percentages."""
from __future__ import annotations

import codecs
import contextlib
import contextvars
import csv
import gzip
import io
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from tqdm import tqdm

from ..errors import InputFileError, MissingColumnError

SUPPRESSION_TOKENS = {
    "c": "confidential",
    "x": "not available",
    "z": "not applicable",
    "u": "low reliability",
    ":": "not available",
    "supp": "suppressed",
    "ne": "no entries",
    "np": "not published",
    "low": "low number",
    "na": "not available",
    "..": "not available",
    "": "blank",
}
PROGRESS_MIN_ROWS = 50_000     # files with fewer lines parse in a second or two: no bar
_PROGRESS = contextvars.ContextVar("repaudit_progress", default=False)


@contextlib.contextmanager
def progress_bars(enabled: bool = True):
    """Within this block, reading a large file shows a tqdm progress bar on stderr."""
    token = _PROGRESS.set(enabled)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def progress_bar(path: Path, total: int, unit: str = "rows"):
    """A tqdm bar on stderr for a file of TOTAL lines, or None when bars are off or the file is small."""
    if not _PROGRESS.get() or total < PROGRESS_MIN_ROWS:
        return None
    return tqdm(total=total, unit=unit, unit_scale=True, desc=Path(path).name, file=sys.stderr, leave=False)


@dataclass
class RawTable:
    """A file's cells as text; `line` holds each row's line number in the file (header = 1)."""

    path: Path
    frame: pd.DataFrame
    line: np.ndarray
    encoding: str
    ragged_rows: int          # rows with more fields than the header (extra fields dropped)
    short_rows: int           # rows with fewer fields (padded with blanks)
    overflow: dict[int, int] = field(default_factory=dict)   # row index -> non-empty fields beyond the header

    def overflow_mask(self) -> np.ndarray:
        """True for rows that had non-empty values beyond the header (a value may hold an unquoted comma)."""
        mask = np.zeros(len(self.frame), dtype=bool)
        mask[list(self.overflow)] = True
        return mask


def open_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it is gzip-compressed."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputFileError(path, f"cannot be read ({exc.strerror})") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputFileError(path, f"is a damaged gzip file ({exc})") from None
    return data


def decode(path: Path, data: bytes) -> tuple[str, str]:
    """Text and encoding: UTF-8 (with or without BOM) when valid, else cp1252 as GIAS uses."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "utf-8-sig"
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise InputFileError(
            path, f"is neither UTF-8 nor Windows-1252 text (byte {exc.object[exc.start]:#x} at offset {exc.start}); "
            "expected a CSV file"
        ) from None


def looks_binary(data: bytes) -> str | None:
    """A short description when the bytes are clearly not a CSV (zip, xlsx, pdf, UTF-16 without BOM, NUL bytes)."""
    if data[:4] == b"PK\x03\x04":
        return "a ZIP or Excel (.xlsx) file"
    if data[:5] == b"%PDF-":
        return "a PDF file"
    head = data[:4096]
    if b"\x00" in head and head[:2] not in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        odd, even = head[1::2], head[0::2]
        if odd and odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            return "UTF-16 text without a byte-order mark (save it as UTF-8)"
        if even and even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "UTF-16 (big-endian) text without a byte-order mark (save it as UTF-8)"
        return "a binary file"
    return None


def read_header(path: str | Path, limit: int = 1 << 16) -> list[str]:
    """The column names of a delimited text file, reading only its first bytes (for detecting its kind)."""
    path = Path(path)
    try:
        with open(path, "rb") as raw:
            magic = raw.read(2)
            raw.seek(0)
            data = (gzip.open(raw).read(limit) if magic == b"\x1f\x8b" else raw.read(limit))
    except (OSError, EOFError):
        return []
    if looks_binary(data):
        return []
    try:
        text, _ = decode(path, data)
    except InputFileError:
        return []
    first = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    try:
        return [h.strip() for h in next(csv.reader([first], delimiter=delimiter), [])]
    except csv.Error:
        return []


def read_csv_table(path: str | Path) -> RawTable:
    """Read a delimited text file into text cells, keeping every row (ragged ones trimmed or padded)."""
    path = Path(path)
    data = open_bytes(path)
    kind = looks_binary(data)
    if kind:
        raise InputFileError(path, f"is {kind}, not a CSV text file")
    text, encoding = decode(path, data)
    if not text.strip():
        raise InputFileError(path, "is empty: expected a header row and at least one data row")
    sample = text[:20000]
    delimiter = "\t" if sample.split("\n", 1)[0].count("\t") > sample.split("\n", 1)[0].count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise InputFileError(path, f"cannot be parsed as CSV ({exc})", row=1) from None
    header = [h.strip().lstrip("\ufeff") for h in header]
    width = len(header)
    rows, lines, ragged, short, overflow = [], [], 0, 0, {}
    bar = progress_bar(path, text.count("\n"))
    shown = 0
    try:
        for fields in reader:
            if bar is not None and reader.line_num - shown >= 2_000:
                bar.update(reader.line_num - shown)
                shown = reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if len(fields) > width:
                ragged += 1
                extra = sum(1 for value in fields[width:] if value.strip())
                if extra:
                    overflow[len(rows)] = extra
                fields = fields[:width]
            elif len(fields) < width:
                short += 1
                fields = fields + [""] * (width - len(fields))
            rows.append(fields)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise InputFileError(path, f"cannot be parsed as CSV ({exc})", row=reader.line_num) from None
    finally:
        if bar is not None:
            bar.close()
    if not rows:
        raise InputFileError(path, "has a header but no data rows")
    frame = pd.DataFrame(rows, columns=_unique(header), dtype=object)
    return RawTable(path, frame, np.asarray(lines, dtype=np.int64), encoding, ragged, short, overflow)


FAST_MIN_BYTES = 5_000_000   # below this the csv-module reader is quick enough and is used unchanged


def read_csv_into_duckdb(path: str | Path, con, table: str) -> list[str] | None:
    """A very large plain file (millions of rows) read by DuckDB straight into table TABLE(_line, _overflow,
    <the file's columns as text>), with the line numbers read_csv_table gives, blanks as ''. Returns the
    column names, or None (nothing created) for a small file or one that needs the careful reader: rows of
    the wrong width, values spanning lines, empty lines, bytes that are not UTF-8. Then use read_csv_table."""
    path = Path(path)
    try:
        if path.stat().st_size < FAST_MIN_BYTES:
            return None
    except OSError:
        return None
    data = open_bytes(path)
    header = read_header(path)
    if looks_binary(data) or not header or not _is_utf8(data):
        return None
    names = _unique([name or f"column{i + 1}" for i, name in enumerate(header)])
    first = data[:20000].split(b"\n", 1)[0]
    delimiter = "\t" if first.count(b"\t") > first.count(b",") else ","
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    columns = "{" + ", ".join(f"{_literal(n)}: 'VARCHAR'" for n in names) + "}"
    cells = ", ".join(f"coalesce({_identifier(n)}, '') AS {_identifier(n)}" for n in names)
    with open(path, "rb") as handle:
        compression = "gzip" if handle.read(2) == b"\x1f\x8b" else "none"
    bar = progress_bar(path, lines)
    try:
        con.execute(
            f"CREATE TEMP TABLE {table} AS SELECT row_number() OVER () + 1 AS _line, 0 AS _overflow, {cells} "
            f"FROM read_csv({_literal(str(path))}, header = true, auto_detect = false, columns = {columns}, "
            f"delim = {_literal(delimiter)}, quote = '\"', escape = '\"', strict_mode = true, "
            f"compression = '{compression}')")
    except duckdb.Error:
        return None
    finally:
        if bar is not None:
            bar.update(lines)
            bar.close()
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    if rows == 0 or rows + 1 != lines:
        con.execute(f"DROP TABLE {table}")
        return None
    return names


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def rejects_frame(table: RawTable, mask, reason) -> pd.DataFrame:
    """Rows of TABLE where MASK is true, as (row_number, reason, raw) for the rejects table."""
    mask = np.asarray(mask, dtype=bool)
    rows = table.frame[mask]
    raw = [",".join(map(str, r)) for r in rows.itertuples(index=False)]
    reasons = reason[mask] if isinstance(reason, (pd.Series, np.ndarray)) else [reason] * int(mask.sum())
    return pd.DataFrame({"row_number": table.line[mask], "reason": list(reasons), "raw": raw})


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        k = seen.get(n, 0)
        out.append(n if k == 0 else f"{n}.{k}")
        seen[n] = k + 1
    return out


def normalise(name: str) -> str:
    """Column-name key: lower case, letters and digits only, so 'LA (code)' == 'la_code'."""
    return re.sub(r"[^a-z0-9%]+", "", name.lower())


def resolve_columns(table: RawTable, aliases: dict[str, list[str]], required: list[str], source: str) -> pd.DataFrame:
    """Rename the file's columns to canonical names using per-release aliases; missing required ones is an error."""
    by_key = {normalise(c): c for c in table.frame.columns}
    chosen: dict[str, str] = {}
    for canonical, names in aliases.items():
        for candidate in [canonical, *names]:
            found = by_key.get(normalise(candidate))
            if found is not None:
                chosen[canonical] = found
                break
    missing = [c for c in required if c not in chosen]
    if missing:
        expected = [aliases.get(c, [c])[0] if aliases.get(c) else c for c in missing]
        raise MissingColumnError(table.path, expected, list(table.frame.columns), source)
    return pd.DataFrame({canonical: table.frame[col].to_numpy() for canonical, col in chosen.items()})


def missing_reason(values: pd.Series) -> pd.Series:
    """The meaning of each suppression token (None where the cell holds a value)."""
    key = values.astype("string").str.strip().str.lower().fillna("")
    return key.map(SUPPRESSION_TOKENS).astype(object).where(key.isin(SUPPRESSION_TOKENS.keys()), None)


def parse_number(values: pd.Series) -> pd.Series:
    """Numbers from text: thousands separators and spaces removed, suppression tokens -> NaN."""
    text = values.astype("string").str.strip().str.replace(",", "", regex=False).str.replace("%", "", regex=False)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def bad_numbers(values: pd.Series) -> pd.Series:
    """True where a cell is neither a number nor a known suppression token."""
    number = parse_number(values)
    return number.isna() & missing_reason(values).isna()


def parse_proportion(values: pd.Series, scale: str = "auto") -> pd.Series:
    """A 0-1 proportion from a percentage column; scale 'percent', 'proportion' or 'auto' (max > 1 means 0-100)."""
    number = parse_number(values)
    if scale == "percent" or (scale == "auto" and number.max(skipna=True) > 1.0):
        number = number / 100.0
    return number


def parse_date(values: pd.Series) -> pd.Series:
    """Dates written dd-mm-yyyy, dd/mm/yyyy or ISO; blanks and tokens -> NaT."""
    text = values.astype("string").str.strip()
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    dmy = pd.to_datetime(text.str.replace("/", "-", regex=False), format="%d-%m-%Y", errors="coerce")
    return iso.fillna(dmy).dt.date


def academic_year(values: pd.Series) -> pd.Series:
    """EES time_period to the academic year's first calendar year: 202223 -> 2022, '2022/23' -> 2022, 2023 -> 2023."""
    text = values.astype("string").str.strip()
    six = text.str.fullmatch(r"\d{6}")
    slash = text.str.extract(r"^(\d{4})\s*[/-]\s*\d{2,4}$")[0]
    out = pd.to_numeric(text.where(~six, text.str[:4]), errors="coerce")
    out = out.where(slash.isna(), pd.to_numeric(slash, errors="coerce"))
    return out.astype("Int64")
