"""Coverage of the simulator's intervals: how often a fresh cohort falls inside what a simulation reports.

    .venv/bin/python bench/coverage_bench.py --brighton ../shared/data/real
    .venv/bin/python bench/coverage_bench.py --synthetic --la Kent --db output/england.duckdb
    .venv/bin/python bench/coverage_bench.py --brighton ../shared/data/real --cohorts 2 --fresh 100

Runs the simulation at the given settings (default: the CLI's defaults), then draws FRESH cohorts (seeds
from 1,000,000, none of them used by the simulation) with one lottery each, and prints, per school, the
share of fresh cohorts whose FSM share under the policy, and whose change in FSM share, fall inside the
reported 95% interval, with the minimum and the worst schools. Target: >= 90% for every school.
It then reuses the fresh cohorts to show what other numbers of cohorts would give (--choose): for each
n, disjoint sets of n cohorts stand in for a simulation (one lottery each) and the rest are the fresh
ones; the mean coverage per school over the splits is summarised. Timings: the simulation at the given
settings and the mean cost of one fresh cohort (draw and solve, one lottery).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from repaudit.simulate import coverage  # noqa: E402
from repaudit.simulate.run import DEFAULT_COHORTS, DEFAULT_RUNS, simulate  # noqa: E402

FRESH_SEED = 1_000_000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--brighton", metavar="DIR")
    ap.add_argument("--synthetic", action="store_true")
    ap.add_argument("--la")
    ap.add_argument("--db", default="output/england.duckdb")
    ap.add_argument("--policy", default=None, help="default: brighton-2025 for --brighton, else fsm-quota")
    ap.add_argument("--cohorts", type=int, default=DEFAULT_COHORTS)
    ap.add_argument("--runs", type=int, default=DEFAULT_RUNS)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fresh", type=int, default=100, help="fresh cohorts drawn for the check")
    ap.add_argument("--choose", default="2,3,5,8,10,15,20", help="numbers of cohorts to compare on the fresh ones")
    ap.add_argument("--splits", type=int, default=40)
    ap.add_argument("--keep", metavar="FILE.npy", help="keep the fresh cohorts' values in FILE (read them from it "
                                                        "when it exists: same place, policy and count)")
    a = ap.parse_args()
    policy = a.policy or ("brighton-2025" if a.brighton else "fsm-quota")
    source = dict(brighton_dir=a.brighton) if a.brighton else dict(synthetic_la=a.la, db=a.db)
    where = a.brighton and "Brighton and Hove (--brighton)" or a.la

    started = time.perf_counter()
    result = simulate(policy, cohorts=a.cohorts, runs=a.runs, seed=a.seed, **source).comparison
    took = time.perf_counter() - started
    units = coverage.checked(result)
    print(f"{where}, {policy}: {a.cohorts} cohort(s), {a.runs} runs, seed {a.seed}: {took:.1f} s "
          f"({result.meta['applicants']:,} applicants, {result.meta['schools']} schools)", flush=True)

    started = time.perf_counter()
    if a.keep and Path(a.keep).is_file():
        fresh = np.load(a.keep)
        print(f"{len(fresh)} fresh cohorts read from {a.keep}\n")
    else:
        fresh = coverage.fresh_values(lambda s: [u[2] for u in coverage.checked(
            simulate(policy, cohorts=1, runs=1, seed=s, **source).comparison)], range(FRESH_SEED, FRESH_SEED + a.fresh))
        per_cohort = (time.perf_counter() - started) / a.fresh
        print(f"{a.fresh} fresh cohorts, one lottery each: {per_cohort:.2f} s per cohort (draw, solve, measure)\n")
        if a.keep:
            np.save(a.keep, fresh)
    a.fresh = len(fresh)

    lo, hi = np.array([u[3] for u in units], float), np.array([u[4] for u in units], float)
    share = coverage.coverage(lo, hi, fresh)
    print(f"{'unit':<40} {'quantity':<20} {'reported (95%)':>26} {'coverage':>8}")
    for (unit, quantity, mean, l_, h_), c in zip(units, share):
        print(f"{unit[:40]:<40} {quantity:<20} {mean:8.4f} ({l_:7.4f},{h_:7.4f}) {_pc(c):>8}")
    _summary(f"at {a.cohorts} cohort(s), {a.runs} runs", units, share)

    print(f"\nother numbers of cohorts, one lottery each ({a.splits} splits of the {a.fresh} fresh cohorts):")
    rng = np.random.default_rng(a.seed)
    for n in (int(x) for x in a.choose.split(",")):
        if n + 10 > a.fresh:
            continue
        shares, minmax = [], []
        for _ in range(a.splits):
            pick = rng.permutation(a.fresh)
            ref, rest = fresh[pick[:n]], fresh[pick[n:]]
            _, l_, h_ = coverage.prediction_interval(ref, np.arange(n))
            shares.append(coverage.coverage(l_, h_, rest))
            minmax.append(coverage.coverage(np.nanmin(ref, axis=0), np.nanmax(ref, axis=0), rest))
        mean = np.nanmean(shares, axis=0)
        low = np.nanpercentile(shares, 10, axis=0)
        worst = int(np.nanargmin(mean))
        print(f"  n = {n:2d}: mean coverage over schools {_pc(np.nanmean(mean))}, lowest school "
              f"{_pc(mean[worst])} ({units[worst][0][:30]}, {units[worst][1]}); 10th percentile over splits, "
              f"worst unit {_pc(np.nanmin(low))}; min-max of the n: mean {_pc(np.nanmean(minmax))}")


def _pc(x) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:.1f}%"


def _summary(label, units, share) -> None:
    order = np.argsort(np.where(np.isfinite(share), share, np.inf))
    worst = ", ".join(f"{units[i][0][:30]} ({units[i][1]}) {_pc(share[i])}" for i in order[:3])
    print(f"\ncoverage {label}: mean {_pc(np.nanmean(share))}, minimum {_pc(np.nanmin(share))}; "
          f"units below 90%: {int(np.sum(share < 0.9))} of {int(np.isfinite(share).sum())}; worst: {worst}")


if __name__ == "__main__":
    main()
