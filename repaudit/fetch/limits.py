"""How much `repaudit fetch` will download and extract, so that a hostile or broken server (an endless
response, a ZIP bomb) cannot fill the disk: sizes are capped and each ZIP member's compression ratio checked.

The defaults leave room for the largest official file (the EES 'all files' archives and the LSOA boundary
layers are a few hundred MB; the largest extracted member, SPC school level, is about 150 MB).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

UNITS = {"": 1, "B": 1, "K": 10**3, "KB": 10**3, "M": 10**6, "MB": 10**6, "G": 10**9, "GB": 10**9,
         "T": 10**12, "TB": 10**12, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}
SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*")

DEFAULT_MAX_DOWNLOAD = 4 * 10**9
DEFAULT_MAX_EXTRACT = 4 * 10**9
MAX_RATIO = 200                 # uncompressed : compressed; real CSVs deflate about 5-20 : 1
RATIO_FROM = 4 * 10**6          # members smaller than this are not ratio-checked (tiny files compress oddly)


@dataclass(frozen=True)
class Limits:
    """The caps one fetch runs under, in bytes."""

    max_download: int = DEFAULT_MAX_DOWNLOAD
    max_extract: int = DEFAULT_MAX_EXTRACT
    max_ratio: int = MAX_RATIO
    ratio_from: int = RATIO_FROM


def parse_size(text: str) -> int:
    """'500MB', '4GB', '1.5 GiB', '2000' (bytes) as a number of bytes; ValueError naming the text otherwise."""
    match = SIZE.fullmatch(str(text))
    unit = match.group(2).upper() if match else None
    if not match or unit not in UNITS:
        raise ValueError(f"'{text}' is not a size: expected a number with an optional unit, such as 500MB or 4GB "
                         "(KB, MB, GB, TB are powers of 1000; KiB, MiB, GiB, TiB powers of 1024)")
    size = int(float(match.group(1)) * UNITS[unit])
    if size <= 0:
        raise ValueError(f"'{text}' is not a size above zero")
    return size


def format_size(size: int) -> str:
    """Bytes in the largest decimal unit that keeps the number at least 1, e.g. 2,150,000,000 -> '2.15 GB'."""
    for unit in ("TB", "GB", "MB", "KB"):
        if size >= UNITS[unit]:
            return f"{size / UNITS[unit]:.3g} {unit}"
    return f"{size:,} bytes"
