"""Admissions simulator benchmark (synthetic markets, nothing read from disk).

    .venv/bin/python bench/simulate_bench.py            # both benchmarks
    .venv/bin/python bench/simulate_bench.py --small    # 2,500 applicants x 10 schools x 1,000 lottery runs
    .venv/bin/python bench/simulate_bench.py --national # 600,000 applicants x 3,500 schools x 3 preferences
    .venv/bin/python bench/simulate_bench.py --la-all   # fsm-quota in every LA of the real national warehouse
    .venv/bin/python bench/simulate_bench.py --defaults output/england.duckdb [--las Kent,all] [--jobs 1,2]
                                                        # the CLI at its defaults, per number of processes

Targets: the 1,000 lottery runs in <= 30 s; the national run in <= 60 s and <= 4 GB peak memory; `--la all`
on the real national warehouse (built from ../shared/data/real as the README's walk-through does, in a
temporary folder) in <= 10 minutes and <= 4 GB.
Each line prints the wall time and the process's peak resident memory so far. `--defaults` runs
`repaudit simulate --policy fsm-quota --synthetic --la LA` at its defaults (a warehouse with applications and
offers loaded; targets: Kent <= 15 s, `--la all` <= 60 s) once per `--jobs` value, printing wall time, CPU of
all its processes, their peak memory together and the load average (other work on the machine slows the
wall time), and whether every number of processes wrote the same files.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from repaudit.simulate.compare import compare  # noqa: E402
from repaudit.simulate.game import Applicants, Catchments, Game, Schools, check_validity, solve, solve_many  # noqa: E402
from repaudit.simulate.policies import load_policy  # noqa: E402


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2      # ru_maxrss is in kB on Linux


def market(n_applicants: int, n_schools: int, prefs: int, extent_m: float, seed: int, spare: float = 0.05,
           catchments: bool = True) -> Game:
    """Schools scattered over a square; children live near a school drawn by PAN and list `prefs` schools
    among the 12 nearest to their home school, weighted by popularity; 25% FSM (more near unpopular schools)."""
    rng = np.random.default_rng(seed)
    sxy = rng.random((n_schools, 2)) * extent_m
    pan = rng.integers(60, 300, n_schools)
    pan = np.maximum(np.round(pan * n_applicants * (1 + spare) / pan.sum()), 1).astype(np.int64)
    popularity = rng.normal(0, 1, n_schools)
    home_school = rng.choice(n_schools, n_applicants, p=pan / pan.sum())
    spread = extent_m / np.sqrt(n_schools) / 2
    hxy = sxy[home_school] + rng.normal(0, spread, (n_applicants, 2))
    k = min(12, n_schools)
    cand = _nearest_schools(sxy, k)[home_school]                          # (N, k), nearest first
    weight = np.exp(popularity[cand] - np.arange(k) * 0.25 + rng.gumbel(size=cand.shape))
    pick = np.argsort(-weight, axis=1)[:, :prefs]
    choice = np.take_along_axis(cand, pick, axis=1)
    p_fsm = np.clip(0.25 - 0.08 * popularity[home_school], 0.02, 0.8)
    fsm = rng.random(n_applicants) < p_fsm
    schools = Schools(np.arange(100000, 100000 + n_schools), np.array([f"S{j}" for j in range(n_schools)], dtype=object),
                      pan, sxy, rng.random(n_schools) < 0.4, np.array([f"LA{j % 150}" for j in range(n_schools)], dtype=object))
    sibling = np.where(rng.random(n_applicants) < 0.2, choice[:, 0], -1)
    apps = Applicants(np.arange(n_applicants).astype(str).astype(object), hxy, fsm, rng.random(n_applicants) < 0.005,
                      np.full(n_applicants, -1), sibling, np.where(rng.random(n_applicants) < 0.015, choice[:, 0], -1),
                      np.arange(0, n_applicants * prefs + 1, prefs, dtype=np.int64), choice.ravel().astype(np.int64))
    catch = None
    if catchments:     # every school's catchment: the children whose home school it is
        catch = Catchments(home_school.astype(np.int64), np.eye(n_schools, dtype=bool), [f"c{j}" for j in range(n_schools)])
    return Game(schools, apps, catch)


def _nearest_schools(sxy: np.ndarray, k: int, chunk: int = 500) -> np.ndarray:
    out = np.empty((len(sxy), k), dtype=np.int64)
    for lo in range(0, len(sxy), chunk):
        d = np.hypot(sxy[lo:lo + chunk, None, 0] - sxy[None, :, 0], sxy[lo:lo + chunk, None, 1] - sxy[None, :, 1])
        part = np.argpartition(d, k - 1, axis=1)[:, :k]
        out[lo:lo + chunk] = np.take_along_axis(part, np.argsort(np.take_along_axis(d, part, axis=1), axis=1), axis=1)
    return out


def small(runs: int = 1000) -> None:
    game = market(2500, 10, 3, 12_000, seed=1)
    game.schools.community[:] = True
    policy = load_policy("brighton-2025").with_reserve_order("priority")
    baseline = load_policy("baseline")
    t = time.perf_counter()
    allocations = solve_many(game, policy, range(runs), others=baseline)
    solve_s = time.perf_counter() - t
    t = time.perf_counter()
    result = compare(game, policy, baseline, runs=runs, seed=0)
    compare_s = time.perf_counter() - t
    unplaced = np.mean([(a.route == 2).sum() for a in allocations])
    print(f"small: 2,500 applicants x 10 schools x {runs:,} lottery runs (brighton-2025 rules at all schools)")
    print(f"  deferred acceptance + directed places, {runs:,} runs: {solve_s:6.2f} s  (target <= 30 s)")
    print(f"  full comparison vs baseline ({2 * runs:,} allocations + metrics): {compare_s:6.2f} s")
    d = result.areas[(result.areas["area"] == "all") & (result.areas["metric"] == "D")].iloc[0]
    print(f"  mean directed places per run {unplaced:.1f}; D {d['baseline_mean']:.3f} -> {d['policy_mean']:.3f}; "
          f"peak memory {peak_gb():.2f} GB")


def national() -> None:
    t = time.perf_counter()
    game = market(600_000, 3_500, 3, 450_000, seed=2)
    build_s = time.perf_counter() - t
    print(f"national: 600,000 applicants x 3,500 schools x 3 preferences (market built in {build_s:.1f} s)")
    for name in ("baseline", "fsm-quota"):
        policy = load_policy(name)
        t = time.perf_counter()
        alloc = solve(game, policy, seed=0)
        solve_s = time.perf_counter() - t
        routes = np.bincount(alloc.route, minlength=4)
        print(f"  {name:<10} solve {solve_s:6.2f} s  (target <= 60 s): {alloc.rounds} rounds, offers {routes[1]:,}, "
              f"directed {routes[2]:,}, EHC plans {routes[3]:,}, unplaced {routes[0]:,}; peak memory {peak_gb():.2f} GB")
    t = time.perf_counter()
    problems = check_validity(game, alloc)
    print(f"  check_validity {time.perf_counter() - t:.1f} s: {len(problems)} problem(s); "
          f"peak memory {peak_gb():.2f} GB (target <= 4 GB)")


def la_all(runs: int = 5) -> None:
    import tempfile

    sys.path.insert(0, str(ROOT / "bench"))
    from audit_bench import REAL, load_real
    from repaudit.simulate.national_run import national_text, simulate_all

    if not REAL.is_dir():
        print(f"la-all: {REAL} is absent: skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "england.duckdb"
        t = time.perf_counter()
        load_real(db)
        print(f"la-all: national warehouse built from {REAL} in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        result = simulate_all(load_policy("fsm-quota"), load_policy("baseline"), db, runs=runs, seed=0)
        print(f"  fsm-quota vs baseline in every LA, {runs} lottery runs each: {time.perf_counter() - t:.1f} s "
              f"(target <= 600 s); peak memory {peak_gb():.2f} GB (target <= 4 GB)")
        print("  " + national_text(result, "fsm-quota", "baseline", runs).replace("\n", "\n  "))


def cli_run(args: list, out: Path) -> dict:
    """`repaudit simulate ARGS --out OUT` in a child process: wall and CPU seconds (it and its workers), peak
    resident memory of all its processes together (read from /proc where there is one), load averages before
    and after, and the sha256 of every file written."""
    import hashlib
    import os
    import subprocess

    load = os.getloadavg()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "repaudit", "simulate", *args, "--out", str(out), "--no-progress"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while child.poll() is None:
        peak = max(peak, _tree_rss_kb(child.pid))
        time.sleep(0.1)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if child.returncode:
        raise SystemExit(f"repaudit simulate {' '.join(args)} failed:\n{child.stderr.read().decode()[-2000:]}")
    files = {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(out.iterdir()) if f.is_file()}
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"wall": wall, "cpu": cpu, "gb": (peak or after.ru_maxrss) / 1024 ** 2, "load": (load, os.getloadavg()),
            "files": files}


def _tree_rss_kb(root: int) -> int:
    """Resident memory (kB) of process ROOT and its descendants, 0 where /proc cannot tell."""
    import os

    children, total = {}, 0
    try:
        for d in filter(str.isdigit, os.listdir("/proc")):
            try:
                parent = int(Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(d))
    except OSError:
        return 0
    todo = [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            total += next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                          if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total


def defaults(db: Path, las: list, jobs: list) -> None:
    import tempfile

    targets = {"kent": "<= 15 s", "all": "<= 60 s"}
    with tempfile.TemporaryDirectory() as tmp:
        for la in las:
            files = {}
            for n in jobs:
                got = cli_run(["--policy", "fsm-quota", "--synthetic", "--la", la, "--db", str(db), "--jobs", str(n)],
                              Path(tmp) / f"{la}-{n}")
                files[n] = got["files"]
                (l1, l5, _), (a1, a5, _) = got["load"]
                print(f"defaults, --la {la} --jobs {n}: {got['wall']:.1f} s wall (target {targets.get(la.lower(), '-')}), "
                      f"{got['cpu']:.1f} s CPU, {got['gb']:.2f} GB peak in all; load average {l1:.2f}/{l5:.2f} before, "
                      f"{a1:.2f}/{a5:.2f} after")
            same = all(f == files[jobs[0]] for f in files.values())
            print(f"  --la {la}: {len(files[jobs[0]])} files, {'the same' if same else 'NOT the same'} for --jobs "
                  f"{', '.join(map(str, jobs))}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--national", action="store_true")
    parser.add_argument("--la-all", action="store_true")
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--defaults", type=Path, metavar="DB", help="warehouse with applications and offers loaded")
    parser.add_argument("--las", default="Kent,all", help="LAs for --defaults, comma-separated [Kent,all]")
    parser.add_argument("--jobs", default="1,2", help="process counts for --defaults, comma-separated [1,2]")
    args = parser.parse_args()
    if args.defaults:
        defaults(args.defaults, args.las.split(","), [int(j) for j in args.jobs.split(",")])
        return
    both = not (args.small or args.national or args.la_all)
    if args.small or both:
        small(args.runs)
    if args.national or both:
        national()
    if args.la_all or both:
        la_all()


if __name__ == "__main__":
    main()
