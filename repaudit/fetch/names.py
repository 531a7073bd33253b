"""Names that come from a mirror (release ids, file names) are data: each is checked before it becomes part of a
path or an address, and a path made from one must lie directly in its cache folder, the only place fetch writes."""
from __future__ import annotations

import re
from pathlib import Path

from ..errors import FetchError

RELEASE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,99}")          # EES ids are UUIDs; slugs in tests
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


def shown(text: str, width: int = 80) -> str:
    """TEXT quoted for a message: control characters and other non-ASCII escaped, long text cut."""
    quoted = ascii(str(text))
    return quoted if len(quoted) <= width else quoted[:width - 4] + "...'"


def checked_release(release: str, url: str) -> str:
    """RELEASE when it is a plain id (letters, digits, '-'); otherwise FetchError: it would leave the cache or
    change the address it is put into."""
    if not RELEASE_ID.fullmatch(release):
        raise FetchError(f"{url}: the page gives the release id {shown(release)}, which is not a plain id (letters, "
                         "digits and '-'): it could lead outside the cache folder, so nothing was downloaded")
    return release


def in_cache(folder: Path, name: str, url: str) -> Path:
    """FOLDER / NAME when NAME is a plain file name (no '/', '\\', '..', leading dot or control character) that
    stays directly inside FOLDER; otherwise FetchError naming where the name came from."""
    path = Path(folder) / name
    plain = FILE_NAME.fullmatch(name) and ".." not in name
    if not plain or path.resolve().parent != Path(folder).resolve():
        raise FetchError(f"{url}: the file name {shown(name)} is not a plain file name inside the cache folder "
                         f"{folder}; nothing was written")
    return path
