"""Take one member out of a downloaded ZIP without letting the archive escape the cache or fill the disk.

Every member is checked before anything is written: absolute paths, drive letters, `..` components,
symbolic links and device files make the whole archive suspect; so does a member larger than the
--max-extract limit or one that claims to expand more than 200 times. While the member is written its
real size and ratio are checked again (headers can lie). A refused archive is removed from the cache
with anything half-extracted from it, so a rerun downloads it afresh.
"""
from __future__ import annotations

import re
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from ..errors import FetchError, about
from .limits import Limits, format_size

CHUNK = 1 << 20
SPECIAL_FILES = {stat.S_IFLNK: "a symbolic link", stat.S_IFCHR: "a device file", stat.S_IFBLK: "a device file",
                 stat.S_IFIFO: "a named pipe", stat.S_IFSOCK: "a socket"}


class Refused(FetchError):
    """The archive is unsafe or damaged; it is removed from the cache."""


def unsafe_reason(info: zipfile.ZipInfo) -> str | None:
    """Why a member could write outside the target folder or is not a plain file, or None when it is safe."""
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if ".." in PurePosixPath(name).parts:
        return "a '..' component"
    kind = SPECIAL_FILES.get(stat.S_IFMT(info.external_attr >> 16))
    if kind:
        return kind
    return None


def oversize_reason(size: int, packed: int, limits: Limits) -> str | None:
    """Why SIZE uncompressed bytes from PACKED compressed bytes are too many, or None."""
    if size > limits.max_extract:
        return (f"expands to more than the --max-extract limit of {format_size(limits.max_extract)} (raise "
                "--max-extract if the file really is that large)")
    if size > limits.ratio_from and size > limits.max_ratio * max(packed, 1):
        return (f"expands {size / max(packed, 1):,.0f} times ({format_size(packed)} to at least {format_size(size)}), "
                f"more than the {limits.max_ratio}:1 a data file can: a ZIP bomb")
    return None


def check_members(zf: zipfile.ZipFile, limits: Limits):
    """Refuse the archive when any member is unsafe or declares a size or ratio over the limits."""
    for info in zf.infolist():
        reason = unsafe_reason(info)
        if reason:
            raise Refused(f"member '{info.filename}' has {reason} and could write outside the cache folder")
        reason = oversize_reason(info.file_size, info.compress_size, limits)
        if reason:
            raise Refused(f"member '{info.filename}' {reason}")


def the_member(zf: zipfile.ZipFile, pattern: str) -> zipfile.ZipInfo:
    """The one member whose file name matches the regular expression PATTERN."""
    wanted = re.compile(pattern, re.I)
    matches = [i for i in zf.infolist()
               if not i.is_dir() and wanted.fullmatch(PurePosixPath(i.filename.replace("\\", "/")).name)]
    if len(matches) != 1:
        names = ", ".join(i.filename for i in zf.infolist()[:20])
        raise Refused(f"expected one member whose name matches {pattern}, found {len(matches)}. Members: {names}")
    return matches[0]


def copy_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, part: Path, limits: Limits):
    """Write INFO's bytes to PART, counting them against the limits as they come."""
    written = 0
    with zf.open(info) as src, open(part, "wb") as out:
        while chunk := src.read(CHUNK):
            written += len(chunk)
            reason = oversize_reason(written, info.compress_size, limits)
            if reason:
                raise Refused(f"member '{info.filename}' {reason}")
            out.write(chunk)


def extract_member(archive: Path, pattern: str, dest: Path, limits: Limits = Limits()) -> Path:
    """Write the one member of ARCHIVE whose file name matches the regular expression PATTERN to DEST; refuse
    (and remove ARCHIVE) when any member is unsafe or over the limits."""
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    try:
        with about(dest), zipfile.ZipFile(archive) as zf:
            check_members(zf, limits)
            copy_member(zf, the_member(zf, pattern), part, limits)
            part.replace(dest)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        _discard(archive, part)
        raise FetchError(f"{archive}: not a readable ZIP archive ({exc}); it was removed from the cache, run the "
                         "command again to download it afresh") from None
    except Refused as exc:
        _discard(archive, part)
        raise FetchError(f"{archive}: refused, {exc}; nothing was extracted and the archive was removed from the "
                         "cache") from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return dest


def _discard(archive: Path, part: Path):
    part.unlink(missing_ok=True)
    Path(archive).unlink(missing_ok=True)
