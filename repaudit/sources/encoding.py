"""The text encoding of a delimited file, decided for the file as a whole and said in a note: UTF-8 (with or
without a byte-order mark), UTF-16 or UTF-32 with a byte-order mark (Excel's 'Unicode text'), Windows-1252 (GIAS), or
UTF-8 with a few Windows-1252 lines (a file re-saved by Excel). Anything else is refused, naming the row."""
from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputFileError

CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}   # bytes Windows-1252 gives no character
MAX_HIGH_BYTE_SHARE = 0.10     # English text in Windows-1252 has few bytes above 0x7f (the GIAS file: 0.004%)
SHOWN_ROWS = 8
HIGH_BYTES = bytes(range(0x80, 0x100))


@dataclass(frozen=True)
class Decoded:
    """A file's text, the codec used, and a note saying why when it was not plain UTF-8 (else None)."""

    text: str
    encoding: str
    note: str | None = None


def decode_text(path: str | Path, data: bytes) -> Decoded:
    """Decide the encoding of DATA (the bytes of PATH) and decode it; InputFileError when it is neither UTF-8,
    UTF-16 with a byte-order mark, nor plausible Windows-1252 (the message names the row of the first bad byte)."""
    if data[:4] in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE):
        return _with_bom(path, data, "utf-32", "UTF-32")
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return _with_bom(path, data, "utf-16", "UTF-16")
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8):] if bom else data
    try:
        return Decoded(body.decode("utf-8"), "utf-8-sig" if bom else "utf-8")
    except UnicodeDecodeError:
        pass
    lines = body.splitlines(keepends=True)
    bad = [(row, line) for row, line in enumerate(lines, start=1) if not line.isascii() and not is_utf8(line)]
    _refuse_undefined(path, bad)
    first_row, first_line = bad[0]
    byte = _first_bad_byte(first_line)
    if bom or any(not line.isascii() and is_utf8(line) for line in lines):
        return _mixed(lines, bad)
    high = len(body) - len(body.translate(None, HIGH_BYTES))
    if high > MAX_HIGH_BYTE_SHARE * max(len(body), 1):
        raise InputFileError(path, f"is neither UTF-8 nor plausible Windows-1252 text: {high:,} of its {len(body):,} "
                                   f"bytes are above 0x7f (first non-UTF-8 byte {byte:#04x} on row {first_row}); "
                                   "save it as 'CSV UTF-8' and load it again", row=first_row)
    return Decoded(body.decode("cp1252"), "cp1252",
                   f"read as Windows-1252: not valid UTF-8 (first non-UTF-8 byte {byte:#04x} on row {first_row})")


def _with_bom(path, data: bytes, codec: str, name: str) -> Decoded:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise InputFileError(path, f"starts with a {name} byte-order mark but is not valid {name} (offset "
                                   f"{exc.start}); save it as 'CSV UTF-8' and load it again") from None
    return Decoded(text.lstrip("\ufeff"), codec,
                   f"read as {name}: the file starts with a {name} byte-order mark (as Excel saves 'Unicode text')")


def _mixed(lines: list[bytes], bad: list[tuple[int, bytes]]) -> Decoded:
    """Mostly UTF-8, a few lines in Windows-1252: each line decoded in its own encoding, the rows named."""
    rows = {row for row, _ in bad}
    text = "".join(line.decode("cp1252" if row in rows else "utf-8")
                   for row, line in enumerate(lines, start=1))
    shown = ", ".join(str(r) for r, _ in bad[:SHOWN_ROWS]) + (" ..." if len(bad) > SHOWN_ROWS else "")
    plural = "s" if len(bad) > 1 else ""
    return Decoded(text.lstrip("\ufeff"), "utf-8+cp1252",
                   f"read as UTF-8 except {len(bad):,} line{plural} in Windows-1252 (row{plural} {shown}): "
                   "the rest of the file is UTF-8, as after an Excel round trip; check those rows' text")


def _refuse_undefined(path, bad: list[tuple[int, bytes]]):
    """A non-UTF-8 line holding a byte Windows-1252 leaves undefined is not text in either encoding."""
    for row, line in bad:
        undefined = next((b for b in line if b in CP1252_UNDEFINED), None)
        if undefined is not None:
            raise InputFileError(path, f"is neither UTF-8 nor Windows-1252 text: byte {undefined:#04x} on row {row} "
                                       "has no meaning in either; save the file as 'CSV UTF-8' and load it again",
                                 row=row)


def _first_bad_byte(line: bytes) -> int:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.object[exc.start]
    return 0


def is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
