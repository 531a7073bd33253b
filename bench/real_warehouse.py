"""Load every real public file of ../shared/data/real that has a SOURCE (tests/real_files.py) into one
warehouse, for the national map, report and site benchmarks on real data.

    .venv/bin/python bench/real_warehouse.py /tmp/england.duckdb

Prints each file's load summary and the total time."""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from real_files import REAL_FILES  # noqa: E402
from repaudit.load import load_file  # noqa: E402
from repaudit.warehouse import Warehouse  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real"


def main(path: str) -> None:
    start = time.perf_counter()
    with Warehouse(path) as wh:
        for source, name, options in REAL_FILES:
            t = time.perf_counter()
            load_file(wh, source, REAL / name, **options)
            print(f"{source:16s} {name}: {time.perf_counter() - t:.1f} s", flush=True)
    print(f"loaded {len(REAL_FILES)} files into {path} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/england.duckdb")
