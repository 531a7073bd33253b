"""Take one member out of a downloaded ZIP without letting any member name escape the cache.

Every name in the archive is checked before anything is written: absolute paths, drive letters,
`..` components and symbolic links make the whole archive suspect, and it is refused.
"""
from __future__ import annotations

import re
import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

from ..errors import FetchError


def unsafe_reason(info: zipfile.ZipInfo) -> str | None:
    """Why a member could write outside the target folder, or None when it cannot."""
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if ".." in PurePosixPath(name).parts:
        return "a '..' component"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "a symbolic link"
    return None


def extract_member(archive: Path, pattern: str, dest: Path) -> Path:
    """Write the one member of ARCHIVE whose file name matches the regular expression PATTERN to DEST."""
    try:
        zf = zipfile.ZipFile(archive)
    except zipfile.BadZipFile:
        raise FetchError(f"{archive}: not a readable ZIP archive") from None
    with zf:
        for info in zf.infolist():
            reason = unsafe_reason(info)
            if reason:
                raise FetchError(f"{archive}: refused, member '{info.filename}' has {reason} and could write "
                                 "outside the cache folder; nothing was extracted")
        wanted = re.compile(pattern, re.I)
        matches = [i for i in zf.infolist()
                   if not i.is_dir() and wanted.fullmatch(PurePosixPath(i.filename.replace("\\", "/")).name)]
        if len(matches) != 1:
            names = ", ".join(i.filename for i in zf.infolist()[:20])
            raise FetchError(f"{archive}: expected one member whose name matches {pattern}, found {len(matches)}. "
                             f"Members: {names}")
        dest = Path(dest)
        part = dest.with_name(dest.name + ".part")
        try:
            with zf.open(matches[0]) as src, open(part, "wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
            part.replace(dest)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    return dest
