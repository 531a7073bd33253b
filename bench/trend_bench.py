"""Trend benchmark: the national audit over all five census years under the default model against the same
audit over one year, on the real national files (tests/real_files.py NATIONAL_FILES) plus the five
performance-tables census files (2017/18, 2018/19, 2021/22, 2022/23, 2023/24).

    .venv/bin/python bench/trend_bench.py                      # build the warehouse in a temporary folder
    .venv/bin/python bench/trend_bench.py --keep /tmp/years.duckdb

Each timing runs in its own process (peak memory is its own): `audit` with --years 1 and --years 5 (the
pooled audit, which computes every year's community once), and `trend` (the five-year audit plus each year's
statistics, slopes, trusts before and after joining, and D by year with its bootstrap). Target: the five-year
audit and the trend within 3x the one-year audit."""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real"
CENSUS = ["performance_tables_england_census_2017_18.csv.gz", "performance_tables_england_census_KSPDeveloper.csv.gz",
          "performance_tables_england_census_2021_22.csv.gz", "performance_tables_england_census_2022_23.csv.gz",
          "performance_tables_england_census_2023_24.csv.gz"]

CHILD = """
import json, re, sys, time
sys.path.insert(0, {root!r})
import repaudit
from repaudit.trends import trend
from repaudit.warehouse import Warehouse
wh = Warehouse({db!r}, read_only=True)
started = time.perf_counter()
if {kind!r} == "trend":
    result = trend(wh, indicators={indicators!r})
    rows = len(result.years)
else:
    result = repaudit.audit(wh, indicators={indicators!r}, years={years!r})
    rows = len(result.by_year)
print(json.dumps({{"seconds": time.perf_counter() - started, "rows": rows,
                  "peak_mb": int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) / 1024}}))
"""


def build(db: Path) -> float:
    sys.path.insert(0, str(ROOT / "tests"))
    from real_files import load_national
    from repaudit.load import load_files

    started = time.perf_counter()
    load_national(db, REAL)
    load_files(db, "census", [REAL / "spc_sen" / name for name in CENSUS])
    return time.perf_counter() - started


def step(db, kind, indicators, years=None) -> dict:
    code = CHILD.format(root=str(ROOT), db=str(db), kind=kind, indicators=list(indicators), years=years)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr.strip().splitlines()[-1])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", help="warehouse path to build (or reuse when it exists)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(args.keep) if args.keep else Path(tmp) / "years.duckdb"
        if not db.exists():
            print(f"warehouse (national files + five census files): {build(db):.0f} s", flush=True)
        for indicators in (["fsm"], ["fsm", "sen_support", "ehcp"]):
            one = step(db, "audit", indicators, 1)
            five = step(db, "audit", indicators, 5)
            whole = step(db, "trend", indicators)
            label = ",".join(indicators)
            print(f"{label}: audit 1 year {one['seconds']:.1f} s ({one['peak_mb']:.0f} MB); 5 years "
                  f"{five['seconds']:.1f} s ({five['peak_mb']:.0f} MB) = {five['seconds'] / one['seconds']:.2f}x; "
                  f"trend 5 years {whole['seconds']:.1f} s ({whole['peak_mb']:.0f} MB, {whole['rows']:,} school-years) "
                  f"= {whole['seconds'] / one['seconds']:.2f}x (target <= 3x)", flush=True)


if __name__ == "__main__":
    main()
