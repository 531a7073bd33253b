"""Audit benchmark: every community model over all schools and all indicators, on a generated
national-scale warehouse (bench/national_data.py) and on the real national files in ../shared/data/real.

    .venv/bin/python bench/audit_bench.py                 # generated + real
    .venv/bin/python bench/audit_bench.py --only generated --keep /tmp/national.duckdb
    .venv/bin/python bench/audit_bench.py --only real --real-db /tmp/england.duckdb --only-all

Each step runs in its own process so its peak memory (resident set, DuckDB included) is its own; the
wall time is the audit calls alone (imports and opening the warehouse are reported apart), and includes
the statistics of docs/methodology.md (random-effects flags, shrunken ranking, D with its bias
correction, random-allocation benchmark and intervals). The last step audits with every model but flows
one after another in one process, as a user comparing models would (the area table, which no model
changes, is computed once). On the real files it then prints `repaudit validate`: the share flagged, phi
and tau, the grammar-school gap per model and the agreement between models.
Targets on a 2-core machine: all models but flows together <= 20 s and each <= 2 GB; flows <= 60 s; with
robustness (every audit compares every public model) within twice the time without. Under other load the
wall time stretches; the CPU time beside it does much less.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real"
MODELS = ("la", "nearby-schools", "nearby-primaries", "residential", "catchment", "proximity", "fitted")
INDICATORS = ("fsm", "sen_support", "ehcp")

CHILD = """
import json, re, resource, sys, time
started = time.perf_counter()
sys.path.insert(0, {root!r})
import repaudit
from repaudit.warehouse import Warehouse
wh = Warehouse({db!r}, read_only=True)
ready = time.perf_counter()
cpu = resource.getrusage(resource.RUSAGE_SELF)
for model in {models!r}:
    result = repaudit.audit(wh, indicators={indicators!r}, community=model, years=3, robustness={robustness!r})
done = time.perf_counter()
after = resource.getrusage(resource.RUSAGE_SELF)
s = result.schools
print(json.dumps({{"setup_s": ready - started, "audit_s": done - ready,
                  "cpu_s": after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime,
                  "peak_mb": int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) / 1024,
                  "rows": len(s), "audited": int((s.status == "audited").sum()),
                  "trusts": len(result.trusts), "areas": len(result.areas)}}))
"""


def run_step(db, models, indicators, robustness=False) -> dict:
    """Audit with each of MODELS in turn in a fresh process; wall and CPU time of the audits and peak memory
    (VmHWM, the child's own high-water mark: ru_maxrss would carry over the parent's from before exec).
    ROBUSTNESS: each audit also compares every public model (memoised, so each model runs once)."""
    code = CHILD.format(root=str(ROOT), db=str(db), models=list(models), indicators=list(indicators),
                        robustness=robustness)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"}
    return json.loads(next(line for line in reversed(out.stdout.splitlines()) if line.startswith("{")))


def report(title, db, models, indicators, only_all=False):
    print(f"\n{title}")
    print(f"{'step':<22}{'audit s':>9}{'cpu s':>9}{'setup s':>9}{'peak MB':>9}{'rows':>9}{'audited':>9}", flush=True)
    together = [m for m in models if m != "flows"]
    steps = [] if only_all else [(m, [m], False) for m in models]
    steps += [("all but flows", together, False), ("all, with robustness", together, True)]
    for label, chosen, robust in steps:
        r = run_step(db, chosen, indicators, robust)
        if "error" in r:
            print(f"{label:<22} failed: {r['error']}")
            continue
        print(f"{label:<22}{r['audit_s']:>9.1f}{r['cpu_s']:>9.1f}{r['setup_s']:>9.1f}{r['peak_mb']:>9.0f}"
              f"{r['rows']:>9,}{r['audited']:>9,}", flush=True)
    print("('all but flows' runs those models one after another in one process, as `repaudit audit "
          "--no-robustness` would; 'all, with robustness' does the same with the comparison across models, "
          "models_flagged and the rank interval, as `repaudit audit` does by default; rows/audited are its last)")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")


def load_real(db) -> list[str]:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests"))
    from real_files import load_national

    return [f"  load {source:<15}{seconds:>6.1f} s  {rows:>9,} rows" for source, seconds, rows in load_national(db, REAL)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("generated", "real"))
    parser.add_argument("--keep", help="Path for the generated warehouse (reused when it exists).")
    parser.add_argument("--real-db", help="A warehouse of the real national files to reuse (else loaded afresh).")
    parser.add_argument("--only-all", action="store_true",
                        help="Only the steps that audit with every model (with and without robustness).")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="repaudit_bench_"))
    if args.only != "real":
        sys.path.insert(0, str(ROOT / "bench"))
        from national_data import generate

        db = Path(args.keep) if args.keep else tmp / "national.duckdb"
        if not db.exists():
            started = time.perf_counter()
            counts = generate(db)
            print(f"generated {db} in {time.perf_counter() - started:.1f} s: {counts}")
        report("Generated national data (24,600 schools, 35,500 LSOAs, 3 years, 3.6 million flow rows), "
               "indicators fsm, sen_support, ehcp", db, MODELS + ("flows",), INDICATORS, args.only_all)
    if args.only != "generated":
        if not REAL.is_dir():
            print(f"\n{REAL} is absent: real-data benchmark skipped")
            return
        db = Path(args.real_db) if args.real_db else tmp / "real.duckdb"
        if not args.real_db:
            started = time.perf_counter()
            lines = load_real(db)
            print(f"\nReal national files loaded in {time.perf_counter() - started:.1f} s")
            print("\n".join(lines))
        report("Real national data (GIAS 2025 subset, SPC 2022/23, IoD2019 via the lookup, centroids, Census "
               "2021), indicator fsm", db, ("la", "nearby-schools", "nearby-primaries", "residential", "proximity"),
               ("fsm",), args.only_all)
        if args.only_all:
            return
        print("\nThe models compared on the real data (repaudit validate --phase secondary): share flagged, phi "
              "and tau, grammar-school gap, agreement between models", flush=True)
        subprocess.run([sys.executable, "-m", "repaudit", "validate", "--db", str(db), "--phase", "secondary"],
                       cwd=ROOT)


if __name__ == "__main__":
    main()
