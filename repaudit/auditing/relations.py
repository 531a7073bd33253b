"""Materialise a named query (queries/NAME.sql) as a temporary table of the audit's connection."""
from __future__ import annotations

from .. import sql


def materialise(con, table: str, name: str, **params) -> None:
    """CREATE OR REPLACE TEMP TABLE `table` AS the query in queries/NAME.sql, with its $params."""
    text = sql.query_text(name)
    used = {k: v for k, v in params.items() if f"${k}" in text}
    con.execute(f"create or replace temp table {table} as\n{text}", used)


def frame(con, table: str):
    """The temporary table as a pandas DataFrame."""
    return con.execute(f"select * from {table}").df()
