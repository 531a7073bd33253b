"""Domain errors. The library raises these; only the CLI turns them into exit code 1 and a message.

`explain` is the one place where an OSError or a DuckDB I/O error becomes such an error."""
import errno
import re
import sys
from contextlib import contextmanager


class Terminated(KeyboardInterrupt):
    """SIGTERM (a service manager or `kill` stopping the command): cleaned up like Ctrl-C, reported as 'Terminated.'"""


class RepauditError(Exception):
    """Any problem the user can fix: the message says what was found, what was expected and where."""


class InputFileError(RepauditError):
    """A file cannot be read as the source it was given as."""

    def __init__(self, path, message, *, row=None, column=None):
        self.path, self.row, self.column = str(path), row, column
        where = f"{self.path}"
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {message}")


class MissingColumnError(InputFileError):
    """Required columns are absent; the message lists the columns that were found."""

    def __init__(self, path, missing, found, source):
        self.missing, self.found = list(missing), list(found)
        shown = ", ".join(self.found[:40]) + (" ..." if len(self.found) > 40 else "")
        super().__init__(
            path,
            f"not a '{source}' file: missing column(s) {', '.join(self.missing)}. "
            f"Columns found: {shown}",
        )


class WrongSourceError(InputFileError):
    """The file looks like a different SOURCE than the one given."""


class GeometryError(InputFileError):
    """A geometry file has no usable geometries or no CRS."""


class FetchError(RepauditError):
    """A download failed; nothing half-written was left behind."""


class WarehouseError(RepauditError):
    """The warehouse is missing a table or holds no data for the request."""


class OtherSourceError(WrongSourceError, MissingColumnError):
    """A file lacking SOURCE's columns because it is another SOURCE's file: the message names that SOURCE
    and lists the columns found."""

    def __init__(self, path, message, found):
        self.missing, self.found = [], list(found)
        InputFileError.__init__(self, path, message)


DISK_FULL = "No space left on device"


def explain(exc: BaseException, path=None) -> RepauditError | None:
    """The one place where a failure of the machine rather than of repaudit (an OSError such as a full disk or a
    missing permission, or a DuckDB I/O error such as a warehouse locked by another program) becomes a
    RepauditError naming PATH (or the file the error names) and what to do; None for anything else (a bug)."""
    if isinstance(exc, RepauditError):
        return exc
    if isinstance(exc, OSError):
        return _os_error(exc, path or exc.filename)
    if isinstance(exc, UnicodeEncodeError) and "surrogates not allowed" in str(exc):
        return RepauditError(f"{path or 'a file name'}: a file name holds bytes that are not UTF-8 (as unzip leaves "
                             "names from Windows zips), which this step cannot use: rename the file (for example with "
                             "`convmv -f cp1252 -t utf8`), then run the command again")
    duckdb = sys.modules.get("duckdb")
    if duckdb is not None and isinstance(exc, duckdb.Error) and not is_interrupt(exc):
        return _duckdb_error(str(exc), path)
    return None


def is_interrupt(exc: BaseException) -> bool:
    """Ctrl-C, whether Python saw it or DuckDB stopped a running query for it (as InterruptException, or as
    the RuntimeError 'Query interrupted' its Python client raises while a query streams a file)."""
    duckdb = sys.modules.get("duckdb")
    return (isinstance(exc, KeyboardInterrupt)
            or (duckdb is not None and isinstance(exc, duckdb.InterruptException))
            or (type(exc) is RuntimeError and str(exc) == "Query interrupted"))


@contextmanager
def about(path):
    """Within the block, an OSError or DuckDB I/O error is raised as a RepauditError naming PATH."""
    try:
        yield
    except Exception as exc:
        error = explain(exc, path)
        if error is None or error is exc:
            raise
        raise error from None


_OS_ADVICE = {
    errno.ENOSPC: "the disk is full (No space left on device): free some space or choose a location on another "
                  "disk, then run the command again",
    errno.EDQUOT: "the disk quota is used up: free some space or choose another location, then run the command again",
    errno.EACCES: "permission denied: change its permissions, or choose another path",
    errno.EPERM: "permission denied: change its permissions, or choose another path",
    errno.EROFS: "this is on a read-only file system: choose a location you can write to",
    errno.ENOTDIR: "a part of this path is a file, not a folder: choose another path",
    errno.EISDIR: "this is a folder: give the name of a file",
    errno.EEXIST: "something that is not a folder already has this name: choose another path",
    errno.ENOENT: "no such file or folder, and it cannot be created here: check the path",
    errno.ENAMETOOLONG: "the name is too long: choose a shorter path",
}


def _os_error(exc: OSError, path) -> RepauditError | None:
    advice = _OS_ADVICE.get(exc.errno)
    if advice is None:
        if path is None or exc.strerror is None:
            return None
        advice = f"{exc.strerror}: check the path, or choose another location"
    if path is None:
        return RepauditError(advice[0].upper() + advice[1:])
    return RepauditError(f"{path}: {advice}")


def _duckdb_error(text: str, path) -> RepauditError | None:
    quoted = re.search(r'"([^"]+)"', text)
    where = path or (quoted.group(1) if quoted else None)
    warehouse = f"the warehouse {where}" if where else "the warehouse"
    if "Could not set lock" in text:
        pid = re.search(r"\(PID (\d+)\)", text)
        held = f" (process {pid.group(1)})" if pid else ""
        return RepauditError(f"{warehouse} is in use by another program{held}: close it or wait for it to finish, "
                             "then run the command again")
    if DISK_FULL in text:
        return RepauditError(f"{where or 'the warehouse'}: the disk is full (No space left on device): free some "
                             "space or move the warehouse to another disk, then run the command again; nothing was "
                             "changed")
    if "Permission denied" in text:
        return RepauditError(f"{warehouse} cannot be opened: permission denied. Make it readable and writable"
                             + (f" (chmod u+rw {where})" if where else "") + " or give another --db")
    if "Read-only file system" in text:
        return RepauditError(f"{warehouse} is on a read-only file system: copy it somewhere writable or give "
                             "another --db")
    if "in read-only mode: database does not exist" in text:
        return RepauditError(f"there is no warehouse at {where}: load data first (`repaudit load-sample` or "
                             "`repaudit load`), or give the right --db")
    if "Corrupt database file" in text or "Could not read enough bytes" in text:
        return RepauditError(f"{warehouse} is damaged ({text.removeprefix('IO Error: ')}): restore it from a copy, "
                             "or give another --db to start a new one")
    if "not a valid DuckDB database" in text:
        return RepauditError(f"{where or 'the file'} is not a DuckDB database: give the path of a warehouse written "
                             "by repaudit, or a new file name")
    for reason, errcode in (("Not a directory", errno.ENOTDIR), ("Is a directory", errno.EISDIR),
                            ("No such file or directory", errno.ENOENT)):
        if reason in text and where:
            return _os_error(OSError(errcode, reason), where)
    return None
