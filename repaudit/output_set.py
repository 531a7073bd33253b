"""The files of one run, written all or nothing: each goes to a temporary name in its own folder and all are
renamed (os.replace) only when every one is complete, so a run that fails part-way leaves the previous set
as it was. meta.json records the run (id, what it read) and which run wrote each file in the folder."""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from pathlib import Path

from .errors import RepauditError, explain

META = "meta.json"


def new_run_id() -> str:
    """A run id: UTC time to the second and 8 random hex digits, e.g. 20261130T061502Z-3f9a1c0e."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(4)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_text_atomically(path, text: str, run_id: str | None = None) -> Path:
    """Write TEXT to PATH through a temporary file in the same folder: PATH is either the old file or the new one."""
    with OutputSet(Path(path).parent, run_id=run_id) as files:
        files.write_text(Path(path), text)
    return Path(path)


class OutputSet:
    """Files of one run in FOLDER (or at given paths): `path(name)` gives the temporary path to write, and
    leaving the `with` block without an error renames them all into place, with meta.json last when `meta`
    is set. An error removes the temporary files and leaves every existing file untouched.

    ORIGIN describes what the run read (warehouse, community model, policy...); FAMILY names the files this
    kind of run can write. When FOLDER's meta.json was written by a run of a different origin, or files of
    an earlier run (or of the family, written by no recorded run) stay beside the new ones, `notes` says so
    (and meta.json lists them)."""

    def __init__(self, folder, *, run_id: str | None = None, origin: dict | None = None, family=()):
        self.folder = Path(folder)
        self.run_id = run_id or new_run_id()
        self.origin = {k: v for k, v in (origin or {}).items() if v is not None}
        self.family = tuple(family)
        self.meta: dict | None = None
        self.notes: list[str] = []
        self.written: list[Path] = []
        self._pending: dict[Path, Path] = {}
        self._created: list[Path] = []

    def __enter__(self) -> "OutputSet":
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()

    def _make_folder(self, folder: Path) -> None:
        missing = [p for p in [folder, *folder.parents] if not p.exists()]
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise explain(exc, folder) from None
        self._created += [p for p in missing if p not in self._created]

    def path(self, name: str | Path) -> Path:
        """The temporary path to write a file into: NAME a str is a file name in the folder, a Path is used as
        it is (for the map and report of `repaudit report`, which may be in different folders)."""
        final = name if isinstance(name, Path) else self.folder / name
        if final in self._pending:
            return self._pending[final]
        self._make_folder(final.parent)
        temp = final.with_name(f".{final.name}.{self.run_id}.part")
        self._pending[final] = temp
        return temp

    def write_text(self, name: str | Path, text: str) -> Path:
        temp = self.path(name)
        try:
            temp.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise explain(exc, temp.with_name(Path(name).name)) from None
        return temp

    def set_meta(self, meta: dict) -> None:
        """Write META (plus the run and the `files` listing) as meta.json when the set is committed; it is
        listed among the written files at this point of the order, and renamed into place last."""
        self.meta = meta
        self.path(META)

    def planned(self) -> list[Path]:
        """The final paths of the files written so far (in place once the set is committed)."""
        return list(self._pending)

    def final(self, temp: Path) -> Path:
        """The final path of a temporary path given by `path`."""
        return next(final for final, t in self._pending.items() if t == temp)

    def discard(self) -> None:
        """Remove every temporary file (and the folders this run created, if left empty)."""
        for temp in self._pending.values():
            temp.unlink(missing_ok=True)
        self._pending.clear()
        for folder in self._created:
            try:
                folder.rmdir()
            except OSError:
                pass

    def commit(self) -> list[Path]:
        """Rename every file into place, meta.json (if `meta` is set) last; returns the final paths in the
        order they were first asked for."""
        meta_path = self.folder / META
        try:
            if self.meta is not None:
                self.path(META)
            files = {}
            for final, temp in self._pending.items():
                if self.meta is not None and final == meta_path:
                    continue
                if not temp.is_file():
                    raise RepauditError(f"{final.name} was not written (no file at {temp}): a bug in repaudit")
                files[final] = {"run": self.run_id, "sha256": sha256(temp), "size": temp.stat().st_size}
            if self.meta is not None:
                listing = self._listing(files, meta_path)
                self.write_text(META, json.dumps({**self.meta, "run": {"id": self.run_id, **self.origin},
                                                  "files": listing, "output_notes": self.notes},
                                                 indent=2, default=str))
            for final in files:
                os.replace(self._pending[final], final)
            if self.meta is not None:
                os.replace(self._pending[meta_path], meta_path)
        except OSError as exc:
            self.discard()
            raise explain(exc, self.folder) from None
        except BaseException:
            self.discard()
            raise
        self.written = list(self._pending)
        self._pending.clear()
        self._created.clear()
        return self.written

    def _listing(self, files: dict[Path, dict], meta_path: Path) -> dict[str, dict]:
        """meta.json's `files`: this run's files in the folder, then files an earlier run wrote that are still
        there unchanged (with that run's id); sets `notes` about them and about a different origin."""
        listing = {str(p.relative_to(self.folder)) if p.is_relative_to(self.folder) else str(p): v
                   for p, v in files.items()}
        previous = _read_meta(meta_path) or {}
        old_run = previous.get("run") or {}
        old_id = old_run.get("id", "of an earlier version")
        kept = {}
        for name, entry in (previous.get("files") or {}).items():
            path = self.folder / name
            if name in listing or not isinstance(entry, dict) or not path.is_file():
                continue
            if entry.get("sha256") == sha256(path):
                kept[name] = entry
        changed = [f"{key} {old_run.get(key)!s} -> {value!s}" for key, value in self.origin.items()
                   if key in old_run and old_run.get(key) != value]
        if changed:
            self.notes.append(f"{self.folder} held the files of run {old_id}, made from a different "
                              f"{'; '.join(changed)}; this run ({self.run_id}) replaced "
                              f"{', '.join(sorted(listing)) or 'no file'}")
        if kept:
            runs = sorted({e.get('run', old_id) for e in kept.values()})
            self.notes.append(f"{_names(kept, self.folder)} from run {', '.join(runs)}, not from this run "
                              f"({self.run_id}): delete or rewrite them before sharing the folder")
        unknown = [n for n in self.family if n not in listing and n not in kept and (self.folder / n).is_file()]
        if unknown:
            self.notes.append(f"{_names(unknown, self.folder)} not from this run ({self.run_id}) and no meta.json "
                              "records the run that wrote them: delete or rewrite them before sharing the folder")
        return {**listing, **kept}


def _names(names, folder: Path) -> str:
    """'map.html, report.html in FOLDER are' (or 'is' for one file)."""
    names = sorted(names)
    return f"{', '.join(names)} in {folder} {'is' if len(names) == 1 else 'are'}"


def _read_meta(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None
