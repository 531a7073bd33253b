"""How much `repaudit fetch` will download and extract, and for how long, so that a hostile or broken server (an
endless response, a ZIP bomb, a trickle of bytes, pages that never end) cannot fill the disk or run forever:
sizes are capped, each ZIP member's compression ratio checked, each file has an overall deadline, and a paged
layer a cap on its pages.

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
DEFAULT_MAX_TIME = 3600         # seconds for one file: the largest official file takes minutes on a slow line
MAX_PAGE = 50 * 10**6           # a landing page or one page of features; real ones are under 2 MB
MAX_PAGES = 1000                # pages of one ArcGIS layer; the 35,672 LSOA centroids take 18
MAX_RATIO = 200                 # uncompressed : compressed; real CSVs deflate about 5-20 : 1
RATIO_FROM = 4 * 10**6          # members smaller than this are not ratio-checked (tiny files compress oddly)


@dataclass(frozen=True)
class Limits:
    """The caps one fetch runs under, in bytes."""

    max_download: int = DEFAULT_MAX_DOWNLOAD
    max_extract: int = DEFAULT_MAX_EXTRACT
    max_ratio: int = MAX_RATIO
    ratio_from: int = RATIO_FROM
    max_time: float = DEFAULT_MAX_TIME
    max_page: int = MAX_PAGE
    max_pages: int = MAX_PAGES


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
