"""The state of a warehouse file as an order-free content hash per table, so a test can say 'exactly as before'."""
from pathlib import Path

import duckdb


def warehouse_state(db: Path) -> dict[str, tuple]:
    """Row count and sum of row hashes of every table: equal states mean an unchanged warehouse."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()]
        return {t: con.execute(f'SELECT count(*), sum(hash(x)) FROM "{t}" AS x').fetchone() for t in tables}
    finally:
        con.close()
