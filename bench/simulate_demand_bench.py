"""The simulator's demand against what happened: synthetic cohorts built from one entry year's applications
(times put 1st, 2nd, 3rd and at any rank), places offered and preferences allowed, checked on that year's
offers, which the cohorts never see, and on later years.

    .venv/bin/python bench/simulate_demand_bench.py --db output/england.duckdb [--fit-year 2021] [--la Kent ...]
                                                    [--csv per_la.csv]

The warehouse needs the national files (README, 'Auditing real data') and `repaudit load admissions` of the
school-level applications and offers file. For every LA: one synthetic cohort (seed 0) from FIT_YEAR's
applications, allocated under the baseline policy (one lottery). Printed, per LA, the share offered their
first preference against the published share:
  * school-level file, FIT_YEAR: first-preference offers over first preferences of the LA's schools, against
    the model's children who put one of the LA's schools first (same schools, same year, offers not used);
  * LA-level file, FIT_YEAR (when it has that year): the LA's resident applicants, against the whole cohort,
    and against the children whose synthetic home is in the LA, summed over every LA's market (each child in
    the market of the school it put first, so each first preference counts once);
  * scorecards, entry 2023 (2022/23 scorecard): residents again, a later year, against the same two;
  * school-level file, the year after FIT_YEAR: a forecast;
and, for scale, the published figures against each other (one year against the next; schools against residents),
each with Pearson r, mean absolute difference and the same by subgroup (LAs with and without selective
schools, preferences allowed, region). Where the synthetic children live: a market's cohort is everyone who put
one of its schools first (a border school's count times the LA's share), wherever they really live; by default
every home is drawn in the market's own LSOAs, and with --homes where each school's first preferences come from,
across LA boundaries (repaudit/simulate/homes.py, the fitted parameters or the two given); the printed count of
children living outside their market's LA says how far the two differ. Beside it, the cohort and the children
living in each LA against the LA-level file's resident applicants, the share of those children offered a school
of an LA other than their home's (model and published), and the residents' rate by how far the cohort is from
the resident applicants. Per
school: oversubscription (first preferences over places) of the cohort against the published ratio of the
year after, by kind of school. Where the gap comes from, per LA over the schools both have (FIT_YEAR): the cohort's first preferences against the times put first (demand),
the places against places offered (places: min(first preferences, places) summed, model against published
places), and the rest (allocation: first preferences the admission rules turn away though there are places
for them, model against published); and at schools with more first preferences than places the share of
places going to children who did not put the school first, model against published, by kind of school, and at
schools with no more first preferences than places the first preferences turned away (London and elsewhere);
offers to children who did not list the school (directed; published: places offered less preferred offers) and
to children who ranked it lower, model against published. The
schools' own-criteria shares are the fitted ones (repaudit/simulate/own_criteria_fit.json, fitted on another
entry year by bench/fit_own_criteria.py). Wall times per LA, the slowest, and the load average (the machine
is shared).
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
from repaudit.simulate import own_criteria  # noqa: E402
from repaudit.simulate.game import solve  # noqa: E402
from repaudit.simulate.homes import HomeModel  # noqa: E402
from repaudit.simulate.inputs import market_game  # noqa: E402
from repaudit.simulate.national import all_las, la_market, national_frames  # noqa: E402
from repaudit.simulate.policies import load_policy  # noqa: E402
from repaudit.warehouse import Warehouse  # noqa: E402

ADMISSIONS = ROOT.parent / "shared" / "data" / "real" / "admissions"
SCORECARDS = ADMISSIONS / "la_school_places_scorecards_2022_23_to_2024_25.csv.gz"
LA_LEVEL = ADMISSIONS / "appsandoffers_2021_la_level_clarelgibson.csv.gz"


def school_level(wh, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per school and per LA (la_code of the school), the published figures of entry YEAR."""
    schools = wh.df("""SELECT urn, la_code, places_offered, times_first, first_pref_offers, preferred_offers
                       FROM school_admissions
                       WHERE phase = 'Secondary' AND year = ? ORDER BY urn""", [year])
    las = schools.groupby("la_code", as_index=False)[["first_pref_offers", "times_first"]].sum()
    las["rate"] = las["first_pref_offers"] / las["times_first"]
    return schools, las.set_index("la_code")["rate"]


def la_level(path: Path, year: int) -> tuple[pd.Series, pd.Series]:
    """Secondary first-preference offer rate of each LA's residents (old code) for entry YEAR, and every LA's
    region (its latest row)."""
    rows = la_level_rows(path)
    if rows.empty:
        return pd.Series(dtype=float), pd.Series(dtype=str)
    region = rows.sort_values("time_period").drop_duplicates("old_la_code", keep="last").set_index("old_la_code")
    now = rows[rows["time_period"] == f"{year}{(year + 1) % 100:02d}"].set_index("old_la_code")
    return pd.to_numeric(now["first_preference_offers_percent"], errors="coerce").dropna() / 100, region["region_name"]


def la_level_rows(path: Path, year: int | None = None) -> pd.DataFrame:
    """The LA-level file's secondary rows per LA (all years, or entry YEAR indexed by old code); empty without it."""
    if not path.is_file():
        return pd.DataFrame(columns=["time_period", "old_la_code"])
    table = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    rows = table[(table["geographic_level"] == "Local authority") & (table["school_phase"] == "Secondary")]
    return rows if year is None else rows[rows["time_period"] == f"{year}{(year + 1) % 100:02d}"].set_index("old_la_code")


def home_counts(apps, preference_rank, school, school_la, la_of_lsoa: pd.Series, market: str) -> pd.DataFrame:
    """Per home LA (LA_OF_LSOA maps each child's home LSOA to its LA) of one market's children who put one of the
    market's own schools first (a border school's first preferences are counted in its own LA's market, so each
    first preference counts once over all markets): children, offered their first preference, offered a school
    of an LA other than their home's (SCHOOL -1 = none; SCHOOL_LA the LA code of each school), and how many live
    outside the market's LA (MARKET, its code)."""
    school_la = np.asarray(school_la, object)
    listing = np.diff(apps.offsets) > 0
    first = apps.prefs[apps.offsets[:-1][listing]]
    own_first = school_la[first] == market
    got = np.asarray(school)[listing]
    home = la_of_lsoa.reindex(np.asarray(apps.lsoa, object)[listing]).fillna("unknown").to_numpy(object)
    offered_la = np.where(got >= 0, school_la[np.maximum(got, 0)], home)
    rows = pd.DataFrame({"home_la": home, "children": 1, "first": np.asarray(preference_rank)[listing] == 1,
                         "offered_elsewhere": offered_la != home, "away": home != market})[own_first]
    return rows.groupby("home_la", as_index=False)[["children", "first", "offered_elsewhere", "away"]].sum()


def by_home(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Every market's home_counts summed per home LA, with the share offered their first preference
    (model_homes) and the share offered a school of another LA (model_elsewhere)."""
    cols = ["children", "first", "offered_elsewhere", "away"]
    total = pd.concat(parts).groupby("home_la")[cols].sum() if parts else pd.DataFrame(columns=cols)
    total["model_homes"] = total["first"] / total["children"]
    total["model_elsewhere"] = total["offered_elsewhere"] / total["children"]
    return total


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


def fit_line(label: str, part: pd.DataFrame, model: str, col: str) -> str:
    return (f"{label:28s} {len(part):4d} LAs  r = {pearson(part[model], part[col]):6.3f}  "
            f"MAD = {100 * (part[model] - part[col]).abs().mean():5.2f} pp  "
            f"mean {100 * part[model].mean():5.1f}% vs {100 * part[col].mean():5.1f}%")


def simulate_las(frames, only: list[str], own_share: float | None = None,
                 homes: HomeModel | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One cohort and one baseline allocation per LA (homes across the boundary by HOMES, else in the LA):
    per LA the first-preference rates, per school the synthetic oversubscription."""
    base = load_policy("baseline")
    la_rows, school_rows, home_parts = [], [], []
    la_of_lsoa = frames.lsoas.set_index("lsoa")["lad_code"].map(frames.las.set_index("lad_code")["la_code"])
    for code, name in all_las(frames):
        if only and name not in only:
            continue
        t = time.perf_counter()
        try:
            market = la_market(frames, code, homes=homes)
            prefs = market.preferences or base.preferences
            game = market_game(market, 0, prefs, own_share=own_share)
            alloc = solve(game, replace(base, preferences=prefs), seed=0)
        except RepauditError as exc:
            print(f"  {name}: left out ({exc})")
            continue
        apps = game.applicants
        listing = np.diff(apps.offsets) > 0
        first = apps.prefs[apps.offsets[:-1][listing]]
        got_first = alloc.preference_rank[listing] == 1
        own = market.schools["in_la"].to_numpy()
        mine = own[first]
        listed = np.bincount(first, minlength=game.schools.n)
        la_rows.append({"la_code": code, "la_name": name, "cohort": apps.n,
                        "model_residents": float((alloc.preference_rank == 1).mean()),
                        "model_own_schools": float(got_first[mine].mean()) if mine.any() else np.nan,
                        "selective": bool(game.schools.selective[own].any()), "preferences": prefs,
                        "seconds": time.perf_counter() - t})
        home_parts.append(home_counts(apps, alloc.preference_rank, alloc.school, market.schools["la_code"],
                                      la_of_lsoa, code))
        got = np.bincount(alloc.school[alloc.preference_rank == 1], minlength=game.schools.n)
        directed = np.bincount(alloc.school[(alloc.preference_rank == 0) & (alloc.school >= 0)],
                               minlength=game.schools.n)
        later = np.bincount(alloc.school[alloc.preference_rank > 1], minlength=game.schools.n)
        school_rows.append(pd.DataFrame({"urn": game.schools.urn[own], "model_over": (listed / game.schools.pan)[own],
                                         "la_code": code, "model_first": listed[own], "model_places": game.schools.pan[own],
                                         "model_first_offers": got[own], "model_directed": directed[own],
                                         "model_later_offers": later[own],
                                         "kind": own_criteria.kind_of(market.schools)[own],
                                         "selective": game.schools.selective[own],
                                         "single_sex": (game.schools.sex[own] != "mixed") if game.schools.sex is not None
                                         else False}))
    home = by_home(home_parts)
    la = pd.DataFrame(la_rows)
    for col in ("children", "model_homes", "model_elsewhere", "away"):
        la[col] = la["la_code"].map(home[col])
    return la, pd.concat(school_rows)


def where_they_live(la: pd.DataFrame, published: pd.DataFrame, schools: pd.DataFrame) -> None:
    """Where the synthetic children live, against the LA-level file: how many, and how many are offered a school
    of another LA (see the docstring)."""
    print(f"where the synthetic children live: {la['cohort'].sum():,.0f} children in {len(la)} markets "
          f"({schools['times_first'].sum():,.0f} first preferences published for all schools); "
          f"{la['away'].sum():,.0f} of them live outside their market's LA; the rate over children living in the "
          f"LA differs from the market's by at most {100 * (la['model_homes'] - la['model_residents']).abs().max():.2f} pp")
    if published.empty:
        return
    both = la.assign(applicants=la["la_code"].map(pd.to_numeric(published["applications_received"], errors="coerce")),
                     elsewhere=la["la_code"].map(pd.to_numeric(published["schools_in_another_la_offer_percent"],
                                                               errors="coerce") / 100)).dropna(
        subset=["applicants", "elsewhere", "model_elsewhere"])
    for label, col in (("market's cohort", "cohort"), ("children living in the LA (own-school first preferences, "
                                                       "every market)", "children")):
        ratio = both[col] / both["applicants"]
        print(f"  {len(both)} LAs: {label} / resident applicants (LA-level file) median {ratio.median():.2f}, "
              f"10% {ratio.quantile(0.1):.2f}, 90% {ratio.quantile(0.9):.2f}, mean absolute difference "
              f"{100 * (ratio - 1).abs().mean():.1f}%; in all {both[col].sum():,.0f} against "
              f"{both['applicants'].sum():,.0f}")
    print(f"  offered a school of another LA: model {100 * both['model_elsewhere'].mean():.1f}%, published "
          f"{100 * both['elsewhere'].mean():.1f}% of residents (mean over LAs; r = "
          f"{pearson(both['model_elsewhere'], both['elsewhere']):.3f}); more than 10% of residents: "
          f"{int((both['model_elsewhere'] > 0.1).sum())} LAs in the model, {int((both['elsewhere'] > 0.1).sum())} published")
    both = both.dropna(subset=["la_level"])
    ratio = both["cohort"] / both["applicants"]
    print("  first-preference offer rate vs LA-level file, by synthetic children over resident applicants:")
    for label, part in (("within 10%", both[(ratio - 1).abs() <= 0.1]), ("more than 10% more", both[ratio > 1.1]),
                        ("more than 10% fewer", both[ratio < 0.9])):
        if len(part):
            print("    " + fit_line(label, part, "model_homes", "la_level"))


def decompose(sch: pd.DataFrame, published: pd.DataFrame, la: pd.DataFrame) -> None:
    """Where the first-preference gap comes from, per LA over the schools both have (see the docstring)."""
    both = sch.merge(published.drop(columns="la_code"), on="urn", how="inner")
    both = both[both["times_first"] > 0]
    both["bound_real"] = np.minimum(both["times_first"], both["places_offered"])
    both["bound_model"] = np.minimum(both["model_first"], both["model_places"])
    both["bound_mixed"] = np.minimum(both["model_first"], both["places_offered"])
    g = both.groupby("la_code")[["times_first", "model_first", "first_pref_offers", "model_first_offers",
                                 "bound_real", "bound_model", "bound_mixed"]].sum()
    parts = pd.DataFrame({
        "model": g["model_first_offers"] / g["model_first"], "real": g["first_pref_offers"] / g["times_first"],
        "demand": g["bound_mixed"] / g["model_first"] - g["bound_real"] / g["times_first"],
        "places": (g["bound_model"] - g["bound_mixed"]) / g["model_first"],
        "turned_away_model": (g["bound_model"] - g["model_first_offers"]) / g["model_first"],
        "turned_away_real": (g["bound_real"] - g["first_pref_offers"]) / g["times_first"]})
    parts["allocation"] = parts["turned_away_real"] - parts["turned_away_model"]
    parts = parts.join(la.set_index("la_code")[["preferences", "selective", "region"]])
    print(f"first-preference offer rate over the {len(both):,} schools in both (the gap model - published, per LA, "
          "= demand + places + allocation):")
    print("  " + fit_line("same schools", parts, "model", "real"))

    def line(label, part):
        mean = 100 * part[["demand", "places", "allocation"]].mean()
        return (f"{label:28s} {len(part):4d} LAs  gap {100 * (part['model'] - part['real']).mean():+5.2f} pp = "
                f"demand {mean['demand']:+5.2f} + places {mean['places']:+5.2f} + allocation {mean['allocation']:+5.2f}"
                f"  (turned away: model {100 * part['turned_away_model'].mean():4.1f}%, published "
                f"{100 * part['turned_away_real'].mean():4.1f}%)")
    print("  " + line("all", parts))
    groups = [(f"{'with' if k else 'no'} selective school", p) for k, p in parts.groupby("selective")]
    groups += [(f"{int(k)} preferences", p) for k, p in parts.groupby("preferences")]
    groups += [(str(k), p) for k, p in parts.groupby("region")]
    for name, part in groups:
        print("    " + line(name, part))
    full = both[(both["times_first"] > both["places_offered"]) & (both["places_offered"] > 0)]
    print(f"  share of places going to children who did not put the school first, at the {len(full):,} schools with "
          "more first preferences than places offered (model / published):")
    for kind, part in [("all", full)] + list(full.groupby("kind")):
        model = 1 - part["model_first_offers"].sum() / part["model_places"].sum()
        real = 1 - part["first_pref_offers"].sum() / part["places_offered"].sum()
        print(f"    {kind:16s} {len(part):5d} schools  {100 * model:5.1f}% / {100 * real:5.1f}%")
    london = both["la_code"].map(la.set_index("la_code")["region"]).fillna("").str.contains("London")

    def all_london_elsewhere(part: pd.DataFrame) -> tuple:
        inside = london[part.index]
        return ("all", part), ("London", part[inside]), ("elsewhere", part[~inside])
    print("  offers to children who did not list the school (directed) and to children who ranked it 2nd or lower, "
          "model / published:")
    for label, part in all_london_elsewhere(both):
        print(f"    {label:16s} {len(part):5d} schools  directed {part['model_directed'].sum():7,.0f} / "
              f"{(part['places_offered'] - part['preferred_offers']).sum():7,.0f}  ranked lower "
              f"{part['model_later_offers'].sum():7,.0f} / "
              f"{(part['preferred_offers'] - part['first_pref_offers']).sum():7,.0f}")
    room = both[(both["times_first"] <= both["places_offered"]) & (both["places_offered"] > 0)]
    print(f"  first preferences turned away at the {len(room):,} schools with no more first preferences than places "
          "offered (model / published; only children ranking the school lower can take their places):")
    for label, part in all_london_elsewhere(room):
        print(f"    {label:16s} {len(part):5d} schools  {(part['bound_model'] - part['model_first_offers']).sum():7,.0f}"
              f" / {(part['bound_real'] - part['first_pref_offers']).sum():7,.0f} of "
              f"{part['times_first'].sum():9,.0f} first preferences")


def run(db: Path, fit_year: int, only: list[str], csv: Path | None, own_share: float | None = None,
        homes: HomeModel | None = None) -> None:
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores, shared machine)")
    t0 = time.perf_counter()
    with Warehouse(db, read_only=True) as wh:
        frames = national_frames(wh, demand_year=fit_year)
        same_schools, same = school_level(wh, fit_year)
        next_schools, following = school_level(wh, fit_year + 1)
    residents, region = la_level(LA_LEVEL, fit_year)
    print(f"cohorts from entry {fit_year} applications, places and preferences; offers not used; "
          f"frames {time.perf_counter() - t0:.1f} s")
    print("schools' own criteria: " + (f"{own_share:g} at every school" if own_share is not None else
                                       f"{own_criteria.fitted()['shares']}, {own_criteria.fitted()['fitted_on']}"))
    for label, a, b in ((f"school-level file, entry {fit_year} vs {fit_year + 1}", same, following),
                        (f"school-level (LA's schools) vs LA-level (residents), entry {fit_year}", same, residents)):
        both = pd.concat([a.rename("a"), b.rename("b")], axis=1).dropna()
        if len(both) > 2:
            print(f"published against published, {label}: {len(both)} LAs, r = {pearson(both['a'], both['b']):.3f}, "
                  f"MAD = {100 * (both['a'] - both['b']).abs().mean():.2f} pp")
    la, sch = simulate_las(frames, only, own_share, homes)
    print("homes: " + (f"where each school's first preferences come from, across LA boundaries ("
                        f"{homes.describe()})" if homes is not None else "in the market's own LA"))
    la["region"] = la["la_code"].map(region).fillna("unknown")
    la["school_level"] = la["la_code"].map(same)
    la["la_level"] = la["la_code"].map(residents)
    la["scorecard"] = la["la_code"].map(scorecard_rates(SCORECARDS))
    la["next_year"] = la["la_code"].map(following)
    slow = la.loc[la["seconds"].idxmax()]
    print(f"{len(la)} LAs simulated in {time.perf_counter() - t0:.1f} s (median {la['seconds'].median():.2f} s per "
          f"LA, slowest {slow['seconds']:.1f} s, {slow['la_name']})")
    for label, model, col in ((f"school-level file, entry {fit_year} (LA's schools)", "model_own_schools", "school_level"),
                              (f"LA-level file, entry {fit_year} (residents)", "model_residents", "la_level"),
                              (f"LA-level file, entry {fit_year} (children living in the LA, every market)",
                               "model_homes", "la_level"),
                              ("scorecards, entry 2023 (residents)", "model_residents", "scorecard"),
                              ("scorecards, entry 2023 (children living in the LA, every market)", "model_homes",
                               "scorecard"),
                              (f"school-level file, entry {fit_year + 1} (forecast)", "model_own_schools", "next_year")):
        both = la.dropna(subset=[model, col])
        if both.empty:
            print(f"first-preference offer rate vs {label}: no published figures")
            continue
        print(f"first-preference offer rate vs {label}:")
        print("  " + fit_line("all", both, model, col))
        groups = [(f"{'with' if k else 'no'} selective school", p) for k, p in both.groupby("selective")]
        groups += [(f"{int(k)} preferences", p) for k, p in both.groupby("preferences")]
        groups += [(str(k), p) for k, p in both.groupby("region")]
        for name, part in groups:
            print("    " + fit_line(name, part, model, col))
    where_they_live(la, la_level_rows(LA_LEVEL, fit_year), same_schools)
    if csv:
        la.to_csv(csv, index=False)
    decompose(sch, same_schools, la)
    sch = sch.merge(next_schools.drop(columns="la_code"), on="urn", how="inner")
    sch = sch[sch["places_offered"] > 0]
    sch["published_over"] = sch["times_first"] / sch["places_offered"]
    print(f"oversubscription (first preferences / places) per school vs entry {fit_year + 1}: {len(sch)} schools, "
          f"r = {pearson(sch['model_over'], sch['published_over']):.3f}")
    for label, mask in (("selective", sch["selective"]), ("non-selective", ~sch["selective"]),
                        ("single-sex", sch["single_sex"]), ("mixed", ~sch["single_sex"])):
        part = sch[mask]
        print(f"    {label:14s} {len(part):5d} schools r = {pearson(part['model_over'], part['published_over']):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--fit-year", type=int, help="entry year of the applications [default: 2021, the latest "
                                                     "year of the LA-level file, or the latest loaded]")
    parser.add_argument("--la", action="append", default=[], help="only these LAs (by name)")
    parser.add_argument("--csv", type=Path, help="write the per-LA figures here")
    parser.add_argument("--homes", nargs="*", type=float, metavar="PER_KM SAME_LA",
                        help="draw homes where each school's first preferences come from, across LA boundaries, at "
                             "the fitted distance decay and own-LA preference (repaudit/simulate/homes.py) or at the "
                             "two given [default: in the market's own LA]")
    parser.add_argument("--no-outside", action="store_true",
                        help="with --homes: leave out each school's fitted term for homes outside its LA")
    parser.add_argument("--own-share", type=float, help="one share of listings meeting schools' own criteria at "
                                                         "every school [default: the fitted shares]")
    args = parser.parse_args()
    fit_year = args.fit_year
    if fit_year is None:
        with Warehouse(args.db, read_only=True) as wh:
            latest = int(wh.df("SELECT max(year) AS y FROM school_admissions WHERE phase = 'Secondary'")["y"].iloc[0])
        fit_year = min(latest, 2021)
    run(args.db, fit_year, args.la, args.csv, args.own_share,
        HomeModel(*args.homes, outside=not args.no_outside) if args.homes is not None else None)


if __name__ == "__main__":
    main()
