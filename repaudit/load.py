"""Load files into the warehouse by SOURCE name: read and check every file, then store them all in one transaction."""
from __future__ import annotations

import contextlib
from pathlib import Path

import pandas as pd

from . import sources as _sources  # noqa: F401
from .sources import registry
from .errors import MissingColumnError, RepauditError, explain
from .output_guard import check_target, protect
from .output_set import OutputSet
from .paths import check_file_target
from .safe_text import for_csv
from .sources.detect import check_kind, check_known, explain_missing_columns
from .sources import limits
from .sources.reader import progress_bars
from .sources.registry import SOURCES
from .warehouse import MEMORY, LoadResult, Warehouse, check_warehouse_path, remove_warehouse

LOADER_MODULES = ["gias", "gias_groups", "gias_links", "spc", "sen", "census", "cin", "cin_schools", "flows",
                  "admissions", "iod", "lsoa_boundaries", "lsoa_centroids", "lsoa_lookup", "population", "catchments",
                  "la_boundaries"]


def _import_loaders():
    import importlib

    for name in LOADER_MODULES:
        importlib.import_module(f"repaudit.sources.{name}")


_import_loaders()
REJECT_COLUMNS = ["source", "source_file", "row_number", "reason", "raw"]


def read_file(source: str, path: str | Path, warehouse: Warehouse | None = None, **options) -> LoadResult:
    """Read and check PATH as SOURCE without changing any warehouse (WAREHOUSE, when given, is only consulted);
    raises RepauditError with the file, row or column on bad input (an unknown SOURCE, or a file that is clearly
    another kind, names the SOURCE it looks like)."""
    limits.check_regular(path)
    check_known(source, path, list(SOURCES))
    check_kind(source, path)
    try:
        return SOURCES[source].read(Path(path), warehouse=warehouse, **options)
    except MissingColumnError as error:
        raise explain_missing_columns(error, source, path) from None


def load_file(wh: Warehouse, source: str, path: str | Path, **options) -> LoadResult:
    """Read PATH as SOURCE and store it in WH in one transaction."""
    return wh.store(read_file(source, path, warehouse=wh, **options))


def load_files(db: str | Path, source: str, paths, *, rejects_file: str | Path | None = None,
               progress: bool = False, **options) -> list[LoadResult]:
    """Read and check every one of PATHS first, then store them all in the warehouse DB in one transaction:
    either every file is loaded or nothing changes. With REJECTS_FILE, every rejected row is also written there
    as CSV (source, source_file, row_number, reason, raw)."""
    check_warehouse_path(db)
    protect(db, "the warehouse")
    for path in paths:
        protect(path, "a file being loaded")
    if rejects_file is not None:
        check_file_target(rejects_file, "--rejects", "rejects.csv")
        if any(Path(rejects_file).resolve() == Path(path).resolve() for path in paths):
            raise RepauditError(f"--rejects {rejects_file} is one of the files being loaded and would be "
                                "overwritten; give another file name")
        check_target(Path(rejects_file), "--rejects")
    given = {k: v for k, v in options.items() if v is not None}
    with limits.spooled_stdin(paths) as (paths, copy):
        try:
            with progress_bars(progress), stored_so_far(db) as known:
                results = [read_file(source, path, warehouse=known, **given) for path in paths]
        except RepauditError as error:
            if copy is None:
                raise
            raise RepauditError(str(error).replace(str(copy), "standard input")) from None
        return commit(db, results, rejects_file)


@contextlib.contextmanager
def stored_so_far(db: str | Path):
    """The warehouse DB opened read-only while files are read, so checks can use what it already holds (the
    LSOA lookup, the schools); None when there is no warehouse yet."""
    if str(db) == MEMORY or not Path(db).is_file():
        yield None
        return
    with Warehouse(db, read_only=True) as wh:
        yield wh


def commit(db: str | Path, results: list[LoadResult], rejects_file: str | Path | None = None) -> list[LoadResult]:
    """Store RESULTS in the warehouse DB in one transaction and their rejects in REJECTS_FILE, all or nothing:
    the rejects go to a temporary file renamed into place (repaudit.output_set) once the warehouse has
    committed, and a warehouse this call created is removed again when storing fails."""
    check_warehouse_path(db)
    created = str(db) != MEMORY and not Path(db).exists()
    rejects = write_rejects(results, rejects_file) if rejects_file is not None else None
    try:
        with Warehouse(db) as wh:
            wh.store_all(results)
        if rejects is not None:
            rejects.commit()
    except BaseException:
        if rejects is not None:
            rejects.discard()
        if created:
            remove_warehouse(db)
        raise
    return results


def write_rejects(results: list[LoadResult], target: str | Path) -> OutputSet:
    """Every rejected row of RESULTS as CSV (source, source_file, row_number, reason, raw), written whole to a
    temporary file beside TARGET; the caller commits the returned set (renaming it to TARGET) or discards it,
    so TARGET is never half-written, and is refused if it is a file repaudit did not write."""
    target = Path(target)
    frames = []
    for result in results:
        rows = result.rejects[["row_number", "reason", "raw"]].copy()
        rows.insert(0, "source_file", result.source_file)
        rows.insert(0, "source", result.source)
        frames.append(rows)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=REJECT_COLUMNS)
    files = OutputSet(target.parent, option="--rejects")
    try:
        for_csv(table[REJECT_COLUMNS])[0].to_csv(files.path(target), index=False)   # no live formulas
    except BaseException as exc:
        files.discard()
        error = explain(exc, target)
        if error is None or error is exc:
            raise
        raise error from None
    return files


def summary(result: LoadResult, db: str | Path) -> list[str]:
    """The lines printed for one loaded file: rows read = loaded + rejected + skipped, tables, notes, then the
    first rejected rows with their reasons."""
    tables = ", ".join(f"{t.table} ({len(t.frame):,} rows)" for t in result.tables)
    if result.rows_unaccounted == 0:
        counts = (f"{result.rows_read:,} rows read = {result.rows_loaded:,} loaded + {result.rows_rejected:,} "
                  f"rejected + {result.rows_skipped:,} skipped")
    else:
        counts = f"{result.rows_read:,} rows read, {result.rows_rejected:,} rejected"
    return ([f"{result.source_file}: {counts} -> {tables} in {db}"] + [f"  note: {n}" for n in result.notes]
            + rejected_lines(result))


SHOWN_REJECTS = 3


def rejected_lines(result: LoadResult) -> list[str]:
    """The first rejected rows with their reasons, then how many more there are and where to find them all."""
    shown = result.rejects.head(SHOWN_REJECTS)
    lines = [f"  rejected row {row}: {reason}" for row, reason in zip(shown.row_number, shown.reason)]
    more = result.rows_rejected - len(shown)
    if more > 0:
        lines.append(f"  rejected: {more:,} more row{'s' if more > 1 else ''} (all in the warehouse table rejects; "
                     "--rejects FILE writes them to a CSV file)")
    return lines


__all__ = ["read_file", "load_file", "load_files", "commit", "write_rejects", "summary", "SOURCES", "registry"]
