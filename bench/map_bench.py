"""National-scale map (and report) benchmark: ~21,000 primary and secondary schools with the audit
contract's columns, placed at random over England's extent, written with write_map / write_report.

    .venv/bin/python bench/map_bench.py                     # 21,000 schools, FSM only
    .venv/bin/python bench/map_bench.py --indicators fsm,sen_support --report
    .venv/bin/python bench/map_bench.py --real              # England from ../shared/data/real (GIAS + SPC 2022/23)
    .venv/bin/python bench/map_bench.py --db /tmp/england.duckdb --indicators all            # as `repaudit audit --map`
    .venv/bin/python bench/map_bench.py --db /tmp/england.duckdb --la "Brighton and Hove"

--db audits a warehouse (every real file: bench/real_warehouse.py, then `repaudit load la-boundaries`) with
every public model compared, as `repaudit audit --map` does, and draws its LA outlines. Prints the file sizes
and write times; the targets are <= 15 MB and <= 15 s for the map, <= 6 MB for a national --db map.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from repaudit.auditing.stats import flag, gap_pp, ratio, shortfall, z_score  # noqa: E402
from repaudit.maps import write_map  # noqa: E402
from repaudit.maps.geometry import lonlat  # noqa: E402
from repaudit.report import write_report  # noqa: E402

WORDS = ("St Mary's", "Oak", "Meadow", "Park", "Hill", "Church", "Green", "Valley", "Kings", "Queens", "Riverside",
         "Abbey", "Castle", "Brook", "Field", "Manor", "Grange", "Heath", "Wood", "Bridge")
KINDS = ("Primary School", "Academy", "Church of England Primary School", "Infant School", "Junior School",
         "High School", "School", "Catholic Primary School", "Community College", "Free School")
REGIONS = ("North East", "North West", "Yorkshire and the Humber", "East Midlands", "West Midlands",
           "East of England", "London", "South East", "South West")


def national_schools(n: int, indicators, seed: int = 1) -> pd.DataFrame:
    """N schools (85% primary) over England's grid extent with plausible rolls, rates and trusts."""
    rng = np.random.default_rng(seed)
    urn = 100000 + np.arange(n)
    secondary = rng.random(n) < 0.15
    pupils = np.where(secondary, rng.normal(1000, 300, n), rng.normal(280, 120, n)).clip(20).round()
    easting, northing = rng.uniform(140000, 655000, n), rng.uniform(10000, 655000, n)
    lon, lat = lonlat(easting, northing)
    la_code = rng.integers(201, 353, n)
    trusts = rng.integers(0, 2500, n)
    in_trust = rng.random(n) < 0.45
    names = [f"{WORDS[a]} {WORDS[b]} {KINDS[c]}" for a, b, c in rng.integers(0, [len(WORDS), len(WORDS), len(KINDS)], (n, 3))]
    base = pd.DataFrame({
        "urn": urn, "name": names, "la": la_code.astype(str), "la_name": [f"Local authority {c}" for c in la_code],
        "region": [REGIONS[c % len(REGIONS)] for c in la_code],
        "trust": np.where(in_trust, [f"Learning Trust {t}" for t in trusts], None),
        "trust_code": np.where(in_trust, [f"TR{t:05d}" for t in trusts], None),
        "phase": np.where(secondary, "Secondary", "Primary"),
        "type": np.where(in_trust, "Academy converter", "Community school"),
        "selective": secondary & (rng.random(n) < 0.05), "faith": rng.random(n) < 0.3,
        "pupils": pupils, "years": "2021/22 to 2023/24", "vintage": "spc 2023/24 (benchmark)",
        "easting": easting.round(), "northing": northing.round(), "lat": lat, "lon": lon})
    frames = []
    for k, ind in enumerate(indicators):
        community = rng.beta(4, 14, n)
        school = np.clip(community + rng.normal(0, 0.05, n), 0, 1)
        school = np.round(school * pupils) / pupils
        z = z_score(school, community, pupils)
        frames.append(base.assign(
            indicator=ind, community_model="nearby-schools", school_rate=school, community_rate=community,
            gap_pp=gap_pp(school, community), ratio=ratio(school, community), z=z, flag=flag(z),
            shortfall=shortfall(school, community, pupils), status="audited", exclusion_reason=None))
    return pd.concat(frames, ignore_index=True)


def national_result(n: int, indicators):
    from repaudit.auditing.result import AuditResult

    schools = national_schools(n, indicators)
    meta = {"community_model": "nearby-schools", "params": {"k": 10}, "indicators": list(indicators),
            "years": [2021, 2022, 2023], "phase": None, "filters": {}, "calibration": None,
            "vintages": {"school_census": ["benchmark"]}, "generated_at": "benchmark", "suppressed": False,
            "synthetic": True}
    trusts = pd.DataFrame(columns=["trust_code", "trust_name", "indicator", "community_model", "schools", "pupils",
                                   "observed", "expected", "gap_pp", "shortfall", "z", "n_below", "share_below",
                                   "ranked", "comparison"])
    areas = pd.DataFrame(columns=["level", "area_code", "area_name", "indicator", "phase", "schools", "pupils",
                                  "group_pupils", "share", "D", "GS", "isolation", "D_low", "D_high"])
    lsoas = pd.DataFrame(columns=["lsoa", "indicator", "rate", "child_population"])
    return AuditResult(schools=schools, trusts=trusts, areas=areas, lsoas=lsoas, meta=meta)


def real_result(folder: Path):
    """repaudit.audit of every school in the real GIAS subset and SPC 2022/23 files (FSM, one year)."""
    import repaudit
    from repaudit.load import load_file
    from repaudit.warehouse import Warehouse

    wh = Warehouse(":memory:")
    load_file(wh, "gias", folder / "gias" / "edubasealldata20250524_reheadered_subset.csv.gz")
    load_file(wh, "spc", folder / "spc_sen" / "spc_school_level_underlying_data_2022_23.csv.gz")
    return repaudit.audit(wh, years=1), wh


def timed_map(result, out, wh, target_mb: float = 15):
    """Write the map of RESULT and print its size and time: (path, MB, seconds)."""
    audited = result.schools[result.schools["status"] == "audited"]
    start = time.perf_counter()
    path = write_map(result, out, wh)
    seconds = time.perf_counter() - start
    size = path.stat().st_size / 1e6
    print(f"map: {audited['urn'].nunique():,} schools x {audited['indicator'].nunique()} indicator(s) -> {path} "
          f"{size:.2f} MB in {seconds:.1f} s (targets: <= {target_mb:g} MB, <= 15 s)")
    return path, size, seconds


def warehouse_map(db: str, indicators, la: str | None, out: str) -> int:
    """The map of an audit of the warehouse DB (every public model compared, as `repaudit audit` does)."""
    import repaudit
    from repaudit.warehouse import Warehouse

    with Warehouse(db, read_only=True) as wh:
        start = time.perf_counter()
        result = repaudit.audit(wh, indicators=indicators, la=la, robustness=True)
        print(f"audit: {time.perf_counter() - start:.1f} s")
        target = 15 if la else 6
        _, size, seconds = timed_map(result, out, wh, target)
    return 0 if size <= target and seconds <= 15 else 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=21000)
    parser.add_argument("--indicators", default="fsm")
    parser.add_argument("--out", default=str(ROOT / "output" / "bench_map.html"))
    parser.add_argument("--report", action="store_true", help="also time the report")
    parser.add_argument("--real", action="store_true", help="audit the real files in ../shared/data/real instead")
    parser.add_argument("--db", help="audit this warehouse instead (every public model compared)")
    parser.add_argument("--la", help="with --db: audit this local authority only")
    args = parser.parse_args(argv)
    indicators = [i.strip() for i in args.indicators.split(",") if i.strip()]
    if args.db:
        return warehouse_map(args.db, indicators, args.la, args.out)
    wh = None
    if args.real:
        result, wh = real_result(ROOT.parent / "shared" / "data" / "real")
    else:
        result = national_result(args.schools, indicators)
    path, size, seconds = timed_map(result, args.out, wh)
    if args.report:
        start = time.perf_counter()
        report = write_report(result, Path(args.out).with_name("bench_report.html"), map_path=path)
        print(f"report: {report} {report.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - start:.1f} s")
    return 0 if size <= 15 and seconds <= 15 else 1


if __name__ == "__main__":
    sys.exit(main())
