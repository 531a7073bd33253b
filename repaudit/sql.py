"""Read the named SQL files in queries/ and run them with DuckDB named parameters ($name)."""
from functools import lru_cache

from .paths import QUERIES_DIR


@lru_cache(maxsize=None)
def query_text(name: str) -> str:
    """Text of queries/NAME.sql; a missing file is a programming error, not a user error."""
    return (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")


def run(con, name: str, **params):
    """Execute queries/NAME.sql with only the parameters its text mentions."""
    text = query_text(name)
    used = {k: v for k, v in params.items() if f"${k}" in text}
    return con.execute(text, used) if used else con.execute(text)
