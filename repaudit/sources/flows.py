"""Residence flows (where each school's pupils live: NPD extracts, the GLA London Schools Atlas) -> flows.
Columns urn, lsoa, pupils, optionally fsm, sen, cin counts and year (else --year). Built for millions of
rows: the file is parsed by pandas' C engine (read_csv_table_fast) and checked in DuckDB by
queries/flows_checked.sql, with the same rules as the other loaders; bad rows go to rejects with their line."""
from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from .. import sql
from ..errors import InputFileError, MissingColumnError
from ..warehouse import LoadResult, TableRows
from .lsoa_codes import LSOA_CODE_ALIASES, find_column
from .reader import SUPPRESSION_TOKENS, RawTable, read_csv_table_fast
from .registry import source
from .school_keys import FIRST_YEAR, LAST_YEAR, URN_ALIASES, YEAR_ALIASES, vintage_from_name

SOURCE = "flows"
ALIASES = {
    "urn": URN_ALIASES,
    "lsoa": ["lsoa", "lsoa_code", "LSOA21CD", "LSOA11CD", "lsoa21", "lsoa11", *LSOA_CODE_ALIASES],
    "year": YEAR_ALIASES,
    "pupils": ["pupils", "pupil_count", "headcount", "number_of_pupils", "count"],
    "fsm": ["fsm", "fsm_pupils", "fsm_count", "fsm_eligible"],
    "sen": ["sen", "sen_pupils", "sen_count"],
    "cin": ["cin", "cin_pupils", "cin_count"],
}
REQUIRED = ["urn", "lsoa", "pupils"]
COUNTS = ("fsm", "sen", "cin")


@source(SOURCE, "residence flows: pupils of each school by home LSOA (urn, lsoa, pupils[, fsm, sen, cin][, year])",
        "repaudit load flows --year 2022 npd_flows_2022.csv")
def read(path, vintage=None, year=None, **_):
    table = read_csv_table_fast(path)
    names = flow_columns(table)
    if names["year"] is None and year is None:
        raise InputFileError(table.path, f"has no year column (looked for {', '.join(YEAR_ALIASES)}): pass the "
                             f"academic year with --year, e.g. `repaudit load flows --year 2022 {table.path.name}`")
    if names["year"] is None and not FIRST_YEAR <= year <= LAST_YEAR:
        raise InputFileError(table.path, f"--year {year} is not a plausible academic year (e.g. 2022 for 2022/23)")
    notes = [f"--year {year} ignored: the file has its own year column"] if names["year"] and year else []
    frame, rejects, missing = check_rows(table, names, year)
    notes.extend(_token_notes(missing))
    return LoadResult(SOURCE, Path(path).name, vintage or vintage_from_name(path), len(table.frame),
                      [TableRows("flows", frame, ["urn", "lsoa", "year"])], rejects, notes)


def flow_columns(table: RawTable) -> dict[str, str | None]:
    """The file's column for each canonical name (None when absent); MissingColumnError for required ones."""
    names = {name: find_column(table.frame.columns, [name, *aliases]) for name, aliases in ALIASES.items()}
    missing = [ALIASES[name][0] for name in REQUIRED if names[name] is None]
    if missing:
        raise MissingColumnError(table.path, missing, list(table.frame.columns), SOURCE)
    return names


def check_rows(table: RawTable, names: dict[str, str | None], year: int | None):
    """queries/flows_checked.sql over the file's cells: (usable rows typed for the flows table, rejects with
    line numbers and reasons, counts of suppression tokens left empty by column)."""
    absent = pd.Series(pd.array([None] * len(table.frame), dtype="string"))
    raw = pd.DataFrame({"line": table.line, "overflow": np.zeros(len(table.frame), dtype=np.int64)})
    raw.loc[list(table.overflow), "overflow"] = list(table.overflow.values())
    for name in ALIASES:
        raw[name] = (table.frame[names[name]] if names[name] is not None else absent).reset_index(drop=True)
    con = duckdb.connect()
    try:
        con.register("_raw", pa.Table.from_pandas(raw, preserve_index=False))
        con.execute(f"CREATE TEMP TABLE _checked AS {sql.query_text('flows_checked')}",
                    {"year": year, "tokens": list(SUPPRESSION_TOKENS), "width": len(table.frame.columns)})
        good = con.execute("SELECT urn, lsoa, year, pupils, fsm, sen, cin FROM _checked WHERE reason IS NULL")
        frame = good.arrow().read_all().to_pandas(types_mapper=_arrow_types)
        rejects = con.execute("SELECT line AS row_number, reason, raw FROM _checked WHERE reason IS NOT NULL "
                              "ORDER BY line").df()
        missing = con.execute("SELECT column_name, token, count(*) AS n FROM (UNPIVOT (SELECT fsm_token AS fsm, "
                              "sen_token AS sen, cin_token AS cin FROM _checked WHERE reason IS NULL) "
                              "ON fsm, sen, cin INTO NAME column_name VALUE token) GROUP BY ALL ORDER BY ALL").df()
        return frame, rejects, missing
    finally:
        con.close()


def _arrow_types(arrow_type):
    """Keep text columns in Arrow memory (fast for millions of rows); numbers become NumPy dtypes."""
    return pd.ArrowDtype(arrow_type) if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type) else None


def _token_notes(missing: pd.DataFrame) -> list[str]:
    """Notes counting fsm/sen/cin cells stored empty because they held a suppression token."""
    notes = []
    for name, rows in missing.groupby("column_name", sort=False):
        reasons = ", ".join(f"{n:,} {SUPPRESSION_TOKENS.get(t, t)}" for t, n in zip(rows.token, rows.n))
        notes.append(f"{int(rows.n.sum()):,} {name} counts missing (stored empty): {reasons}")
    return notes
