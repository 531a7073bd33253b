"""Helpers for the tabular loader tests: small CSV fixtures written the way the real files are, and
`repaudit load` run through Click's CliRunner against a warehouse in tmp_path."""
from pathlib import Path

from repaudit.cli import cli
from repaudit.warehouse import Warehouse


def write_csv(path: Path, header, rows, *, encoding="utf-8", quote_all=False, newline="\n") -> Path:
    """Write HEADER and ROWS (lists of cells) as CSV; quote_all quotes every field as GIAS does."""
    def cell(value):
        text = str(value)
        if quote_all or "," in text or '"' in text:
            return '"' + text.replace('"', '""') + '"'
        return text

    lines = [",".join(cell(h) for h in header)] + [",".join(cell(v) for v in row) for row in rows]
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def run_load(runner, tmp_path: Path, *args: str):
    """`repaudit load ARGS --db tmp_path/w.duckdb`; returns the Click result."""
    return runner.invoke(cli, ["load", *map(str, args), "--db", str(db_path(tmp_path))])


def db_path(tmp_path: Path) -> Path:
    return tmp_path / "w.duckdb"


def query(tmp_path: Path, sql: str):
    """Rows of SQL run on the warehouse the CLI wrote, as a DataFrame."""
    with Warehouse(db_path(tmp_path)) as wh:
        return wh.df(sql)


def error_line(result) -> str:
    """The single 'Error: ...' line a failed command printed; fails when there is a traceback."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1, result.output
    return lines[0]
