"""The DuckDB warehouse: connection with the spatial extension, canonical schema, atomic idempotent loads."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import re

import duckdb
import pandas as pd

from . import sql
from .errors import RepauditError, WarehouseError, about, is_interrupt
from .output_guard import protect
from .paths import check_file_target, is_utf8_name, shown

MEMORY = ":memory:"
DUCKDB_MAGIC = b"DUCK"      # bytes 8-11 of every DuckDB database file


def spatial_extension_path() -> Path:
    """The spatial extension shipped inside the duckdb-extension-spatial PyPI package (never downloaded)."""
    import duckdb_extension_spatial

    root = Path(duckdb_extension_spatial.__file__).parent
    found = sorted(root.rglob("spatial.duckdb_extension"))
    if not found:
        raise WarehouseError(f"the spatial extension file is missing from {root}; reinstall duckdb-extension-spatial")
    return found[-1]


@dataclass
class TableRows:
    """Rows for one warehouse table; rows whose key matches are replaced, so a reload is idempotent."""

    table: str
    frame: pd.DataFrame
    key: list[str]
    geometry_columns: tuple[str, ...] = ()   # columns holding WKB bytes, stored as GEOMETRY
    merge: bool = False                      # keep a stored row's values where the incoming cell is NULL


@dataclass
class LoadResult:
    """What a loader read from one file: rows for one or more tables, the rejects, the counts."""

    source: str
    source_file: str
    vintage: str | None
    rows_read: int
    tables: list[TableRows]
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["row_number", "reason", "raw"]))
    notes: list[str] = field(default_factory=list)
    rows_skipped: int = 0                   # file rows left out on purpose (e.g. summary rows); a note says why
    file_rows_loaded: int | None = None     # file rows stored, when one file row feeds several table rows

    def __post_init__(self):
        self.source_file = shown(self.source_file)     # a name from a Windows zip is stored as readable text

    @property
    def rows_rejected(self) -> int:
        return len(self.rejects)

    @property
    def rows_loaded(self) -> int:
        if self.file_rows_loaded is not None:
            return self.file_rows_loaded
        return max((len(t.frame) for t in self.tables), default=0)

    @property
    def rows_unaccounted(self) -> int:
        """Rows read minus loaded, rejected and skipped: 0 when every row of the file is accounted for."""
        return self.rows_read - self.rows_loaded - self.rows_rejected - self.rows_skipped


def check_warehouse_path(path: str | Path):
    """Refuse a --db that cannot be a warehouse before anything is read or written: a folder, a path inside a
    file, a device, or an existing file that is not a DuckDB database (DuckDB would open, say, a CSV as an
    empty in-memory database and store nothing)."""
    if str(path) == MEMORY:
        return
    target = Path(path)
    check_file_target(target, "--db", "repaudit.duckdb")
    if not is_utf8_name(target):
        raise RepauditError(f"--db {shown(target)}: the name holds bytes that are not UTF-8 (as unzip leaves names "
                            "from Windows zips), which DuckDB cannot open; rename the file (for example with "
                            "`convmv -f cp1252 -t utf8`) or give another --db")
    if target.is_file():
        with about(target), open(target, "rb") as handle:
            head = handle.read(12)
        if head[8:12] != DUCKDB_MAGIC:
            what = "is empty" if not head else "exists and is not a DuckDB database"
            raise RepauditError(f"--db {target} {what}; give the path of a warehouse written by repaudit, or the "
                                "name of a file that does not exist yet to start a new one")


def remove_warehouse(path: str | Path):
    """Delete a warehouse file (and its write-ahead log) that a failed command created."""
    for leftover in (Path(path), Path(f"{path}.wal")):
        leftover.unlink(missing_ok=True)


class SpatialOnDemand:
    """A read-only DuckDB connection that loads the spatial extension the first time a statement calls one of
    its functions (ST_...): loading it costs about 0.4 s, and most reading commands (name look-ups, audits)
    never need it. Everything else is the connection's own."""

    def __init__(self, con):
        self._con = con
        self.spatial_loaded = False

    def _retry(self, method: str, *args, **kwargs):
        try:
            return getattr(self._con, method)(*args, **kwargs)
        except duckdb.CatalogException as exc:
            if self.spatial_loaded or not re.search(r'name "?st_\w+|spatial extension', str(exc), re.IGNORECASE):
                raise
            self._con.execute(f"LOAD '{spatial_extension_path()}'")
            self.spatial_loaded = True
            return getattr(self._con, method)(*args, **kwargs)

    def execute(self, *args, **kwargs):
        return self._retry("execute", *args, **kwargs)

    def sql(self, *args, **kwargs):
        return self._retry("sql", *args, **kwargs)

    def query(self, *args, **kwargs):
        return self._retry("query", *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._con, name)


class Warehouse:
    """One DuckDB file holding the canonical schema (queries/schema.sql)."""

    def __init__(self, path: str | Path = MEMORY, read_only: bool = False):
        self.path = str(path)
        check_warehouse_path(self.path)
        protect(self.path, "the warehouse")
        try:
            with about(self.path):
                if self.path != MEMORY:
                    Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                self.con = duckdb.connect(self.path, read_only=read_only)
                # one thread: sums of doubles then add up in one order, so the same inputs give the same bits
                # (parallel aggregation changes the last digits from run to run, and outputs must be identical)
                self.con.execute("SET threads = 1")
                if read_only:
                    self.con = SpatialOnDemand(self.con)
                else:                    # a writer's transaction cannot retry a statement: spatial from the start
                    self.con.execute(f"LOAD '{spatial_extension_path()}'")
                    sql.run(self.con, "schema")
        except duckdb.Error as exc:
            if is_interrupt(exc):
                raise
            raise WarehouseError(f"cannot open warehouse {self.path}: {exc}") from None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.con.close()

    def store(self, result: LoadResult) -> LoadResult:
        """Write a LoadResult in one transaction: all of it, or (on any error) none of it."""
        return self.store_all([result])[0]

    def store_all(self, results: list[LoadResult]) -> list[LoadResult]:
        """Write every LoadResult, in order, in one transaction: all of them, or (on any error, Ctrl-C included)
        none of them, so a command that fails leaves the warehouse exactly as it was."""
        now = dt.datetime.now().replace(microsecond=0)
        con = self.con
        with about(self.path):
            con.execute("BEGIN TRANSACTION")
            try:
                for result in results:
                    self._store_one(result, now)
                con.execute("COMMIT")
            except BaseException:
                self._roll_back()
                raise
        return results

    def _roll_back(self):
        """Undo the open transaction; a connection that has already aborted it has nothing left to undo."""
        try:
            self.con.execute("ROLLBACK")
        except duckdb.Error:
            pass

    def _store_one(self, result: LoadResult, now):
        con = self.con
        for rows in result.tables:
            self._replace(rows, result, now)
            con.execute(
                "INSERT INTO load_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [result.source, rows.table, result.source_file, result.vintage, now,
                 result.rows_read, len(rows.frame), result.rows_rejected],
            )
        con.execute("DELETE FROM rejects WHERE source = ? AND source_file = ?", [result.source, result.source_file])
        if len(result.rejects):
            rej = result.rejects[["row_number", "reason", "raw"]].copy()
            rej.insert(0, "source_file", result.source_file)
            rej.insert(0, "source", result.source)
            rej["loaded_at"] = now
            con.register("_rejects", rej)
            con.execute("INSERT INTO rejects SELECT source, source_file, row_number, reason, raw, loaded_at FROM _rejects")
            con.unregister("_rejects")

    def _replace(self, rows: TableRows, result: LoadResult, now):
        if rows.frame.empty:           # every row rejected: nothing to replace (and no column types to bind)
            return
        frame = rows.frame.copy()
        frame["source_file"] = result.source_file
        frame["vintage"] = result.vintage
        frame["loaded_at"] = now
        cols = [c for c in frame.columns]
        self.con.register("_incoming", frame)
        try:
            keys = ", ".join(rows.key)
            if rows.merge:
                self._fill_from_stored(rows, cols)
            self.con.execute(
                f"DELETE FROM {rows.table} WHERE ({keys}) IN (SELECT DISTINCT {keys} FROM _incoming)"
            )
            select = ", ".join(
                f"ST_GeomFromWKB({c}) AS {c}" if c in rows.geometry_columns else c for c in cols
            )
            self.con.execute(f"INSERT INTO {rows.table} ({', '.join(cols)}) SELECT {select} FROM _incoming")
        finally:
            self.con.unregister("_incoming")

    def _fill_from_stored(self, rows: TableRows, cols: list[str]):
        """Re-register _incoming with NULL cells taken from the stored row of the same key, so a file holding
        only some columns (IoD ranks without scores) does not erase what another file supplied."""
        on = " AND ".join(f"i.{k} = t.{k}" for k in rows.key)
        select = ", ".join(
            f"i.{c}" if c in rows.key or c in ("source_file", "vintage", "loaded_at") or c in rows.geometry_columns
            else f"coalesce(i.{c}, t.{c}) AS {c}" for c in cols
        )
        merged = self.con.execute(f"SELECT {select} FROM _incoming i LEFT JOIN {rows.table} t ON {on}").df()
        self.con.unregister("_incoming")
        self.con.register("_incoming", merged)

    def count(self, table: str) -> int:
        return self.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def df(self, query: str, params=None) -> pd.DataFrame:
        return self.con.execute(query, params or []).df()

    def require(self, *tables: str):
        """Raise a WarehouseError naming the load command for any empty table."""
        empty = [t for t in tables if self.count(t) == 0]
        if empty:
            raise WarehouseError(
                f"the warehouse {self.path} has no rows in {', '.join(empty)}; "
                "load them first (see `repaudit load --help`) or run `repaudit load-sample`"
            )
