"""Coverage of the simulator's intervals: how often a fresh cohort falls inside what a simulation reports.

    .venv/bin/python bench/coverage_bench.py --brighton ../shared/data/real
    .venv/bin/python bench/coverage_bench.py --synthetic --la Kent --db output/england.duckdb
    .venv/bin/python bench/coverage_bench.py --brighton ../shared/data/real --cohorts 2 --fresh 100
    .venv/bin/python bench/coverage_bench.py --brighton ../shared/data/real --seed 7 --fresh-seed 2000000

Runs the simulation at the given settings (default: the CLI's defaults), then draws FRESH cohorts (seeds
from --fresh-seed, 1,000,000 unless given, none of them used by the simulation) with one lottery each, and prints, per school, the
share of fresh cohorts whose FSM share under the policy, and whose change in FSM share, fall inside the
reported 95% interval, with the minimum and the worst schools. Target: >= 90% for every school. The check
has noise of its own: with 100 fresh cohorts a figure truly covered 95% of the time shows below 90% about
1 time in 90, so the default draws 300, and the summary also counts the figures below 90% beyond that
noise (the upper end of the Wilson 95% interval of their share below 90%). One simulation's interval has
noise too: its spread is estimated from the simulation's cohorts, so for a few figures of one simulation it
comes out narrow by chance (coverage.py), and the coverage of a figure's interval, the chance that it holds
a fresh cohort, is an average over simulations: --sims (default 3) runs that many against the same fresh
cohorts and prints the first one's shares and the mean of all (seeds SEED, SEED + COHORTS, ...: a simulation
draws cohorts SEED, SEED + 1, ..., so these share none).
It then reuses the fresh cohorts to show what other numbers of cohorts would give (--choose): for each
n, disjoint sets of n cohorts stand in for a simulation (one lottery each) and the rest are the fresh
ones; the mean coverage per school over the splits is summarised (these intervals leave out the pooling of
schools' variances, which needs their intakes: they show each school's own interval). Timings: the simulation at the given
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
    ap.add_argument("--sims", type=int, default=3, help="simulations (seeds SEED, SEED + COHORTS, ...) whose "
                                                        "coverage is averaged")
    ap.add_argument("--fresh", type=int, default=300, help="fresh cohorts drawn for the check")
    ap.add_argument("--fresh-seed", type=int, default=FRESH_SEED, help="seed of the first fresh cohort")
    ap.add_argument("--choose", default="2,3,5,8,10,15,20", help="numbers of cohorts to compare on the fresh ones")
    ap.add_argument("--splits", type=int, default=40)
    ap.add_argument("--keep", metavar="FILE.npy", help="keep the fresh cohorts' values in FILE (read them from it "
                                                        "when it exists: same place, policy and count)")
    a = ap.parse_args()
    policy = a.policy or ("brighton-2025" if a.brighton else "fsm-quota")
    source = dict(brighton_dir=a.brighton) if a.brighton else dict(synthetic_la=a.la, db=a.db)
    where = a.brighton and "Brighton and Hove (--brighton)" or a.la

    runs = []
    for seed in range(a.seed, a.seed + a.sims * a.cohorts, a.cohorts):     # disjoint cohorts: SEED + c each
        started = time.perf_counter()
        result = simulate(policy, cohorts=a.cohorts, runs=a.runs, seed=seed, **source).comparison
        took = time.perf_counter() - started
        runs.append(coverage.checked(result))
        print(f"{where}, {policy}: {a.cohorts} cohort(s), {a.runs} runs, seed {seed}: {took:.1f} s "
              f"({result.meta['applicants']:,} applicants, {result.meta['schools']} schools)", flush=True)
    units = runs[0]

    started = time.perf_counter()
    if a.keep and Path(a.keep).is_file():
        fresh = np.load(a.keep)
        print(f"{len(fresh)} fresh cohorts read from {a.keep}\n")
    else:
        fresh = coverage.fresh_values(lambda s: [u[2] for u in coverage.checked(
            simulate(policy, cohorts=1, runs=1, seed=s, **source).comparison)], range(a.fresh_seed, a.fresh_seed + a.fresh))
        per_cohort = (time.perf_counter() - started) / a.fresh
        print(f"{a.fresh} fresh cohorts, one lottery each: {per_cohort:.2f} s per cohort (draw, solve, measure)\n")
        if a.keep:
            np.save(a.keep, fresh)
    a.fresh = len(fresh)

    shares = np.array([coverage.coverage(np.array([u[3] for u in r], float), np.array([u[4] for u in r], float),
                                         fresh) for r in runs])
    share, average = shares[0], shares.mean(axis=0)
    print(f"{'unit':<40} {'quantity':<20} {f'reported (95%), seed {a.seed}':>26} {'coverage':>8} "
          f"{f'mean of {a.sims}':>10}")
    for (unit, quantity, mean, l_, h_), c, m in zip(units, share, average):
        print(f"{unit[:40]:<40} {quantity:<20} {mean:8.4f} ({l_:7.4f},{h_:7.4f}) {_pc(c):>8} {_pc(m):>10}")
    count = np.isfinite(fresh).sum(axis=0)
    _summary(f"at {a.cohorts} cohort(s), {a.runs} runs, one simulation (seed {a.seed})", units, share, count)
    if a.sims > 1:
        _summary(f"averaged over {a.sims} simulations (seeds {a.seed}, {a.seed + a.cohorts}, ...)", units, average,
                 count)

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


def _summary(label, units, share, count) -> None:
    order = np.argsort(np.where(np.isfinite(share), share, np.inf))
    worst = ", ".join(f"{units[i][0][:30]} ({units[i][1]}) {_pc(share[i])}" for i in order[:3])
    beyond = int(np.sum(wilson_upper(share, count) < 0.9))
    print(f"\ncoverage {label}: mean {_pc(np.nanmean(share))}, minimum {_pc(np.nanmin(share))}; "
          f"units below 90%: {int(np.sum(share < 0.9))} of {int(np.isfinite(share).sum())} ({beyond} beyond the "
          f"check's noise); worst: {worst}")


def wilson_upper(share, count, z: float = 1.96):
    """Upper end of the Wilson score interval of a share observed over COUNT draws (NaN stays NaN)."""
    share, count = np.asarray(share, float), np.maximum(np.asarray(count, float), 1)
    centre = share + z * z / (2 * count)
    half = z * np.sqrt(share * (1 - share) / count + z * z / (4 * count * count))
    return (centre + half) / (1 + z * z / count)


if __name__ == "__main__":
    main()
