"""Where the project keeps things (the SQL folder, the bundled sample, default outputs), the check that a
file path given by the user can be written, and how a path whose name is not UTF-8 is shown."""
import codecs
import os
from pathlib import Path

from .errors import RepauditError

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
QUERIES_DIR = PROJECT_DIR / "queries"
SAMPLE_DIR = PACKAGE_DIR / "sample_data"
OUTPUT_DIR = Path("output")
DEFAULT_DB = OUTPUT_DIR / "repaudit.duckdb"


def check_file_target(path, option: str, example: str):
    """Refuse an output file path that is a folder, a device, lies inside a file or holds a NUL, before any work is
    done (a file is written beside it and renamed over it, which must never replace a device)."""
    if "\x00" in str(path):
        raise RepauditError(f"{option} {str(path)!r} contains a NUL character, which no file name can hold")
    target = Path(path)
    if target.is_dir():
        raise RepauditError(f"{option} {target} is a folder: give the name of a file, such as {target / example}")
    if target.exists() and not target.is_file():
        raise RepauditError(f"{option} {target} is not a regular file (a device, pipe or socket): give the name of "
                            "a file")
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise RepauditError(f"{option} {target}: {parent} is a file, not a folder; choose another path")
            break


def is_utf8_name(path) -> bool:
    """PATH's name is valid UTF-8 (a name from a Windows zip unpacked by unzip may hold Windows-1252 bytes)."""
    try:
        os.fsencode(str(path)).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def shown(path) -> str:
    """PATH as text that can be printed and stored: bytes of the name that are not UTF-8 are read as
    Windows-1252 (what a zip made on Windows holds), so 'caf\\xe9.csv' shows as 'café.csv'."""
    text = str(path)
    if is_utf8_name(text):
        return text
    return os.fsencode(text).decode("utf-8", errors="repaudit-cp1252")


def _as_cp1252(error: UnicodeDecodeError):
    return error.object[error.start:error.end].decode("cp1252", errors="replace"), error.end


codecs.register_error("repaudit-cp1252", _as_cp1252)
