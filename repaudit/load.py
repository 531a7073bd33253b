"""Load files into the warehouse by SOURCE name: read and validate, then store in one transaction."""
from __future__ import annotations

from pathlib import Path

from . import sources as _sources  # noqa: F401
from .errors import RepauditError
from .sources import registry
from .sources.registry import SOURCES
from .warehouse import LoadResult, Warehouse

LOADER_MODULES = ["gias", "gias_groups", "gias_links", "spc", "sen", "cin", "cin_schools", "flows",
                  "iod", "lsoa_boundaries", "lsoa_centroids", "lsoa_lookup", "population", "catchments"]


def _import_loaders():
    import importlib

    for name in LOADER_MODULES:
        importlib.import_module(f"repaudit.sources.{name}")


_import_loaders()


def load_file(wh: Warehouse, source: str, path: str | Path, **options) -> LoadResult:
    """Read PATH as SOURCE and store it; raises RepauditError with the file, row or column on bad input."""
    if source not in SOURCES:
        raise RepauditError(f"unknown SOURCE '{source}'. Choose one of: {', '.join(sorted(SOURCES))}")
    result = SOURCES[source].read(Path(path), **options)
    return wh.store(result)


__all__ = ["load_file", "SOURCES", "registry"]
