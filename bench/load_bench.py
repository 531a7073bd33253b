"""Loader benchmark: a generated residence-flows file of N rows (default 3,000,000, ~80 MB) through
`repaudit load flows`, loaded twice (the reload replaces by key), and optionally every real tabular file.

    .venv/bin/python bench/load_bench.py                    # 3,000,000 flow rows, load and reload
    .venv/bin/python bench/load_bench.py --rows 500000 --real

Prints the seconds per step; the target is a few seconds for 3 million flow rows.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from real_files import REAL_FILES  # noqa: E402
from repaudit.load import load_file  # noqa: E402
from repaudit.sources import flows, reader  # noqa: E402
from repaudit.warehouse import Warehouse  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real"


def write_flows(path: Path, rows: int, seed: int = 1):
    """ROWS flows of 150 LSOAs per school with pupils, FSM and SEN counts, as an NPD extract would hold."""
    rng = np.random.default_rng(seed)
    urn = 100000 + np.arange(rows) // 150
    lsoa = (np.arange(rows) % 150) * 200 + urn % 200 + 1
    pupils = rng.integers(1, 40, rows)
    fsm = (pupils * rng.random(rows) * 0.5).astype(int)
    sen = (pupils * rng.random(rows) * 0.3).astype(int)
    with open(path, "w") as handle:
        handle.write("urn,lsoa,pupils,fsm,sen,year\n")
        for start in range(0, rows, 100_000):
            stop = min(rows, start + 100_000)
            handle.writelines(f"{u},E01{l:06d},{p},{f},{s},2022\n" for u, l, p, f, s in
                              zip(urn[start:stop], lsoa[start:stop], pupils[start:stop], fsm[start:stop],
                                  sen[start:stop]))


def timed(label, action):
    start = time.perf_counter()
    value = action()
    print(f"{label:<44} {time.perf_counter() - start:6.2f} s")
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--real", action="store_true", help="also load every real tabular file in ../shared")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "npd_flows_2022.csv"
        timed(f"write {args.rows:,} flow rows", lambda: write_flows(path, args.rows))
        print(f"file size {path.stat().st_size / 1e6:.0f} MB")
        con = duckdb.connect()
        columns = timed("read into DuckDB (read_csv_into_duckdb)", lambda: reader.read_csv_into_duckdb(path, con, "_file"))
        timed("check (queries/flows_checked.sql)",
              lambda: flows.check_rows(con, flows.flow_columns(path, columns), None, len(columns)))
        con.close()
        with Warehouse(Path(folder) / "w.duckdb") as wh:
            result = timed("repaudit load flows (read + check + store)", lambda: load_file(wh, "flows", path))
            timed("reload the same file (replace by key)", lambda: load_file(wh, "flows", path))
            print(f"rows read {result.rows_read:,}, loaded {result.rows_loaded:,}, rejected {result.rows_rejected:,}; "
                  f"flows table {wh.count('flows'):,} rows")
            if args.real:
                for source, name, options in REAL_FILES:
                    timed(f"{source} {Path(name).name[:36]}", lambda: load_file(wh, source, REAL / name, **options))


if __name__ == "__main__":
    main()
