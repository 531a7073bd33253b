"""Whether the simulator's per-LA first-preference error is local and lasting or noise: the per-LA tables of two
entry years written by bench/simulate_demand_bench.py --csv, set side by side.

    .venv/bin/python bench/simulate_demand_bench.py --db output/england.duckdb --fit-year 2020 --csv y2020.csv
    .venv/bin/python bench/simulate_demand_bench.py --db output/england.duckdb --fit-year 2021 --csv y2021.csv
    .venv/bin/python bench/demand_error_persistence.py y2020.csv y2021.csv

For the school-level comparison (the LA's schools) and the residents' one (children living in the LA against the
LA-level file), per region group (Inner and Outer London, elsewhere): the mean absolute error of each year, the
Pearson r of the two years' errors over the LAs, and the mean absolute difference between them. When the errors
persist (r near 1, difference small), what the model misses is something of the LA that stays from year to year
(its admission arrangements, which no open file describes), not the draw of one cohort or one year's demand.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

COMPARISONS = (("school-level file (the LA's schools)", "model_own_schools", "school_level"),
               ("LA-level file (children living in the LA)", "model_homes", "la_level"))


def errors(table: pd.DataFrame, model: str, published: str) -> pd.Series:
    """Model minus published, per LA (index la_code), where both are known."""
    both = table.dropna(subset=[model, published])
    return (both[model] - both[published]).set_axis(both["la_code"].astype(str))


def persistence(first: pd.Series, second: pd.Series) -> dict:
    """Over the LAs in both: each year's mean absolute error, the r of the two errors and the mean absolute
    difference between them (all in the units of the errors)."""
    both = pd.concat([first.rename("a"), second.rename("b")], axis=1, join="inner")
    r = float(np.corrcoef(both["a"], both["b"])[0, 1]) if len(both) > 2 else float("nan")
    return {"las": len(both), "first": float(both["a"].abs().mean()), "second": float(both["b"].abs().mean()),
            "r": r, "difference": float((both["b"] - both["a"]).abs().mean())}


def groups(table: pd.DataFrame) -> pd.Series:
    """Inner London, Outer London or elsewhere, per LA (index la_code)."""
    region = table["region"].fillna("") if "region" in table else pd.Series("", index=table.index)
    return pd.Series(np.where(region.str.contains("London"), region, "elsewhere"),
                     index=table["la_code"].astype(str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("earlier", type=Path)
    parser.add_argument("later", type=Path)
    args = parser.parse_args()
    a, b = pd.read_csv(args.earlier, dtype={"la_code": str}), pd.read_csv(args.later, dtype={"la_code": str})
    group = groups(b)
    for label, model, published in COMPARISONS:
        ea, eb = errors(a, model, published), errors(b, model, published)
        print(f"{label}: per-LA error (model - published), {args.earlier.stem} against {args.later.stem}")
        for name, keep in [("all", group.index)] + [(g, group.index[group == g]) for g in sorted(set(group))]:
            s = persistence(ea.reindex(keep).dropna(), eb.reindex(keep).dropna())
            print(f"  {name:14s} {s['las']:4d} LAs  mean absolute error {100 * s['first']:5.2f} / "
                  f"{100 * s['second']:5.2f} pp  r = {s['r']:6.3f}  mean absolute change {100 * s['difference']:5.2f} pp")


if __name__ == "__main__":
    main()
