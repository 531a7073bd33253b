"""Fit the share of listings that meet schools' own criteria (repaudit/simulate/own_criteria.py), by kind of
school, on one entry year's offers by preference, and write repaudit/simulate/own_criteria_fit.json.

    .venv/bin/python bench/fit_own_criteria.py --db output/england.duckdb [--year 2020] [--out PATH]

For each share of a grid, every LA's synthetic cohort of YEAR (seed 0, from YEAR's applications and places)
is allocated once under the baseline policy with that share at every school. Per kind of school (selective,
faith, own admission authority, LA's), the share kept is the one whose first-preference offers per school
come closest to YEAR's published ones (least squares over the LA's own schools of that kind). Whether each
kind also takes a share of its own in London, or in LAs allowing 6 preferences, is decided on LAs the shares
were not fitted on: two halves of the LAs (alternate LA codes), each half's shares scored on the other half;
the split with the least such error is kept (none, if splitting does not help) and fitted on all LAs. Only
YEAR's offers are used: other years, the LA-level file and the scorecards stay for validation
(bench/simulate_demand_bench.py). With --per-km, the same least squares (all schools) at the fitted shares for
each distance decay given, as a check of the choice model's assumed per_km (written to the fit as well).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from repaudit.errors import RepauditError  # noqa: E402
from repaudit.simulate import own_criteria  # noqa: E402
from repaudit.simulate.choice import ChoiceModel  # noqa: E402
from repaudit.simulate.game import solve  # noqa: E402
from repaudit.simulate.inputs import market_game  # noqa: E402
from repaudit.simulate.national import all_las, la_market, national_frames  # noqa: E402
from repaudit.simulate.policies import load_policy  # noqa: E402
from repaudit.warehouse import Warehouse  # noqa: E402

GRID = (0.0, 0.05, 0.1, 0.2, 0.3, 0.45, 0.6)


def first_offers(frames, share, per_km: float | None = None) -> pd.DataFrame:
    """Per own school of every LA: its kind and the model's first-preference offers with SHARE (one share, or
    one per kind) and the distance decay PER_KM (default the choice model's)."""
    base = load_policy("baseline")
    rows = []
    for code, _ in all_las(frames):
        try:
            market = la_market(frames, code)
            prefs = market.preferences or base.preferences
            model = None if per_km is None else ChoiceModel(np.zeros(len(market.schools)), per_km=per_km)
            game = market_game(market, 0, prefs, model=model, own_share=share)
            alloc = solve(game, replace(base, preferences=prefs), seed=0)
        except RepauditError:
            continue
        own = market.schools["in_la"].to_numpy()
        got = np.bincount(alloc.school[alloc.preference_rank == 1], minlength=game.schools.n)
        rows.append(pd.DataFrame({"urn": game.schools.urn[own], "la_code": code,
                                  **{by or "kind": own_criteria.group_of(market.schools, by, prefs)[own]
                                     for by in (None,) + own_criteria.SPLITS},
                                  "model": got[own]}))
    return pd.concat(rows, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--year", type=int, default=2020)
    parser.add_argument("--out", type=Path, default=own_criteria.FIT)
    parser.add_argument("--per-km", type=float, action="append", default=[],
                        help="also check this distance decay at the fitted shares (repeat for several)")
    parser.add_argument("--check-only", action="store_true", help="keep the shares of --out and only run --per-km")
    args = parser.parse_args()
    with Warehouse(args.db, read_only=True) as wh:
        frames = national_frames(wh, demand_year=args.year)
        real = wh.df("""SELECT urn, first_pref_offers AS real FROM school_admissions
                        WHERE phase = 'Secondary' AND year = ? AND first_pref_offers IS NOT NULL ORDER BY urn""",
                     [args.year])
    fit = json.loads(args.out.read_text(encoding="utf-8")) if args.check_only else grid_fit(frames, real, args.year)
    if args.per_km:
        check = fit.get("per_km_check", {})
        for km in args.per_km:
            table = first_offers(frames, fit["shares"], km).merge(real, on="urn")
            check[f"{km:g}"] = round(float(((table["model"] - table["real"]) ** 2).sum()), 1)
            print(f"per_km {km:g} at the fitted shares: squared error {check[f'{km:g}']:,.0f}", flush=True)
        fit["per_km_check"] = check
    args.out.write_text(json.dumps(fit, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {fit['shares']}")


def errors_by(table: pd.DataFrame, group: str) -> pd.DataFrame:
    """Squared error of first-preference offers summed per share of the grid (rows) and GROUP (columns)."""
    return table.assign(e=(table["model"] - table["real"]) ** 2).pivot_table(index="share", columns=group, values="e",
                                                                            aggfunc="sum", fill_value=0.0)


def cross_validated(table: pd.DataFrame, group: str) -> float:
    """Squared error on each half of the LAs (alternate LA codes) at the shares that fit the other half best."""
    codes = sorted(table["la_code"].unique())
    half = table["la_code"].isin(codes[::2])
    total = 0.0
    for fit, score in ((half, ~half), (~half, half)):
        best = errors_by(table[fit], group).idxmin()
        held = errors_by(table[score], group)
        total += sum(float(held.loc[best[g], g]) if g in best.index else float(held[g].min()) for g in held.columns)
    return total


def grid_fit(frames, real: pd.DataFrame, year: int) -> dict:
    """The least-squares share per kind of school (and split, if one helps on held-out LAs) over GRID."""
    tables = []
    for share in GRID:
        t = time.perf_counter()
        tables.append(first_offers(frames, share).merge(real, on="urn").assign(share=share))
        sse = errors_by(tables[-1], "kind").iloc[0]
        print(f"share {share:.2f}: " + ", ".join(f"{k} {v:,.0f}" for k, v in sse.items())
              + f"  ({time.perf_counter() - t:.0f} s)", flush=True)
    table = pd.concat(tables, ignore_index=True)
    scores = {by: cross_validated(table, by or "kind") for by in (None,) + own_criteria.SPLITS}
    for by, score in scores.items():
        print(f"split by {by or 'kind only'}: squared error on held-out LAs {score:,.0f}")
    split = min(scores, key=scores.get)
    group = split or "kind"
    grid = errors_by(table, group)
    best = grid.idxmin()
    schools = table[table["share"] == GRID[0]][group].value_counts()
    return {"shares": {k: float(v) for k, v in best.items()}, "split": split,
            "fitted_on": f"fitted on entry {year}'s first-preference offers per school, all LAs",
            "method": "grid of shares, least squares on first-preference offers per school, by kind of school"
                      + (f" and {split}" if split else "") + " (bench/fit_own_criteria.py); one cohort (seed 0) per "
                      "LA, baseline policy; the split chosen by two-fold cross-validation over LAs",
            "year": year, "grid": list(GRID),
            "held_out_error_by_split": {by or "none": round(v, 1) for by, v in scores.items()},
            "schools": {k: int(v) for k, v in schools.items()},
            "sum_squared_error": {k: [round(float(grid.loc[s, k]), 1) for s in GRID] for k in grid.columns}}


if __name__ == "__main__":
    main()
