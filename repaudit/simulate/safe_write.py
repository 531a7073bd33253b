"""Write the simulator's extra tables and pages safely: a temporary file renamed when complete (a failed run
leaves the previous file), and CSV text cells that cannot start a spreadsheet formula (OWASP)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutral(text) -> str:
    """A text cell prefixed with a quote when it starts like a formula (numbers are left as numbers)."""
    text = str(text)
    return "'" + text if text[:1] in FORMULA_START else text


def write_text(path: str | Path, text: str) -> Path:
    """TEXT into PATH through a temporary file in the same folder, renamed when complete."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)               # as an ordinary new file (mkstemp makes it private)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """FRAME as CSV (text columns neutralised, floats to 6 significant digits, NaN as empty) into PATH."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(lambda v: v if not isinstance(v, str) else neutral(v))
    return write_text(path, out.to_csv(index=False, float_format="%.6g"))
