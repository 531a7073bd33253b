"""Text from input files made safe for the files repaudit writes: spreadsheet cells that cannot run as
formulas, no control characters (which also break xlsx), and JSON that cannot end an HTML <script> element.

Every string from an input file is hostile; these are the last line of defence in every writer."""
from __future__ import annotations

import json
import math
import re

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")     # what a spreadsheet reads as the start of a formula (OWASP)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")   # C0 controls but tab, LF, CR; and DEL
SCRIPT_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def strip_control(text: str) -> str:
    """TEXT without control characters (NUL, vertical tab, ESC...); tab, line feed and carriage return stay."""
    return CONTROL.sub("", text)


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def neutralise_formula(text: str) -> str:
    """TEXT as a spreadsheet shows it literally: a leading = + - @ tab or CR gets a single quote before it
    (OWASP's advice for CSV), unless the whole text is a plain number such as -12.0."""
    if text.startswith(FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _text_columns(frame: pd.DataFrame) -> list:
    """Columns that may hold text: object, string and categorical ones (numeric columns never do)."""
    return [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c].dtype)
            or isinstance(frame[c].dtype, pd.CategoricalDtype)]


def for_csv(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """A copy of FRAME whose text cells cannot run as formulas or carry control characters; numbers are left
    as numbers. Also returns how many cells were changed: {'formulas neutralised': n, 'control characters
    removed': m} (zero counts left out)."""
    return _clean(frame, csv=True)


def for_xlsx(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """A copy of FRAME with control characters removed from its text cells (openpyxl refuses them); the
    xlsx writer stores every text cell as text, so no quote is added."""
    return _clean(frame, csv=False)


def _clean(frame: pd.DataFrame, csv: bool) -> tuple[pd.DataFrame, dict[str, int]]:
    out, counts = frame.copy(), {"formulas neutralised": 0, "control characters removed": 0}

    def one(value):
        if not isinstance(value, str):
            return value
        cleaned = strip_control(value)
        if cleaned != value:
            counts["control characters removed"] += 1
        if csv:
            quoted = neutralise_formula(cleaned)
            if quoted != cleaned:
                counts["formulas neutralised"] += 1
            cleaned = quoted
        return cleaned

    for column in _text_columns(out):
        out[column] = out[column].astype(object).map(one)
    return out, {k: v for k, v in counts.items() if v}


def script_json(obj) -> str:
    """JSON safe inside an HTML <script> element: no '<', '>' or '&' (so no '</script>' or '<!--') and no
    U+2028/U+2029; JSON.parse gives back exactly OBJ."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    for char, escape in SCRIPT_ESCAPES:
        text = text.replace(char, escape)
    return text
