"""Brighton and Hove: the simulator's offers by criterion and by preference against what was published, and
how long offers by criterion, --pan and --what-would-it-take take.

    .venv/bin/python bench/brighton_criteria_bench.py [--real ../shared/data/real] [--cohorts 10] [--runs 100]
                                                      [--db WAREHOUSE]

Published figures used (nothing is fitted to them here):
  * 2024/25 actuals (brighton/catchulator_secondary_admissions_actuals_2425.csv): offers to children with an
    EHC plan (p2_a_EHCP_off) and to siblings (p3_sibling_offered), first-preference offers and places offered;
    set beside the model of entry 2024 under brighton-2024. The scenario draws siblings at each school's
    published sibling offers over its first preferences, so the sibling row checks the engine, not demand.
  * 2026 offers by preference (brighton/dennett_bh_school_model_of_factsheet_panel.csv: off1, off2, off3,
    off_total), beside the model of entry 2026 under brighton-2026. The council's 2026 offers by criterion
    are not among the public files, so 2026 is compared by preference only.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from repaudit.simulate import scenarios  # noqa: E402
from repaudit.simulate.compare import nan_quantile  # noqa: E402
from repaudit.simulate.game import OFFER, solve_many  # noqa: E402
from repaudit.simulate.policies import load_policy  # noqa: E402
from repaudit.simulate.run import simulate, simulate_what_would_it_take  # noqa: E402

SCHOOLS = {114606: "Blatchington Mill", 114580: "Dorothy Stringer", 114579: "Varndean"}


def by_preference(real, policy_name, entry_year, cohorts, runs):
    """Offers at each school by preference rank (1-3) and in all, per run: {urn: array runs x 4}."""
    policy = load_policy(policy_name)
    out = {u: [] for u in SCHOOLS}
    for c in range(cohorts):
        game = scenarios.brighton(real, entry_year=entry_year, seed=c, preferences=policy.preferences,
                                  city_share=policy.city_fsm_share())
        for alloc in solve_many(game, policy, range(c * 1000, c * 1000 + runs // cohorts)):
            for u in SCHOOLS:
                s = int(np.flatnonzero(game.schools.urn == u)[0])
                here = alloc.school == s
                offer = here & (alloc.route == OFFER)
                out[u].append([int((offer & (alloc.preference_rank == r)).sum()) for r in (1, 2, 3)]
                              + [int(here.sum())])
    return {u: np.array(v, dtype=float) for u, v in out.items()}


def cell(values):
    lo, hi = nan_quantile(values[:, None], 0.025)[0], nan_quantile(values[:, None], 0.975)[0]
    return f"{values.mean():.0f} ({lo:.0f}-{hi:.0f})"


def criteria_cell(table, urn, criterion):
    r = table[(table["urn"] == urn) & (table["criterion"] == criterion)].iloc[0]
    return f"{r['policy_mean']:.0f} ({r['policy_lo']:.0f}-{r['policy_hi']:.0f})"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--real", default=str(ROOT.parent / "shared" / "data" / "real"))
    ap.add_argument("--cohorts", type=int, default=10)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--db", default=None, help="warehouse for the community shares of --what-would-it-take")
    args = ap.parse_args()
    real = Path(args.real)
    actuals = pd.read_csv(real / scenarios.ACTUALS).set_index("school_urn")
    factsheet = pd.read_csv(real / scenarios.FACTSHEET)

    t = time.perf_counter()
    sim24 = simulate("brighton-2024", brighton_dir=real, entry_year=2024, runs=args.runs, cohorts=args.cohorts)
    t24 = time.perf_counter() - t
    pref24 = by_preference(real, "brighton-2024", 2024, args.cohorts, args.runs)
    print(f"entry 2024, brighton-2024, {args.cohorts} cohorts x {args.runs // args.cohorts} runs "
          f"(simulate with offers by criterion: {t24:.1f} s); model mean (95% over cohorts and runs) vs published")
    print(f"{'school':<18} {'EHC plan':>16} {'sibling':>16} {'1st pref offers':>20} {'all offers':>18}")
    for u, name in SCHOOLS.items():
        a = actuals.loc[u]
        print(f"{name:<18} {criteria_cell(sim24.comparison.criteria, u, 'ehcp'):>10} /{int(a['p2_a_EHCP_off']):>3} "
              f"{criteria_cell(sim24.comparison.criteria, u, 'sibling'):>10} /{int(a['p3_sibling_offered']):>3} "
              f"{cell(pref24[u][:, 0]):>14} /{int(a['number_1st_preference_offers']):>4} "
              f"{cell(pref24[u][:, 3]):>12} /{int(a['total_number_places_offered']):>4}")

    t = time.perf_counter()
    sim26 = simulate("brighton-2026", brighton_dir=real, entry_year=2026, runs=args.runs, cohorts=args.cohorts)
    t26 = time.perf_counter() - t
    pref26 = by_preference(real, "brighton-2026", 2026, args.cohorts, args.runs)
    print(f"\nentry 2026, brighton-2026 (simulate with offers by criterion: {t26:.1f} s): offers by criterion "
          "(model; no published 2026 figures by criterion in the public files)")
    table = sim26.comparison.criteria
    used = [c for c in table["criterion"].unique()
            if table[(table["criterion"] == c) & table["urn"].isin(list(SCHOOLS))]["policy_hi"].max() > 0]
    print(f"{'school':<18} " + " ".join(f"{c[:14]:>15}" for c in used))
    for u, name in SCHOOLS.items():
        print(f"{name:<18} " + " ".join(f"{criteria_cell(table, u, c):>15}" for c in used))
    print("\nentry 2026 offers by preference: model vs published (factsheet 2026)")
    print(f"{'school':<18} {'1st':>18} {'2nd':>18} {'3rd':>18} {'all offers':>20}")
    for u, name in SCHOOLS.items():
        row = factsheet[(factsheet["year"] == 2026) & factsheet["name"].str.startswith(name)].iloc[0]
        print(f"{name:<18} " + " ".join(f"{cell(pref26[u][:, k]):>12} /{int(row[col]):>4}"
                                         for k, col in enumerate(("off1", "off2", "off3", "off_total"))))

    t = time.perf_counter()
    pan = simulate("brighton-2026", brighton_dir=real, entry_year=2026, runs=20, pans={114606: 250})
    print(f"\n--pan 114606=250 with 20 runs: {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    table, text, _ = simulate_what_would_it_take("brighton-2026", "all", brighton_dir=real, entry_year=2026,
                                                 runs=20, db=args.db)
    print(f"--what-would-it-take all with 20 runs: {time.perf_counter() - t:.1f} s\n")
    print(text)
    return pan


if __name__ == "__main__":
    main()
