"""How much an input file may expand to, in one place: bytes once decompressed (gzip, zip members, xlsx parts),
rows, an xlsx workbook's shared strings, a geometry file's features and vertices. A file beyond a limit is
refused with a sentence naming the file, the limit and how to raise it (--limit NAME=N or REPAUDIT_LIMITS), so
that a small hostile file (a gzip or zip bomb, a workbook of 100 million strings) cannot exhaust memory or run
for hours. Only regular files are read (a device, a named pipe or a folder is refused); standard input (`-`) is
copied once to a temporary file, within the bytes limit.

The defaults admit the largest real files with a wide margin (measured on the public national files):
  bytes     500 MB   largest decompressed input 28.9 MB (school-level applications and offers, 2014-2022);
                     a full national SPC school-level file is about 150 MB
  rows      5,000,000    largest 214,033 lines (Census 2021 population by LSOA and age)
  strings   5,000,000    largest xlsx shared strings 66,332 (IoD2019 File 3)
  features  200,000      largest 7,200 (MSOA 2011 outlines); all LSOAs of England and Wales are 35,672 and
                         all output areas 188,880 (GDAL reads about 40,000 features a second)
  vertices  25,000,000   largest 160,949 (London LSOA 2011 boundaries)
"""
from __future__ import annotations

import contextlib
import contextvars
import gzip
import os
import re
import shutil
import stat
import sys
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, fields, replace
from pathlib import Path

from ..errors import InputFileError, RepauditError

ENV = "REPAUDIT_LIMITS"
STDIN = "-"
CHUNK = 1 << 20
UNITS = {"": 1, "K": 10**3, "KB": 10**3, "M": 10**6, "MB": 10**6, "G": 10**9, "GB": 10**9, "T": 10**12,
         "TB": 10**12}
NUMBER = re.compile(r"\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([A-Za-z]*)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class InputLimits:
    """The most an input may expand to; see the module's docstring for how the defaults were chosen."""

    bytes: int = 500 * 10**6
    rows: int = 5_000_000
    strings: int = 5_000_000
    features: int = 200_000
    vertices: int = 25_000_000


WHAT = {"bytes": "bytes", "rows": "rows", "strings": "shared strings", "features": "features",
        "vertices": "vertices"}
_CURRENT = contextvars.ContextVar("repaudit_input_limits", default=InputLimits())


class InputLimitError(InputFileError):
    """An input expands to more than a limit allows."""

    def __init__(self, path, found: str, name: str, limit: int):
        self.limit_name, self.limit = name, limit
        super().__init__(path, f"{found}, beyond the input limit {name}={limit:,}; if the file is genuine, raise "
                               f"it with --limit {name}=N (or {ENV}={name}=N)")


def current() -> InputLimits:
    """The limits in force (the defaults, or those given by --limit or REPAUDIT_LIMITS)."""
    return _CURRENT.get()


@contextlib.contextmanager
def applied(limits: InputLimits):
    """Within this block, inputs are read under LIMITS."""
    token = _CURRENT.set(limits)
    try:
        yield limits
    finally:
        _CURRENT.reset(token)


def parse_limits(items, base: InputLimits | None = None) -> InputLimits:
    """LIMITS from 'NAME=N' items (also comma-separated in one item): bytes=2GB, rows=2e7, features=1000000.
    ValueError naming the item when it is not one of them."""
    changes = {}
    names = [f.name for f in fields(InputLimits)]
    for item in items:
        for part in str(item).split(","):
            if not part.strip():
                continue
            name, sep, value = part.partition("=")
            name = name.strip().lower()
            if not sep or name not in names:
                raise ValueError(f"'{part.strip()}' is not NAME=N with NAME one of {', '.join(names)} "
                                 "(e.g. rows=20000000 or bytes=2GB)")
            changes[name] = _number(value, part.strip())
    return replace(base or InputLimits(), **changes)


def _number(text: str, item: str) -> int:
    match = NUMBER.fullmatch(text)
    unit = match.group(2).upper() if match else None
    if not match or unit not in UNITS:
        raise ValueError(f"'{item}': '{text.strip()}' is not a whole number above zero (units K, M, G, T allowed, "
                         "e.g. 2GB or 2e7)")
    value = int(float(match.group(1)) * UNITS[unit])
    if value <= 0:
        raise ValueError(f"'{item}': the limit must be above zero")
    return value


def check_regular(path: str | Path) -> None:
    """Refuse anything but a regular file (a device such as /dev/zero never ends; a named pipe can be read only
    once and may never end; a folder is not a file), before any byte is read."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise InputFileError(path, f"cannot be read ({exc.strerror})") from None
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        kind = "a folder"
    elif stat.S_ISFIFO(mode):
        kind = "a pipe"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    else:
        kind = "not a regular file"
    kind = kind if kind.startswith("not") else f"{kind}, not a regular file"
    raise InputFileError(path, f"is {kind}: give the path of a file (or `-` to read standard input once)")


def check_size(path: str | Path, size: int | None = None) -> None:
    """Refuse a file on disk larger than the bytes limit."""
    size = os.stat(path).st_size if size is None else size
    limit = current().bytes
    if size > limit:
        raise InputLimitError(path, f"is {size:,} bytes", "bytes", limit)


def check_gzip(path: str | Path) -> None:
    """Decompress PATH without keeping it, refusing it as soon as it passes the bytes or rows limit (a gzip bomb
    is stopped after reading at most the limit)."""
    limits = current()
    total = lines = 0
    try:
        with gzip.open(path, "rb") as stream:
            while chunk := stream.read(CHUNK):
                total += len(chunk)
                lines += chunk.count(b"\n")
                if total > limits.bytes:
                    raise InputLimitError(path, f"expands to more than {limits.bytes:,} bytes once decompressed",
                                          "bytes", limits.bytes)
                if lines > limits.rows:
                    raise InputLimitError(path, f"holds more than {limits.rows:,} lines", "rows", limits.rows)
    except (OSError, EOFError, zlib.error) as exc:
        raise InputFileError(path, f"is a damaged gzip file ({exc})") from None


def check_lines(path: str | Path, data: bytes) -> None:
    """Refuse text of more lines than the rows limit."""
    limit = current().rows
    lines = data.count(b"\n") if len(data) > limit else 0
    if lines > limit:
        raise InputLimitError(path, f"holds {lines:,} lines", "rows", limit)


def check_zip(path: str | Path, archive: zipfile.ZipFile) -> None:
    """Refuse a zip whose members together expand to more than the bytes limit (as their headers declare it;
    Python's zipfile never gives more than the declared size, and the counts below read what is really there)."""
    limit = current().bytes
    total = sum(info.file_size for info in archive.infolist())
    if total > limit:
        raise InputLimitError(path, f"expands to {total:,} bytes once unzipped", "bytes", limit)


def count_tags(path: str | Path, archive: zipfile.ZipFile, member: str, tag: bytes, name: str) -> int:
    """How many TAG elements the zip MEMBER (an XML part) holds, streamed; refused beyond the NAME limit."""
    limit = getattr(current(), name)
    pattern = re.compile(rb"<(?:\w+:)?" + tag + rb"[\s>/]")
    found, rest = 0, b""
    with archive.open(member) as stream:
        while chunk := stream.read(CHUNK):
            data = rest + chunk
            cut = data.rfind(b"<")
            cut = len(data) if cut < 0 else cut
            found += len(pattern.findall(data, 0, cut))
            rest = data[cut:]
            if found > limit:
                raise InputLimitError(path, f"{member} holds more than {limit:,} {WHAT[name]}", name, limit)
    found += len(pattern.findall(rest))
    if found > limit:
        raise InputLimitError(path, f"{member} holds {found:,} {WHAT[name]}", name, limit)
    return found


def check_count(path: str | Path, found: int, name: str, what: str | None = None) -> None:
    """Refuse FOUND items (features, vertices) beyond the NAME limit."""
    limit = getattr(current(), name)
    if found > limit:
        raise InputLimitError(path, f"holds {'more than ' if what else ''}{what or f'{found:,}'} {WHAT[name]}",
                              name, limit)


def is_stdin(path: str | Path) -> bool:
    """True for `-`, and for a path that is this process's standard input when that is a pipe (/dev/stdin)."""
    if str(path) == STDIN:
        return True
    try:
        here = os.fstat(sys.stdin.fileno())
        return stat.S_ISFIFO(here.st_mode) and os.path.samestat(os.stat(path), here)
    except (OSError, ValueError, AttributeError, TypeError):
        return False


@contextlib.contextmanager
def spooled_stdin(paths):
    """PATHS with standard input (`-` or /dev/stdin) replaced by a temporary copy, read once within the bytes limit
    (a pipe cannot be read twice, and the type of a file is told from its first bytes before it is read); the
    copy is removed afterwards. Yields (paths, the copy or None)."""
    paths = [str(p) for p in paths]
    which = [i for i, p in enumerate(paths) if is_stdin(p)]
    if not which:
        yield paths, None
        return
    if len(which) > 1:
        raise RepauditError("standard input can be read once: give `-` (or /dev/stdin) only once")
    folder = Path(tempfile.mkdtemp(prefix="repaudit-stdin-"))
    try:
        copy = folder / "stdin"
        limit = current().bytes
        stream = getattr(sys.stdin, "buffer", sys.stdin)
        with open(copy, "wb") as out:
            total = 0
            while chunk := stream.read(CHUNK):
                total += len(chunk)
                if total > limit:
                    raise InputLimitError("standard input", f"holds more than {limit:,} bytes", "bytes", limit)
                out.write(chunk if isinstance(chunk, bytes) else chunk.encode("utf-8"))
        paths[which[0]] = str(copy)
        yield paths, copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)


__all__ = ["InputLimits", "InputLimitError", "current", "applied", "parse_limits", "check_regular", "check_size",
           "check_gzip", "check_lines", "check_zip", "count_tags", "check_count", "is_stdin", "spooled_stdin", "ENV"]
