"""The header row of a delimited file: its delimiter (',', tab, ';' or Excel's 'sep=' line), column names compared
without case or punctuation, and names given twice, refused when the loader reads that column."""
from __future__ import annotations

import re
from typing import Callable

from ..errors import InputFileError

SEP_LINE = re.compile(r"^sep=(.)\s*$", re.I)      # Excel's first line naming the delimiter


def normalise(name: str) -> str:
    """Column-name key: lower case, letters and digits only, so 'LA (code)' == 'la_code'."""
    return re.sub(r"[^a-z0-9%]+", "", name.lower())


def delimiter_of(first_line: str) -> tuple[str, bool]:
    """The delimiter a file's first line uses (',', tab or ';'), and whether that line is Excel's 'sep=X' line."""
    sep = SEP_LINE.match(first_line.lstrip("\ufeff"))
    if sep:
        return sep.group(1), True
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return (best if counts[best] else ","), False


def repeated_names(header: list[str]) -> dict[str, list[int]]:
    """Header names given more than once (compared like resolve_columns compares them) -> 1-based positions."""
    positions: dict[str, list[int]] = {}
    spelled: dict[str, str] = {}
    for number, name in enumerate(header, start=1):
        key = normalise(name)
        if key:
            positions.setdefault(key, []).append(number)
            spelled.setdefault(key, name)
    return {spelled[key]: where for key, where in positions.items() if len(where) > 1}


def check_repeated_columns(table, used: Callable[[str], bool], source: str) -> None:
    """InputFileError when a column the loader reads (USED(name) is true) appears more than once in the header
    of TABLE (a reader.RawTable); a repeated column it does not read gets a note in table.notes."""
    for name, where in table.repeated.items():
        shown = ", ".join(str(n) for n in where)
        if used(name):
            raise InputFileError(table.path, f"has the column '{name}' {len(where)} times (columns {shown}): "
                                 f"'{source}' reads that column and cannot tell which copy is right; delete or "
                                 "rename the extra copies and load the file again", column=name)
        table.notes.append(f"column '{name}' appears {len(where)} times (columns {shown}); '{source}' does not "
                           "read it, so the copies were ignored")


def uses(*alias_groups) -> Callable[[str], bool]:
    """A test for column names that any of ALIAS_GROUPS (dicts of canonical -> aliases, or lists) would read."""
    keys = set()
    for group in alias_groups:
        items = group.items() if isinstance(group, dict) else [(name, []) for name in group]
        for canonical, names in items:
            keys.update(normalise(n) for n in [canonical, *names])
    return lambda name: normalise(name) in keys
