"""Text cells made safe to store: control characters (NUL, vertical tab, ESC, other C0 and C1 codes except tab and
line breaks) removed, C1 codes that are Windows-1252 punctuation read through Latin-1 (U+0092 for a right quote)
given back their character, and UTF-8 read as Windows-1252 ('St Thomas Ã\xa0 Becket') repaired, each change
said in a note naming the rows and columns."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
C1_AS_CP1252 = {code: bytes([code]).decode("cp1252") for code in range(0x80, 0xA0) if code not in CP1252_UNDEFINED}
SHOWN = 6
_CONTINUATION = "\u0080-\u00bf" + "".join(bytes([b]).decode("cp1252") for b in range(0x80, 0xA0)
                                         if b not in CP1252_UNDEFINED)
MOJIBAKE = re.compile(f"[\u00c2-\u00df][{_CONTINUATION}]|[\u00e0-\u00ef][{_CONTINUATION}]{{2}}")
MOJIBAKE_LEAD = re.compile("[\u00c2-\u00ef]")     # where a piece of mojibake can start


def _repair(match: re.Match) -> str:
    return C1_AS_CP1252.get(ord(match.group()), "")


def clean_control_characters(frame: pd.DataFrame, lines: np.ndarray) -> list[str]:
    """Fix FRAME's text cells in place; notes naming the rows and columns changed ([] when none)."""
    if not _any_control(frame):
        return []
    stripped: dict[str, list[int]] = {}
    repaired: dict[str, list[int]] = {}
    for column in frame.columns:
        cells = frame[column].astype(str)
        hit = cells.str.contains(CONTROL.pattern, regex=True).to_numpy()
        if not hit.any():
            continue
        before = cells[hit]
        only_c1 = before.map(lambda text: all(ord(c) in C1_AS_CP1252 for c in CONTROL.findall(text)))
        fixed = before.str.replace(CONTROL.pattern, _repair, regex=True)
        frame.loc[hit, column] = fixed.to_numpy(dtype=object)
        rows = lines[hit]
        repaired_rows = rows[only_c1.to_numpy()]
        stripped_rows = rows[~only_c1.to_numpy()]
        if len(repaired_rows):
            repaired[column] = list(repaired_rows)
        if len(stripped_rows):
            stripped[column] = list(stripped_rows)
    notes = []
    if stripped:
        notes.append("control characters (NUL, ESC, vertical tab or other C0/C1 codes) removed from "
                     + _where(stripped))
    if repaired:
        notes.append("C1 codes that are Windows-1252 punctuation read as Latin-1 (e.g. U+0092 for \u2019) given back "
                     "their characters in " + _where(repaired))
    return notes


def _any_control(frame: pd.DataFrame) -> bool:
    """True when some cell holds a control character (one pass over the text before any per-column work)."""
    for column in frame.columns:
        if CONTROL.search("\n".join(map(str, frame[column].to_numpy(dtype=object)))):
            return True
    return False


def _where(found: dict[str, list[int]]) -> str:
    total = sum(len(rows) for rows in found.values())
    parts = []
    for column, rows in found.items():
        shown = ", ".join(str(r) for r in rows[:SHOWN]) + (" ..." if len(rows) > SHOWN else "")
        parts.append(f"column '{column}' row{'s' if len(rows) > 1 else ''} {shown}")
    return f"{total:,} cell{'s' if total > 1 else ''}: " + "; ".join(parts)


def has_mojibake(text: str) -> bool:
    """True when TEXT holds UTF-8 read as Windows-1252; tries the full pattern only where one can start (fast on
    large files whose few non-ASCII letters are accents)."""
    return any(MOJIBAKE.match(text, hit.start()) for hit in MOJIBAKE_LEAD.finditer(text))


def repair_mojibake(frame: pd.DataFrame, lines: np.ndarray) -> list[str]:
    """Cells whose text is UTF-8 bytes decoded as Windows-1252 ('Ã©' for 'é') given back their text, when the
    whole cell decodes so; a note naming the rows and columns ([] when none)."""
    repaired: dict[str, list[int]] = {}
    for column in frame.columns:
        values = frame[column].to_numpy(dtype=object)
        if not MOJIBAKE.search("\n".join(map(str, values))):
            continue
        rows = []
        for i, value in enumerate(values):
            fixed = _undo_mojibake(str(value)) if MOJIBAKE.search(str(value)) else None
            if fixed is not None:
                frame.iat[i, frame.columns.get_loc(column)] = fixed
                rows.append(int(lines[i]))
        if rows:
            repaired[column] = rows
    if not repaired:
        return []
    return ["text that is UTF-8 read as Windows-1252 (such as '\u00c3\u00a9' for '\u00e9') repaired in " + _where(repaired)]


def _undo_mojibake(text: str) -> str | None:
    try:
        fixed = text.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return None
    return fixed if fixed != text else None
