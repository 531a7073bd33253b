"""The files of one run, written all or nothing: each goes to a temporary name in its own folder and all are
renamed (os.replace) only when every one is complete and every place they go has been checked (see
repaudit.output_guard: repaudit replaces only files it wrote), so a run that fails part-way, or is stopped by
Ctrl-C or SIGTERM, leaves the previous set as it was and no temporary file behind. meta.json records the run
(id, what it read) and which run wrote each file in the folder. A folder written as a whole (the site) is
built beside its place and swapped in (OutputFolder)."""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import time
from contextlib import contextmanager
from pathlib import Path

from .errors import RepauditError, explain
from .output_guard import (LEDGER, META, check_folder, check_target, ledger, protected_as, protected_inside,
                           record_files, sha256, temp_name)

SIGNALS = {signal.SIGINT, signal.SIGTERM}


def new_run_id() -> str:
    """A run id: UTC time to the second and 8 random hex digits, e.g. 20261130T061502Z-3f9a1c0e."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(4)


def write_text_atomically(path, text: str, run_id: str | None = None) -> Path:
    """Write TEXT to PATH through a temporary file in the same folder: PATH is either the old file or the new one."""
    with OutputSet(Path(path).parent, run_id=run_id) as files:
        files.write_text(Path(path), text)
    return Path(path)


def distinct(targets: dict[str, object]) -> None:
    """Refuse two outputs of one command given the same file ({option: path}, unset options None)."""
    seen: dict[str, str] = {}
    for option, path in targets.items():
        if path is None:
            continue
        key = os.path.realpath(path)
        if key in seen:
            raise RepauditError(f"{seen[key]} and {option} are the same file ({path}): each output needs a name "
                                "of its own")
        seen[key] = option


@contextmanager
def signals_held():
    """Hold Ctrl-C and SIGTERM while files are renamed into place, so a set is never left half-replaced; a
    signal that came meanwhile is acted on at the end of the block."""
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    except (AttributeError, ValueError, OSError):
        previous = None
    try:
        yield
    finally:
        if previous is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class OutputSet:
    """Files of one run in FOLDER (or at given paths): `path(name)` gives the temporary path to write, and
    leaving the `with` block without an error renames them all into place, with meta.json last when `meta`
    is set. An error removes the temporary files and leaves every existing file untouched.

    KIND ('audit', 'simulate', 'validate', 'sample') makes FOLDER an output folder of that kind: it must be
    new, empty or hold repaudit's earlier output of the kind (checked at once, before any work). Without a
    KIND the set is of single files (a map, a report, a figure, a rejects CSV), each checked on its own. No
    file is written where a file repaudit did not write stands (see repaudit.output_guard). OPTION names the
    command's option in messages.

    ORIGIN describes what the run read (warehouse, community model, policy...); FAMILY names the files this
    kind of run can write. When FOLDER's meta.json was written by a run of a different origin, or files of
    an earlier run (or of the family, written by no recorded run) stay beside the new ones, `notes` says so
    (and meta.json lists them)."""

    def __init__(self, folder, *, run_id: str | None = None, origin: dict | None = None, family=(),
                 kind: str | None = None, option: str = "--out"):
        self.folder = Path(folder)
        self.run_id = run_id or new_run_id()
        self.tag = secrets.token_hex(4)
        self.origin = {k: v for k, v in (origin or {}).items() if v is not None}
        self.family = tuple(family)
        self.kind, self.option = kind, option
        self.meta: dict | None = None
        self.notes: list[str] = []
        self.written: list[Path] = []
        self._pending: dict[Path, Path] = {}
        self._created: list[Path] = []
        if kind is not None:
            check_folder(self.folder, kind, option)

    def __enter__(self) -> "OutputSet":
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            self.commit()
            return
        finals = {str(t): f for f, t in self._pending.items()}
        self.discard()
        if isinstance(error, OSError) and str(getattr(error, "filename", None)) in finals:
            raise explain(error, finals[str(error.filename)]) from None

    def _make_folder(self, folder: Path) -> None:
        missing = [p for p in [folder, *folder.parents] if not p.exists()]
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise explain(exc, folder) from None
        self._created += [p for p in missing if p not in self._created]

    def check(self, name: str | Path) -> Path:
        """Refuse NAME (as for `path`) now, before any work, if a file of this set cannot go there."""
        final = name if isinstance(name, Path) else self.folder / name
        if final.name in ("", ".", ".."):
            raise RepauditError(f"{self.option} {final}: give the name of a file, such as {final / 'output.html'}")
        check_target(final, self.option)
        return final

    def path(self, name: str | Path) -> Path:
        """The temporary path to write a file into: NAME a str is a file name in the folder, a Path is used as
        it is (for the map and report of `repaudit report`, which may be in different folders). The place is
        checked first, and the temporary file created empty (never through a link planted there)."""
        final = name if isinstance(name, Path) else self.folder / name
        if final in self._pending:
            return self._pending[final]
        self.check(final)
        self._make_folder(final.parent)
        temp = final.with_name(temp_name(final.name, self.tag))
        try:
            os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666))
        except OSError as exc:
            raise explain(exc, final) from None
        self._pending[final] = temp
        return temp

    def write_text(self, name: str | Path, text: str) -> Path:
        temp = self.path(name)
        try:
            temp.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise explain(exc, self.final(temp)) from None
        return temp

    def write_bytes(self, name: str | Path, data: bytes) -> Path:
        temp = self.path(name)
        try:
            temp.write_bytes(data)
        except OSError as exc:
            raise explain(exc, self.final(temp)) from None
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
        """Check every place again, then rename every file into place, meta.json (if `meta` is set) last, with
        Ctrl-C and SIGTERM held; returns the final paths in the order they were first asked for."""
        meta_path = self.folder / META
        current = None
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
                files[meta_path] = {"run": self.run_id, "sha256": sha256(self._pending[meta_path])}
            for final in self._pending:
                current = final
                check_target(final, self.option)
            with signals_held():
                for final in [f for f in self._pending if f != meta_path or self.meta is None]:
                    current = final
                    os.replace(self._pending[final], final)
                if self.meta is not None:
                    current = meta_path
                    os.replace(self._pending[meta_path], meta_path)
                current = None
                self._record(files)
        except OSError as exc:
            self.discard()
            raise explain(exc, current or self.folder) from None
        except BaseException:
            self.discard()
            raise
        self.written = list(self._pending)
        self._pending.clear()
        self._created.clear()
        return self.written

    def _record(self, files: dict[Path, dict]) -> None:
        """Note in each folder's record (repaudit.output_guard.LEDGER) the files this set put there."""
        folders: dict[Path, dict] = {}
        for final, entry in files.items():
            folders.setdefault(final.parent, {})[final.name] = {"sha256": entry["sha256"]}
        for folder, entries in folders.items():
            record_files(folder, entries, self.kind if folder == self.folder else None, self.tag)

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


class OutputFolder:
    """A folder written as a whole (the site): built in a temporary folder beside OUT and swapped in only when
    complete, or removed; the previous folder is replaced only if it is repaudit's earlier KIND output holding
    nothing but the files it recorded (so no file of the user's is ever deleted). When OUT is a link to a
    folder, the link is kept and the folder it points to is replaced (`notes` says so). Use as
    `with OutputFolder(out, kind="site") as folder:` and write into `folder.temp`."""

    def __init__(self, out, *, kind: str, option: str = "--out"):
        self.given = Path(out)
        self.kind, self.option = kind, option
        self.notes: list[str] = []
        self.tag = secrets.token_hex(4)
        self.out = self._place()
        self._check()
        self.temp = self.out.with_name(temp_name(self.out.name, self.tag, f".{kind}-tmp"))

    def _place(self) -> Path:
        given = self.given
        if given.is_symlink():
            real = Path(os.path.realpath(given))
            if real.exists() and not real.is_dir():
                raise RepauditError(f"{self.option} {given} is a link to the file {real}; give a folder")
            self.notes.append(f"{given} is a link to {real}: the {self.kind} was written there and the link kept")
            return real
        absolute = Path(os.path.abspath(given))
        cwd = Path(os.getcwd())
        if absolute == cwd or cwd.is_relative_to(absolute):
            raise RepauditError(f"{self.option} {given} is the current folder or holds it: the {self.kind} replaces "
                                f"its folder as a whole, so give a folder of its own, such as {given / self.kind}")
        if absolute.parent == absolute:
            raise RepauditError(f"{self.option} {given}: give a folder of its own, such as {given / self.kind}")
        return absolute

    def _check(self) -> None:
        out = self.out
        if out.exists() and not out.is_dir():
            raise RepauditError(f"{self.given}: is a file; the {self.kind} is written as a folder, give a folder "
                                f"name (e.g. output/{self.kind})")
        inside = protected_as(out) or protected_inside(out)
        if inside:
            raise RepauditError(f"{self.option} {self.given} holds {inside}, which replacing the folder would "
                                f"delete: choose another folder, such as {self.given / self.kind}")
        if not out.exists() or not any(out.iterdir()):
            return
        record = ledger(out)
        if record["kind"] != self.kind:
            raise RepauditError(f"{self.option} {self.given} is not empty and is not a {self.kind} repaudit wrote; "
                                f"the {self.kind} replaces its folder as a whole, so choose a new or empty folder, "
                                f"such as {self.given / self.kind}")
        foreign = []
        for entry in sorted(out.rglob("*")):
            name = entry.relative_to(out).as_posix()
            if entry.is_symlink() or (entry.is_file() and name != LEDGER and
                                      (record["files"].get(name) or {}).get("sha256") != sha256(entry)):
                foreign.append(name)
        if foreign:
            raise RepauditError(f"{self.option} {self.given} holds {', '.join(foreign[:3])}"
                                f"{f' and {len(foreign) - 3} more' if len(foreign) > 3 else ''}, which the "
                                f"{self.kind} repaudit wrote there did not (or which changed since); replacing the "
                                "folder would delete them: move them away or choose another folder")

    def __enter__(self) -> "OutputFolder":
        try:
            self.temp.mkdir(parents=True)
        except OSError as exc:
            raise explain(exc, self.given) from None
        return self

    def __exit__(self, kind, error, trace) -> None:
        try:
            if kind is None:
                self._swap()
        except BaseException:
            shutil.rmtree(self.temp, ignore_errors=True)
            raise
        if kind is not None:
            shutil.rmtree(self.temp, ignore_errors=True)
            if isinstance(error, OSError):
                raise explain(error, self.given) from None

    def _swap(self) -> None:
        """Record every file of the new folder, check the place again, then put the new folder in place."""
        files = {p.relative_to(self.temp).as_posix(): {"sha256": sha256(p)}
                 for p in sorted(self.temp.rglob("*")) if p.is_file()}
        record_files(self.temp, files, self.kind, self.tag)
        self._check()
        old = self.out.with_name(temp_name(self.out.name, self.tag, ".old"))
        with signals_held():
            try:
                if self.out.exists():
                    self.out.rename(old)
                try:
                    self.temp.rename(self.out)
                except OSError:
                    if old.exists():
                        old.rename(self.out)
                    raise
            except OSError as exc:
                raise explain(exc, self.given) from None
            shutil.rmtree(old, ignore_errors=True)
