"""The SOURCE names `repaudit load` accepts, each mapped to its loader. Loaders register with @source."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..warehouse import LoadResult


@dataclass(frozen=True)
class Source:
    """A kind of input file: its name, a one-line description, and the function that reads it."""

    name: str
    description: str
    read: Callable[..., LoadResult]
    example: str = ""


SOURCES: dict[str, Source] = {}


def source(name: str, description: str, example: str = ""):
    """Decorator registering `read(path, **options) -> LoadResult` as SOURCE `name`."""

    def register(read):
        SOURCES[name] = Source(name, description, read, example)
        return read

    return register
