"""What an output may replace: only files repaudit wrote itself, in a folder that is new, empty or holds
repaudit's own earlier output of the same kind; never a link, a folder, a read-only file, the warehouse, the
download cache or an input of the command. Each folder repaudit writes into keeps a small record (LEDGER) of
the files it wrote there, with their SHA-256, so a file the user made or changed is never taken for one."""
from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

from .errors import RepauditError

LEDGER = ".repaudit.json"
META = "meta.json"
NAME_MAX = 255                 # bytes in one file name on Linux, macOS and Windows file systems
_protected: dict[Path, tuple[str, bool]] = {}     # absolute path -> (what it is, whether a whole folder tree)


def protect(path, what: str, tree: bool = False) -> None:
    """Mark PATH (WHAT it is, e.g. 'the warehouse') as something no output may replace; with TREE, nothing may
    be written anywhere inside it either (the download cache)."""
    if path is None or str(path) == ":memory:":
        return
    _protected[_absolute(path)] = (what, tree)


def clear_protected() -> None:
    """Forget what earlier commands protected (each command protects its own warehouse, inputs and cache)."""
    _protected.clear()


def _absolute(path) -> Path:
    try:
        return Path(os.path.realpath(path))
    except (OSError, ValueError):
        return Path(os.path.abspath(path))


def protected_as(target: Path) -> str | None:
    """What TARGET is if an output must not replace it (or be written inside it): 'the warehouse ...' or None."""
    real = _absolute(target)
    for path, (what, tree) in _protected.items():
        same = real == path
        if not same and real.exists() and path.exists():
            try:
                same = os.path.samefile(real, path)
            except OSError:
                same = False
        if same or (tree and real.is_relative_to(path)):
            return f"{what} {path}" if str(path) != str(target) else what
    return None


def protected_inside(folder: Path) -> str | None:
    """The first protected path lying inside FOLDER (which would go if the folder were replaced whole)."""
    real = _absolute(folder)
    for path, (what, _) in _protected.items():
        if path == real or path.is_relative_to(real):
            return f"{what} {path}"
    return None


def temp_name(name: str, tag: str, suffix: str = ".part") -> str:
    """A hidden temporary name beside NAME that fits the file-name limit however long NAME is: '.NAME.TAG.part',
    with NAME shortened when needed."""
    tail = os.fsencode(f".{tag}{suffix}")
    head = os.fsencode(name)[:NAME_MAX - 1 - len(tail)]
    return os.fsdecode(b"." + head + tail)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_json(path: Path) -> dict | None:
    if not path.is_file() or path.is_symlink():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def ledger(folder: Path) -> dict:
    """FOLDER's record of what repaudit wrote there: {'kind': ..., 'files': {name: {'sha256': ...}}} (no time
    or run id, so the same files give the same record)."""
    data = read_json(folder / LEDGER) or {}
    files = data.get("files") if isinstance(data.get("files"), dict) else {}
    return {"kind": data.get("kind"), "files": {k: v for k, v in files.items() if isinstance(v, dict)}}


def _legacy_record(folder: Path) -> tuple[str | None, dict]:
    """The kind and files of an output folder written before LEDGER existed, read from its meta.json."""
    meta = read_json(folder / META)
    if not meta or not isinstance(meta.get("run"), dict):
        return None, {}
    files = meta.get("files") if isinstance(meta.get("files"), dict) else {}
    return ("simulate" if "policy" in meta["run"] else "audit"), files


def written_by_repaudit(path: Path) -> bool:
    """PATH is a file repaudit wrote and nobody changed since: listed with its SHA-256 in its folder's record
    (or in the meta.json of an older output), or an HTML page of an older version (it carries a run id)."""
    folder, name = path.parent, path.name
    entry = ledger(folder)["files"].get(name) or _legacy_record(folder)[1].get(name)
    if isinstance(entry, dict) and entry.get("sha256"):
        return entry["sha256"] == sha256(path)
    if name == META:
        return _legacy_record(folder)[0] is not None
    if path.suffix.lower() == ".html" and name not in ledger(folder)["files"]:
        with open(path, "rb") as handle:
            return b'<meta name="repaudit-run"' in handle.read(8192)
    return False


def check_target(final: Path, option: str = "--out") -> None:
    """Refuse to write a file at FINAL unless it is new or a regular, writable file repaudit wrote, and not
    something the command must keep (the warehouse, an input, inside the cache)."""
    what = protected_as(final) or in_cache(final)
    if what:
        raise RepauditError(f"{option}: {final} is {what}; an output must never replace it: choose another name")
    if final.is_symlink():
        raise RepauditError(f"{final} is a link: repaudit never writes through a link (it would change the file "
                            "it points to); remove the link or choose another folder; nothing was changed")
    if not final.exists():
        return
    if final.is_dir():
        raise RepauditError(f"{final} is a folder, where repaudit would write a file: move it away or choose "
                            "another folder; nothing was changed")
    if not final.is_file():
        raise RepauditError(f"{final} is not a regular file (a device, pipe or socket): choose another name; "
                            "nothing was changed")
    if not final.stat().st_mode & stat.S_IWUSR:
        raise RepauditError(f"{final} is read-only: make it writable (chmod u+w) if it may be replaced, or choose "
                            "another folder; nothing was changed")
    if not written_by_repaudit(final):
        raise RepauditError(f"{final} exists and was not written by repaudit (or was changed since): move it away "
                            "or choose another name; repaudit never replaces a file it did not write")


def _is_warehouse(path: Path) -> bool:
    if path.name.endswith((".duckdb.wal", ".wal")):
        return True
    try:
        with open(path, "rb") as handle:
            return handle.read(12)[8:12] == b"DUCK"
    except OSError:
        return False


def _is_cache(folder: Path) -> bool:
    from .fetch.catalogue import KINDS
    entries = list(folder.iterdir())
    return bool(entries) and all(e.is_dir() and not e.is_symlink() and e.name in KINDS for e in entries)


def in_cache(path: Path) -> str | None:
    """'inside the download cache FOLDER' when PATH lies in a folder `repaudit fetch` keeps its downloads in."""
    for parent in list(path.parents)[:2]:
        if parent.is_dir() and not parent.is_symlink() and _is_cache(parent):
            return f"inside the download cache {parent}"
    return None


def _is_repaudits(entry: Path, record: dict) -> bool:
    """ENTRY of an output folder is something repaudit made: a file it recorded, its record, a warehouse, a
    folder of its own output or the download cache (or the empty .gitkeep of repaudit's own output folder)."""
    if entry.is_symlink():
        return False
    if entry.is_dir():
        return (entry / LEDGER).is_file() or _legacy_record(entry)[0] is not None or _is_cache(entry)
    return entry.name in (LEDGER, ".gitkeep") or entry.name in record["files"] or _is_warehouse(entry)


def _names(entries) -> str:
    names = sorted(e.name + ("/" if e.is_dir() and not e.is_symlink() else "") for e in entries)
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def check_folder(folder: Path, kind: str, option: str = "--out") -> None:
    """Refuse FOLDER as the output folder of a KIND of run ('audit', 'simulate', ...) unless it is new, empty,
    holds repaudit's earlier KIND output, or only things repaudit made (the warehouse, other outputs)."""
    if folder.exists() and not folder.is_dir():
        raise RepauditError(f"{option} {folder} is a file; give a folder (new or holding an earlier {kind} output)")
    what = protected_as(folder) or in_cache(folder / "x")
    if what:
        raise RepauditError(f"{option} {folder} is {what}; choose another folder for the output")
    if not folder.exists() or not any(folder.iterdir()):
        return
    record = ledger(folder)
    own = record["kind"] or _legacy_record(folder)[0]
    if own == kind:
        return
    if own is not None:
        raise RepauditError(f"{option} {folder} holds the output of `repaudit {own}`, which a {kind} run would mix "
                            f"with its own files: choose another folder, such as {folder / kind}")
    unknown = [e for e in folder.iterdir() if not _is_repaudits(e, record)]
    if unknown:
        raise RepauditError(f"{option} {folder} is not empty and holds {_names(unknown)}, which repaudit did not "
                            f"write: it writes only into a new or empty folder or one holding its own earlier "
                            f"{kind} output, so choose another, such as {folder / ('repaudit-' + kind)}")


def record_files(folder: Path, files: dict[str, dict], kind: str | None, tag: str) -> None:
    """Add FILES ({name: {'sha256'}}) to FOLDER's record (and set its KIND), forgetting files gone since."""
    record = ledger(folder)
    kept = {n: e for n, e in record["files"].items() if (folder / n).is_file()}
    data = {"written_by": "repaudit", "kind": kind or record["kind"], "files": {**kept, **files}}
    temp = folder / temp_name(LEDGER, tag)
    temp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(temp, folder / LEDGER)
