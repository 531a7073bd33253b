"""One reader for every tabular source: gzip, BOM, cp1252, quoted fields, ragged rows,
suppression tokens (kept as reasons), thousands separators; its encoding, delimiter and corrections said in notes."""
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
from . import limits
from .cell_text import CONTROL, clean_control_characters, has_mojibake, repair_mojibake
from .damage import decimal_commas, realign_repeated_headers
from .encoding import is_utf8, decode_text
from .header import delimiter_of, normalise, repeated_names

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
    "null": "not available (NULL)",
    ".": "not available (SPSS missing '.')",
    "": "blank",
}
CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]")   # in UTF-8 bytes
THOUSANDS = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?\s*%?"   # '1,296' or '12,345.5'
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


def progress_on() -> bool:
    """True within progress_bars(True): long steps other than reading (simulations) show a bar too."""
    return _PROGRESS.get()


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
    notes: list[str] = field(default_factory=list)           # what reading decided or corrected (encoding, ...)
    repeated: dict[str, list[int]] = field(default_factory=dict)   # a header name given twice -> its positions

    def overflow_mask(self) -> np.ndarray:
        """True for rows that had non-empty values beyond the header (a value may hold an unquoted comma)."""
        mask = np.zeros(len(self.frame), dtype=bool)
        mask[list(self.overflow)] = True
        return mask


def open_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it is gzip-compressed; a file that is not a regular file, or expands
    beyond the input limits (see limits), is refused before it is held in memory."""
    limits.check_regular(path)
    try:
        with open(path, "rb") as handle:
            compressed = handle.read(2) == b"\x1f\x8b"
        if compressed:
            limits.check_gzip(path)
        else:
            limits.check_size(path)
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputFileError(path, f"cannot be read ({exc.strerror})") from None
    if compressed:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputFileError(path, f"is a damaged gzip file ({exc})") from None
    else:
        limits.check_lines(path, data)
    return data


def decode(path: Path, data: bytes) -> tuple[str, str]:
    """Text and encoding, decided for the whole file (see encoding.decode_text)."""
    decoded = decode_text(path, data)
    return decoded.text, decoded.encoding


def looks_binary(data: bytes) -> str | None:
    """A short description when the bytes are clearly not a CSV (zip, xlsx, pdf, UTF-16 without BOM, many NUL and
    other control bytes); a text file with a few control characters in its cells is read, and they are removed."""
    if data[:4] == b"PK\x03\x04":
        return "a ZIP or Excel (.xlsx) file"
    if data[:5] == b"%PDF-":
        return "a PDF file"
    head = data[:4096]
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or head[:4] == codecs.BOM_UTF32_BE:
        return None
    controls = sum(1 for b in head if b < 0x20 and b not in (0x09, 0x0A, 0x0C, 0x0D))
    if b"\x00" in head and controls > max(4, len(head) // 50):
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
    lines = text.lstrip("\ufeff").splitlines()
    if not lines:
        return []
    delimiter, sep_line = delimiter_of(lines[0])
    first = lines[1] if sep_line and len(lines) > 1 else lines[0]
    try:
        return [CONTROL.sub("", h).strip() for h in next(csv.reader([first], delimiter=delimiter), [])]
    except csv.Error:
        return []


def read_csv_table(path: str | Path) -> RawTable:
    """Read a delimited text file into text cells, keeping every row (ragged ones trimmed or padded); the
    encoding, delimiter and any correction made are said in the table's notes."""
    path = Path(path)
    data = open_bytes(path)
    kind = looks_binary(data)
    if kind:
        raise InputFileError(path, f"is {kind}, not a CSV text file")
    decoded = decode_text(path, data)
    text, notes = decoded.text, [decoded.note] if decoded.note else []
    if not text.strip():
        raise InputFileError(path, "is empty: expected a header row and at least one data row")
    first_line = text.lstrip("\ufeff").splitlines()[0]
    delimiter, sep_line = delimiter_of(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        if sep_line:
            next(reader)
            notes.append(f"first line '{first_line.strip()}' (Excel's note of the delimiter) skipped")
        header = next(reader)
    except StopIteration:
        raise InputFileError(path, "has no header row after its 'sep=' line") from None
    except csv.Error as exc:
        raise InputFileError(path, f"cannot be parsed as CSV ({exc})", row=1) from None
    header = [CONTROL.sub("", h).strip().lstrip("\ufeff") for h in header]
    trailing = 0
    while len(header) > 1 and not header[-1]:
        header.pop()
        trailing += 1
    if trailing:
        notes.append(f"{trailing} unnamed column{'s' if trailing > 1 else ''} at the end of the header ignored")
    width = len(header)
    rows, lines, ragged, short, overflow = [], [], 0, 0, {}
    bar = progress_bar(path, text.count("\n"))
    shown, previous = 0, reader.line_num
    try:
        for fields in reader:
            if bar is not None and reader.line_num - shown >= 2_000:
                bar.update(reader.line_num - shown)
                shown = reader.line_num
            if reader.line_num > previous + 1:
                refuse_swallowed_rows(path, header, fields, delimiter, previous + 1)
            previous = reader.line_num
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
        if "field larger than field limit" in str(exc):
            raise InputFileError(path, f"has a value longer than {csv.field_size_limit():,} characters: no name, code "
                                       "or number is that long (an unmatched quote, or not a CSV file)",
                                 row=reader.line_num) from None
        raise InputFileError(path, f"cannot be parsed as CSV ({exc})", row=reader.line_num) from None
    finally:
        if bar is not None:
            bar.close()
    by_line = {lines[i]: n for i, n in overflow.items()}
    rows, lines, joined = realign_repeated_headers(path, header, rows, lines)
    if not rows:
        raise InputFileError(path, "has a header but no data rows")
    overflow = {i: by_line[line] for i, line in enumerate(lines) if line in by_line}
    table = make_table(path, header, rows, lines, decoded.encoding, ragged, short, overflow, notes + joined, text)
    if delimiter == ";":
        table.notes.append("read as separated by semicolons (as Excel writes CSV in a European locale)")
        table.notes.extend(decimal_commas(table))
    return table


def refuse_swallowed_rows(path: Path, header: list[str], fields: list[str], delimiter: str, row: int) -> None:
    """A quoted value spanning lines that hold whole rows of delimited values is an unmatched quote: the rows
    it swallowed would vanish, so the file is refused naming the row where the quote opens."""
    need = max(1, len(header) - 1)
    for column, value in zip(header, fields):
        inner = value.rstrip("\n").split("\n")[1:]
        rows = sum(1 for line in inner if line.count(delimiter) >= need)
        if rows:
            raise InputFileError(path, f"has an unmatched quote: the value of column '{column}' runs over "
                                       f"{len(inner) + 1} lines and holds what look like {rows} more rows; close or "
                                       "remove the quote and load the file again", row=row)


def make_table(path: Path, header: list[str], rows: list[list[str]], lines: list[int], encoding: str,
               ragged: int = 0, short: int = 0, overflow: dict[int, int] | None = None,
               notes: list[str] | None = None, text: str | None = None) -> RawTable:
    """A RawTable of text cells with repeated header names recorded, control characters and mojibake cleaned
    (noted); TEXT, the file's whole text when known, lets a clean file skip the search cell by cell."""
    header = [CONTROL.sub("", name) for name in header]
    frame = pd.DataFrame(rows, columns=_unique(header), dtype=object)
    line = np.asarray(lines, dtype=np.int64)
    notes = list(notes or [])
    if text is None or CONTROL.search(text):
        notes.extend(clean_control_characters(frame, line))
    if text is None or (not text.isascii() and has_mojibake(text)):
        notes.extend(repair_mojibake(frame, line))
    return RawTable(path, frame, line, encoding, ragged, short, overflow or {}, notes, repeated_names(header))


MAX_RAW = 2_000              # characters of a rejected row kept in the rejects table
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
    if looks_binary(data) or not header or not is_utf8(data):
        return None
    delimiter, sep_line = delimiter_of(data[:20000].split(b"\n", 1)[0].decode("utf-8", "replace"))
    if sep_line or delimiter == ";" or not all(header) or repeated_names(header) or CONTROL_BYTES.search(data):
        return None
    names = list(header)
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


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def rejects_frame(table: RawTable, mask, reason) -> pd.DataFrame:
    """Rows of TABLE where MASK is true, as (row_number, reason, raw) for the rejects table; a raw row longer
    than MAX_RAW characters is cut there and says its length (a hostile row is evidence, not data to keep)."""
    mask = np.asarray(mask, dtype=bool)
    rows = table.frame[mask]
    raw = [_shortened(",".join(map(str, r))) for r in rows.itertuples(index=False)]
    reasons = reason[mask] if isinstance(reason, (pd.Series, np.ndarray)) else [reason] * int(mask.sum())
    return pd.DataFrame({"row_number": table.line[mask], "reason": list(reasons), "raw": raw})


def _shortened(raw: str) -> str:
    return raw if len(raw) <= MAX_RAW else f"{raw[:MAX_RAW]}... ({len(raw):,} characters)"


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        k = seen.get(n, 0)
        out.append(n if k == 0 else f"{n}.{k}")
        seen[n] = k + 1
    return out


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


def column_labels(table: RawTable, aliases: dict[str, list[str]], cols: pd.DataFrame) -> dict[str, str]:
    """The file's own spelling of each canonical column in COLS (as resolve_columns chose it), for messages."""
    by_key = {normalise(c): c for c in table.frame.columns}
    labels = {}
    for canonical in cols.columns:
        found = next((by_key[normalise(n)] for n in [canonical, *aliases.get(canonical, [])]
                      if normalise(n) in by_key), canonical)
        labels[canonical] = found
    return labels


def missing_reason(values: pd.Series) -> pd.Series:
    """The meaning of each suppression token (None where the cell holds a value)."""
    key = values.astype("string").str.strip().str.lower().fillna("")
    return key.map(SUPPRESSION_TOKENS).astype(object).where(key.isin(SUPPRESSION_TOKENS.keys()), None)


def parse_number(values: pd.Series) -> pd.Series:
    """Numbers from text: thousands separators ('1,296', never '1,2', which may be a decimal comma) and '%'
    removed, surrounding spaces ignored; suppression tokens and anything else -> NaN."""
    text = values.astype("string").str.strip()
    if text.str.contains(",", regex=False).any():
        grouped = text.str.fullmatch(THOUSANDS).fillna(False).astype(bool)
        text = text.where(~grouped, text.str.replace(",", "", regex=False))
    if text.str.contains("%", regex=False).any():
        text = text.str.replace("%", "", regex=False)
    number = pd.to_numeric(text, errors="coerce").astype("float64")
    return number.where(np.isfinite(number))          # 'inf', '1e309': not a number any loader can use


def bad_numbers(values: pd.Series) -> pd.Series:
    """True where a cell is neither a number nor a known suppression token."""
    number = parse_number(values)
    return number.isna() & missing_reason(values).isna()


def parse_date(values: pd.Series) -> pd.Series:
    """Dates written dd-mm-yyyy, dd/mm/yyyy or ISO; blanks and tokens -> NaT."""
    text = values.astype("string").str.strip()
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    dmy = pd.to_datetime(text.str.replace("/", "-", regex=False), format="%d-%m-%Y", errors="coerce")
    return iso.fillna(dmy).dt.date


YEARS = (1900, 2100)     # a year outside these is a typing or export error, never data


def academic_year(values: pd.Series) -> pd.Series:
    """EES time_period to the academic year's first calendar year: 202223 -> 2022, '2022/23' -> 2022, 2023 -> 2023;
    anything that is not a whole year within YEARS -> missing (the loaders reject such rows)."""
    text = values.astype("string").str.strip()
    six = text.str.fullmatch(r"\d{6}")
    slash = text.str.extract(r"^(\d{4})\s*[/-]\s*\d{2,4}$")[0]
    out = pd.to_numeric(text.where(~six, text.str[:4]), errors="coerce")
    out = out.where(slash.isna(), pd.to_numeric(slash, errors="coerce")).astype("float64")
    plausible = np.isfinite(out) & (out % 1 == 0) & out.between(YEARS[0], YEARS[1])
    return out.where(plausible).astype("Int64")
