"""Run every benchmark in turn and print their figures (what `make bench` does).

    .venv/bin/python bench/run.py             # load, audit, map, simulate, trend
    .venv/bin/python bench/run.py audit map   # only some
"""
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = {
    "load": ["load_bench.py", "--real"],
    "audit": ["audit_bench.py"],
    "map": ["map_bench.py", "--real"],
    "simulate": ["simulate_bench.py"],
    "trend": ["trend_bench.py"],
}


def main(names):
    failed = []
    for name in names or BENCHES:
        script, *args = BENCHES[name]
        print(f"\n=== {name}: bench/{script} {' '.join(args)}", flush=True)
        if subprocess.run([sys.executable, str(HERE / script), *args]).returncode:
            failed.append(name)
    if failed:
        sys.exit(f"benchmarks that failed: {', '.join(failed)}")


if __name__ == "__main__":
    unknown = [a for a in sys.argv[1:] if a not in BENCHES]
    if unknown:
        sys.exit(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    main(sys.argv[1:])
