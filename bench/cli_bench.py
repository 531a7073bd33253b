"""Command-line start-up: how long `repaudit --version` and a name that matches no LA (`repaudit audit --la
brightonx`, which must answer with the closest names) take end to end, best of 3 runs each; and, for scale,
the whole audit of the LA a name resolves to (`--la brighton`, one model).

    .venv/bin/python bench/cli_bench.py /tmp/england.duckdb

Each command imports only the libraries it needs (repaudit.cli loads a command's module when it runs)."""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPAUDIT = Path(sys.executable).with_name("repaudit")


def best(args: list[str], runs: int = 3) -> tuple[float, str]:
    times, out = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([str(REPAUDIT), *args], capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        out = (done.stdout + done.stderr).strip().splitlines()[-1]
    return min(times), out


def main(db: str) -> None:
    out = tempfile.mkdtemp(prefix="cli_bench_")
    for args in (["--version"], ["audit", "--la", "brightonx", "--db", db],
                 ["audit", "--la", "brighton", "--no-robustness", "--db", db, "--out", out]):
        seconds, last = best(args)
        print(f"repaudit {' '.join(args)}: {seconds:.2f} s ({last[:100]})")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/england.duckdb")
