"""Load files into the warehouse by SOURCE name: read and validate, then store in one transaction."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pandas as pd

from . import sources as _sources  # noqa: F401
from .sources import registry
from .errors import MissingColumnError
from .sources.detect import check_kind, check_known, explain_missing_columns
from .sources.reader import progress_bars
from .sources.registry import SOURCES
from .warehouse import LoadResult, Warehouse

LOADER_MODULES = ["gias", "gias_groups", "gias_links", "spc", "sen", "cin", "cin_schools", "flows",
                  "iod", "lsoa_boundaries", "lsoa_centroids", "lsoa_lookup", "population", "catchments"]


def _import_loaders():
    import importlib

    for name in LOADER_MODULES:
        importlib.import_module(f"repaudit.sources.{name}")


_import_loaders()
REJECT_COLUMNS = ["source", "source_file", "row_number", "reason", "raw"]


def load_file(wh: Warehouse, source: str, path: str | Path, **options) -> LoadResult:
    """Read PATH as SOURCE and store it; raises RepauditError with the file, row or column on bad input
    (an unknown SOURCE, or a file that is clearly another kind, names the SOURCE it looks like)."""
    check_known(source, path, list(SOURCES))
    check_kind(source, path)
    try:
        result = SOURCES[source].read(Path(path), **options)
    except MissingColumnError as error:
        raise explain_missing_columns(error, source, path) from None
    return wh.store(result)


def load_files(wh: Warehouse, source: str, paths, *, rejects_file: str | Path | None = None,
               progress: bool = False, **options) -> Iterator[LoadResult]:
    """Load each of PATHS in turn (each in its own transaction), yielding its LoadResult; with REJECTS_FILE,
    every rejected row is also written there as CSV (source, source_file, row_number, reason, raw)."""
    given = {k: v for k, v in options.items() if v is not None}
    if rejects_file is not None:
        Path(rejects_file).parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(columns=REJECT_COLUMNS).to_csv(rejects_file, index=False)
    with progress_bars(progress):
        for path in paths:
            result = load_file(wh, source, path, **given)
            if rejects_file is not None and result.rows_rejected:
                rows = result.rejects[["row_number", "reason", "raw"]].copy()
                rows.insert(0, "source_file", result.source_file)
                rows.insert(0, "source", result.source)
                rows.to_csv(rejects_file, mode="a", header=False, index=False)
            yield result


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


__all__ = ["load_file", "load_files", "summary", "SOURCES", "registry"]
