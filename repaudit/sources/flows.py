"""Residence flows (where each school's pupils live: NPD extracts, the GLA London Schools Atlas) -> flows.
Columns urn, lsoa, pupils, optionally fsm, sen, cin counts and year (else --year). Built for millions of
rows: a large plain file goes straight into DuckDB (read_csv_into_duckdb), anything else through
read_csv_table, and both are checked by queries/flows_checked.sql with the rules of the other loaders;
bad rows go to rejects with their line numbers."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from .. import sql
from ..errors import InputFileError, MissingColumnError
from ..warehouse import LoadResult, TableRows
from .damage import SCIENTIFIC, scientific_urns, tidy_lsoa_codes
from .header import check_repeated_columns, uses
from .lsoa_codes import LSOA_CODE_ALIASES, find_column
from .plausibility import FLOW_PUPILS
from .reader import SUPPRESSION_TOKENS, THOUSANDS, read_csv_into_duckdb, read_csv_table
from .registry import source
from .school_keys import FIRST_YEAR, LAST_YEAR, URN_ALIASES, YEAR_ALIASES, vintage_from_name

SOURCE = "flows"
ALIASES = {
    "urn": [*URN_ALIASES, "Secondary_School_URN", "Primary_School_URN"],     # the London Schools Atlas
    "lsoa": ["lsoa", "lsoa_code", "LSOA21CD", "LSOA11CD", "lsoa21", "lsoa11", *LSOA_CODE_ALIASES],
    "year": YEAR_ALIASES,
    "pupils": ["pupils", "pupil_count", "headcount", "number_of_pupils", "count"],
    "fsm": ["fsm", "fsm_pupils", "fsm_count", "fsm_eligible"],
    "sen": ["sen", "sen_pupils", "sen_count"],
    "cin": ["cin", "cin_pupils", "cin_count"],
}
REQUIRED = ["urn", "lsoa", "pupils"]


@source(SOURCE, "Residence flows: pupils of each school by home LSOA (urn, lsoa, pupils[, fsm, sen, cin][, year])",
        "repaudit load flows --year 2022 npd_flows_2022.csv")
def read(path, vintage=None, year=None, **_):
    path = Path(path)
    con = duckdb.connect()
    try:
        columns, notes = file_cells(con, path)
        names = flow_columns(path, columns)
        if names["year"] is None and year is None:
            raise InputFileError(path, f"has no year column (looked for {', '.join(YEAR_ALIASES)}): pass the "
                                 f"academic year with --year, e.g. `repaudit load flows --year 2022 {path.name}`")
        if names["year"] is None and not FIRST_YEAR <= year <= LAST_YEAR:
            raise InputFileError(path, f"--year {year} is not a plausible academic year (e.g. 2022 for 2022/23)")
        if names["year"] and year:
            notes.append(f"--year {year} ignored: the file has its own year column")
        rows_read = con.execute("SELECT count(*) FROM _file").fetchone()[0]
        frame, rejects, missing = check_rows(con, names, year, len(columns))
        notes.extend(damage_notes(con, path, names))
    finally:
        con.close()
    notes.extend(_token_notes(missing))
    return LoadResult(SOURCE, path.name, vintage or vintage_from_name(path), rows_read,
                      [TableRows("flows", frame, ["urn", "lsoa", "year"])], rejects, notes)


def file_cells(con, path: Path) -> tuple[list[str], list[str]]:
    """The file's cells as table _file(_line, _overflow, <its columns>): DuckDB's reader for large plain files,
    else read_csv_table (which also gives the errors for empty, binary or undecodable files, refuses a repeated
    column that is read, and notes its encoding and corrections). Its columns and the reader's notes."""
    columns = read_csv_into_duckdb(path, con, "_file")
    if columns is not None:
        return columns, []
    table = read_csv_table(path)
    check_repeated_columns(table, uses(ALIASES), SOURCE)
    frame = table.frame.copy()
    overflow = pd.Series(table.overflow, dtype="int64").reindex(range(len(frame)), fill_value=0)
    frame.insert(0, "_overflow", overflow.to_numpy())
    frame.insert(0, "_line", table.line)
    con.register("_table", pa.Table.from_pandas(frame, preserve_index=False))
    con.execute("CREATE TEMP TABLE _file AS SELECT * FROM _table")
    con.unregister("_table")
    return list(table.frame.columns), table.notes


def flow_columns(path: Path, columns: list[str]) -> dict[str, str | None]:
    """The file's column for each canonical name (None when absent); MissingColumnError for required ones."""
    names = {name: find_column(columns, [name, *aliases]) for name, aliases in ALIASES.items()}
    missing = [ALIASES[name][0] for name in REQUIRED if names[name] is None]
    if missing:
        raise MissingColumnError(path, missing, columns, SOURCE)
    return names


def check_rows(con, names: dict[str, str | None], year: int | None, width: int):
    """queries/flows_checked.sql over _file: (usable rows typed for the flows table, rejects with line numbers
    and reasons, counts of suppression tokens stored empty by column)."""
    cells = ", ".join(f"{_quoted(names[n])} AS {n}" if names[n] else f"CAST(NULL AS VARCHAR) AS {n}" for n in ALIASES)
    con.execute(f"CREATE TEMP VIEW _raw AS SELECT _line AS line, _overflow AS overflow, {cells} FROM _file")
    con.execute(f"CREATE TEMP TABLE _checked AS {sql.query_text('flows_checked')}",
                {"year": year, "tokens": list(SUPPRESSION_TOKENS), "width": width, "thousands": THOUSANDS,
                 "limit": FLOW_PUPILS.limit,
                 "limit_why": f" is above {FLOW_PUPILS.limit:,}, the most {FLOW_PUPILS.what} that is plausible "
                              f"({FLOW_PUPILS.measured})"})
    good = con.execute("SELECT urn, lsoa, year, pupils, fsm, sen, cin FROM _checked WHERE reason IS NULL")
    frame = good.arrow().read_all().to_pandas(types_mapper=_arrow_types)
    rejects = con.execute("SELECT line AS row_number, reason, raw FROM _checked WHERE reason IS NOT NULL "
                          "ORDER BY line").df()
    missing = con.execute("SELECT column_name, token, count(*) AS n FROM (UNPIVOT (SELECT fsm_token AS fsm, "
                          "sen_token AS sen, cin_token AS cin FROM _checked WHERE reason IS NULL) "
                          "ON fsm, sen, cin INTO NAME column_name VALUE token) GROUP BY ALL ORDER BY ALL").df()
    return frame, rejects, missing


def damage_notes(con, path: Path, names: dict[str, str | None]) -> list[str]:
    """What a spreadsheet did to the URN and LSOA cells, found by damage.py on the few cells it touched: URNs in
    scientific notation (said, or the file refused when digits were lost) and LSOA codes in lower case or with
    spaces, read as codes by flows_checked.sql (said)."""
    sci = con.execute("SELECT line, urn FROM _raw WHERE regexp_full_match(urn, ?) ORDER BY line",
                      [SCIENTIFIC.pattern.strip("^$")]).df()
    notes = scientific_urns(path, sci["urn"], sci["line"].to_numpy(), names["urn"])[1] if len(sci) else []
    tidied = con.execute("SELECT r.line, r.lsoa FROM _raw r JOIN _checked c USING (line) WHERE c.reason IS NULL "
                         "AND r.lsoa <> c.lsoa ORDER BY r.line").df()
    if len(tidied):
        notes += tidy_lsoa_codes(tidied["lsoa"], tidied["line"].to_numpy(), names["lsoa"])[1]
    return notes


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


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
