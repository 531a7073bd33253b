"""`repaudit fetch`: download the official open files into a cache folder, then load them."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RepauditError, about
from .catalogue import CATALOGUE, KINDS, Entry, entries
from .limits import Limits, parse_size
from .resolvers import arcgis_layer, ees_release, gias_daily, plain_file

DEFAULT_CACHE = Path("output") / "cache"
DEFAULT_DAYS_BACK = 14


@dataclass
class Fetched:
    """One file now in the cache: where it came from, and what happened."""

    entry: Entry
    path: Path
    note: str


@dataclass
class FetchReport:
    files: list[Fetched] = field(default_factory=list)
    loads: list = field(default_factory=list)        # LoadResults, in file order


def parse_bases(values) -> dict[str, str]:
    """--base-url values: `URL` applies to every kind, `KIND=URL` to one kind."""
    out = {}
    for value in values:
        kind, sep, url = value.partition("=")
        if sep and "://" not in kind:
            out[kind] = url
        else:
            out["*"] = value
    for kind, url in out.items():
        if not url.startswith(("http://", "https://")):
            shown = url if kind == "*" else f"{kind}={url}"
            raise RepauditError(f"--base-url {shown}: expected an http:// or https:// address")
    return out


def base_for(kind: str, bases: dict[str, str] | None) -> str | None:
    """The mirror for KIND: its own `kind=URL`, else the one given for all kinds."""
    bases = bases or {}
    return bases.get(kind) or bases.get("*")


def fetch(cache: str | Path = DEFAULT_CACHE, kinds=None, bases: dict[str, str] | None = None,
          date: dt.date | None = None, max_days_back: int = DEFAULT_DAYS_BACK, db: str | Path | None = None,
          progress: bool = True, limits: Limits = Limits()) -> FetchReport:
    """Download KINDS (all by default) into CACHE/<kind>/ within LIMITS; unless DB is None, read every file and then store them
    all in DB in one transaction (one refused file loads none)."""
    unknown = sorted(set(kinds or ()) - set(KINDS))
    if unknown:
        raise RepauditError(f"unknown kind(s) {', '.join(unknown)}; choose from {', '.join(KINDS)}")
    for kind in bases or {}:
        if kind != "*" and kind not in KINDS:
            raise RepauditError(f"--base-url names kind '{kind}', which is not one of {', '.join(KINDS)}")
    if db is not None:
        from ..warehouse import check_warehouse_path

        check_warehouse_path(db)
    report = FetchReport()
    start = date or dt.date.today()
    for entry in entries(kinds):
        folder = Path(cache) / entry.kind
        with about(folder):
            folder.mkdir(parents=True, exist_ok=True)
        base = base_for(entry.kind, bases)
        if entry.how == "gias-daily":
            path, note = gias_daily(entry, folder, base, start, max_days_back, progress, limits)
        elif entry.how == "ees-release":
            path, note = ees_release(entry, folder, base, progress, limits)
        elif entry.how == "arcgis-layer":
            path, note = arcgis_layer(entry, folder, base, progress, limits)
        else:
            path, note = plain_file(entry, folder, base, progress, limits)
        report.files.append(Fetched(entry, path, note))
    if db is not None:
        from ..load import commit, read_file

        report.loads = commit(db, [read_file(f.entry.source, f.path) for f in report.files])
    return report


__all__ = ["fetch", "parse_bases", "parse_size", "Limits", "FetchReport", "Fetched", "CATALOGUE", "KINDS",
           "DEFAULT_CACHE"]
