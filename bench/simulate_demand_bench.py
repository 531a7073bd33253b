"""The simulator's demand against what happened: synthetic cohorts fitted on one entry year's applications and
offers, checked on the next year's published figures (not used in the fit) and on the LA scorecards.

    .venv/bin/python bench/simulate_demand_bench.py --db output/england.duckdb [--fit-year 2021] [--la Kent ...]

The warehouse needs the national files (README, 'Auditing real data') and `repaudit load admissions` of the
school-level applications and offers file. For every LA: one synthetic cohort (seed 0) whose places, first,
second and third preference counts and number of preferences come from FIT_YEAR, allocated under the
baseline policy (one lottery). Printed:
  * per LA, the share of the cohort offered its first preference against the published share for the next
    entry year (school-level file: first-preference offers over first preferences of the LA's schools) and
    against the scorecards' secondary first-preference rate (entry 2023), when the file is given: Pearson r,
    mean absolute difference, by region-free subgroups (LAs with / without selective schools, preferences
    allowed);
  * per school, oversubscription (first preferences over places) of the synthetic cohort against the
    published ratio of the next year: Pearson r, by kind of school (selective or not, single-sex or not).
Each line also gives the wall time; the load average is printed first (the machine is shared).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from repaudit.errors import RepauditError  # noqa: E402
from repaudit.simulate.game import solve  # noqa: E402
from repaudit.simulate.inputs import market_game  # noqa: E402
from repaudit.simulate.national import all_las, la_market, national_frames  # noqa: E402
from repaudit.simulate.policies import load_policy  # noqa: E402
from repaudit.warehouse import Warehouse  # noqa: E402

SCORECARDS = ROOT.parent / "shared" / "data" / "real" / "admissions" / "la_school_places_scorecards_2022_23_to_2024_25.csv.gz"


def published(wh, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per school and per LA (la_code of the school), the published figures of entry YEAR."""
    schools = wh.df("""SELECT urn, la_code, places_offered, times_first, first_pref_offers FROM school_admissions
                       WHERE phase = 'Secondary' AND year = ? ORDER BY urn""", [year])
    las = schools.groupby("la_code", as_index=False)[["first_pref_offers", "times_first"]].sum()
    las["published_rate"] = las["first_pref_offers"] / las["times_first"]
    return schools, las


def scorecard_rates(path: Path) -> pd.Series:
    """Secondary first-preference offer rate per LA (old code) for entry 2023 (2022/23 scorecard, current year)."""
    if not path.is_file():
        return pd.Series(dtype=float)
    table = pd.read_csv(path, dtype=str)
    rows = table[(table["Year"] == "2022/23") & (table["geographic_level"] == "Local authority")]
    col = next(c for c in table.columns if c.lower() in ("pref_s_1_cy", "pref_1_s_cy", "pref_s1_cy"))
    return pd.to_numeric(rows.set_index("LANumber")[col], errors="coerce").dropna() / 100


def pearson(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.corrcoef(a, b)[0, 1]) if len(a) > 2 else float("nan")


def run(db: Path, fit_year: int | None, only: list[str]) -> None:
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores, shared machine)")
    t0 = time.perf_counter()
    with Warehouse(db, read_only=True) as wh:
        frames = national_frames(wh, demand_year=fit_year)
        check_year = frames.demand_year + 1
        schools_pub, las_pub = published(wh, check_year)
    print(f"fit on entry {frames.demand_year}, checked on entry {check_year}; frames {time.perf_counter() - t0:.1f} s")
    base = load_policy("baseline")
    la_rows, school_rows = [], []
    for code, name in all_las(frames):
        if only and name not in only:
            continue
        t = time.perf_counter()
        try:
            market = la_market(frames, code)
            prefs = market.preferences or base.preferences
            game = market_game(market, 0, prefs)
            alloc = solve(game, replace(base, preferences=prefs), seed=0)
        except RepauditError as exc:
            print(f"  {name}: left out ({exc})")
            continue
        apps = game.applicants
        first = apps.prefs[apps.offsets[:-1][np.diff(apps.offsets) > 0]]
        listed = np.bincount(first, minlength=game.schools.n)
        la_rows.append({"la_code": code, "la_name": name, "model_rate": float((alloc.preference_rank == 1).mean()),
                        "selective": bool(game.schools.selective.any()), "preferences": prefs,
                        "seconds": time.perf_counter() - t})
        own = market.schools["in_la"].to_numpy()
        school_rows.append(pd.DataFrame({"urn": game.schools.urn[own], "model_over": (listed / game.schools.pan)[own],
                                         "selective": game.schools.selective[own],
                                         "single_sex": (game.schools.sex[own] != "mixed") if game.schools.sex is not None
                                         else False}))
    la = pd.DataFrame(la_rows).merge(las_pub[["la_code", "published_rate"]], on="la_code", how="left")
    cards = scorecard_rates(SCORECARDS)
    la["scorecard_rate"] = la["la_code"].map(cards)
    print(f"{len(la)} LAs simulated in {time.perf_counter() - t0:.1f} s (slowest {la['seconds'].max():.1f} s, "
          f"{la.loc[la['seconds'].idxmax(), 'la_name']})")
    for label, col in (("published, next entry year", "published_rate"), ("scorecards, entry 2023", "scorecard_rate")):
        both = la.dropna(subset=[col])
        print(f"first-preference offer rate vs {label}: {len(both)} LAs, r = {pearson(both['model_rate'], both[col]):.3f}, "
              f"MAD = {100 * (both['model_rate'] - both[col]).abs().mean():.2f} pp, mean model "
              f"{100 * both['model_rate'].mean():.1f}% vs {100 * both[col].mean():.1f}%")
        for group, part in both.groupby(both["selective"].map({True: "with a selective school", False: "no selective school"})):
            print(f"    {group:20s} {len(part):4d} LAs r = {pearson(part['model_rate'], part[col]):.3f} "
                  f"MAD = {100 * (part['model_rate'] - part[col]).abs().mean():.2f} pp")
        for group, part in both.groupby("preferences"):
            print(f"    {int(group)} preferences      {len(part):4d} LAs r = {pearson(part['model_rate'], part[col]):.3f} "
                  f"MAD = {100 * (part['model_rate'] - part[col]).abs().mean():.2f} pp")
    sch = pd.concat(school_rows).merge(schools_pub, on="urn", how="inner")
    sch = sch[sch["places_offered"] > 0]
    sch["published_over"] = sch["times_first"] / sch["places_offered"]
    print(f"oversubscription (first preferences / places) per school vs entry {check_year}: {len(sch)} schools, "
          f"r = {pearson(sch['model_over'], sch['published_over']):.3f}")
    for label, mask in (("selective", sch["selective"]), ("non-selective", ~sch["selective"]),
                        ("single-sex", sch["single_sex"]), ("mixed", ~sch["single_sex"])):
        part = sch[mask]
        print(f"    {label:14s} {len(part):5d} schools r = {pearson(part['model_over'], part['published_over']):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--fit-year", type=int, help="entry year to fit on [default: the year before the latest]")
    parser.add_argument("--la", action="append", default=[], help="only these LAs (by name)")
    args = parser.parse_args()
    fit_year = args.fit_year
    if fit_year is None:
        with Warehouse(args.db, read_only=True) as wh:
            fit_year = int(wh.df("SELECT max(year) AS y FROM school_admissions WHERE phase = 'Secondary'")["y"].iloc[0]) - 1
    run(args.db, fit_year, args.la)


if __name__ == "__main__":
    main()
