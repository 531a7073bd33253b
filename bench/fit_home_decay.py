"""Where applicants live (repaudit/simulate/homes.py): the distance decay and own-LA preference checked on one
entry year's resident applicants per LA, without simulating (a first pass; the benchmark with --fit-year and
--homes then compares the residents' offers).

    .venv/bin/python bench/fit_home_decay.py --db output/england.duckdb [--year 2020] [--per-km 0.3 0.6 1.0]
                                             [--same-la 0 1 2]

For each per_km and same_la: every school's first preferences (school-level file, YEAR) spread over the LSOAs
around it (homes.market_homes, the LA's schools of each market), summed per home LA, against the LA-level
file of YEAR: applications received from the LA's residents (a count of applicants), and the share of them
offered a school of another LA (an offer, the nearest published figure to a first preference across the
boundary). Printed: the mean absolute difference of the counts as a share of the published count, and of the
shares in percentage points. Beside them, homes in the LA of the school put first (no crossing: each LA's count
is the times its own schools were put first). Use the fit year; the later years are held out.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from repaudit.simulate.homes import market_homes  # noqa: E402
from repaudit.simulate.national import all_las, national_frames  # noqa: E402
from repaudit.warehouse import Warehouse  # noqa: E402

LA_LEVEL = ROOT.parent / "shared" / "data" / "real" / "admissions" / "appsandoffers_2021_la_level_clarelgibson.csv.gz"


def applicants(path: Path, year: int) -> pd.DataFrame:
    """Secondary applications received per LA (old code) for entry YEAR, and the share of them offered a school
    of another LA (LA-level file)."""
    table = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    rows = table[(table["geographic_level"] == "Local authority") & (table["school_phase"] == "Secondary")
                 & (table["time_period"] == f"{year}{(year + 1) % 100:02d}")].set_index("old_la_code")
    return pd.DataFrame({"applicants": pd.to_numeric(rows["applications_received"], errors="coerce"),
                         "elsewhere": pd.to_numeric(rows["schools_in_another_la_offer_percent"], errors="coerce")
                         / 100}).dropna()


def residents(frames, per_km: float | None, same_la: float = 0.0) -> pd.DataFrame:
    """Per home LA: first preferences (every LA's schools' times_first spread by homes.py at PER_KM and SAME_LA;
    None: at the LA of the school) and those for a school of another LA."""
    competing = frames.schools[["urn", "la_code", "easting", "northing"]].merge(
        frames.demand[["urn", "times_first"]], on="urn", how="inner")
    if per_km is None:
        firsts = competing.groupby("la_code")["times_first"].sum()
        return pd.DataFrame({"firsts": firsts, "crossing": 0.0})
    la_of = frames.lsoas["lad_code"].map(frames.las.drop_duplicates("lad_code").set_index("lad_code")["la_code"])
    lsoas = frames.lsoas.assign(la_code=la_of.to_numpy())
    total = pd.Series(0.0, index=lsoas["lsoa"].to_numpy())
    elsewhere = total.copy()
    for code, _ in all_las(frames):
        own = competing[competing["la_code"] == code].assign(in_la=True)
        if own.empty:
            continue
        where = market_homes(lsoas, lsoas.loc[la_of == code, "lsoa"], competing, own, per_km, same_la)
        expected = where.set_index("lsoa")["children"]
        total = total.add(expected, fill_value=0.0)
        elsewhere = elsewhere.add(expected[~expected.index.isin(set(lsoas.loc[la_of == code, "lsoa"]))],
                                  fill_value=0.0)
    home = la_of.to_numpy()
    return pd.DataFrame({"firsts": total.groupby(home).sum(), "crossing": elsewhere.groupby(home).sum()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--year", type=int, default=2020)
    parser.add_argument("--per-km", type=float, nargs="+", default=[0.3, 0.6, 1.0])
    parser.add_argument("--same-la", type=float, nargs="+", default=[0.0, 1.0, 2.0])
    args = parser.parse_args()
    with Warehouse(args.db, read_only=True) as wh:
        frames = national_frames(wh, demand_year=args.year)
    published = applicants(LA_LEVEL, args.year)
    print(f"entry {args.year}: {len(published)} LAs in the LA-level file, {published['applicants'].sum():,.0f} "
          f"applicants, {100 * published['elsewhere'].mean():.1f}% offered a school of another LA (mean over LAs)")
    grid = [(None, 0.0)] + [(p, s) for p in args.per_km for s in args.same_la]
    for per_km, same_la in grid:
        model = residents(frames, per_km, same_la)
        both = published.join(model, how="inner")
        count = (both["firsts"] - both["applicants"]).abs() / both["applicants"]
        share, out = both["elsewhere"], both["crossing"] / both["firsts"]
        r = f"{np.corrcoef(out, share)[0, 1]:.3f}" if out.std() > 0 else "-"
        label = "at the school's LA" if per_km is None else f"per_km {per_km:g} same_la {same_la:g}"
        print(f"{label:26s} {len(both)} LAs: residents' first preferences against applicants: mean absolute "
              f"difference {100 * count.mean():5.2f}% (median {100 * count.median():5.2f}%); first preference in "
              f"another LA {100 * out.mean():4.1f}% against {100 * share.mean():4.1f}% offered there (mean absolute "
              f"difference {100 * (out - share).abs().mean():4.2f} pp, r = {r})")


if __name__ == "__main__":
    main()
