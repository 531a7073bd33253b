"""Trends across census years: same-year windows, series that follow the school across academy conversion, the
slope test and its over-dispersion allowance, D by year, definition breaks and the charts (real national files
plus the five census files, and small hand-worked cases)."""
import csv
import gzip
import re
import shutil

import numpy as np
import pandas as pd
import pytest

import repaudit
from repaudit.auditing import indices
from repaudit.auditing.indicators import same_year_windows
from repaudit.cli import cli
from repaudit.load import load_files
from repaudit.trends import breaks, chart, series
from repaudit.warehouse import Warehouse

CENSUS = ["performance_tables_england_census_2017_18.csv.gz", "performance_tables_england_census_KSPDeveloper.csv.gz",
          "performance_tables_england_census_2021_22.csv.gz", "performance_tables_england_census_2022_23.csv.gz",
          "performance_tables_england_census_2023_24.csv.gz"]


@pytest.fixture(scope="module")
def years_db(national_db, real, tmp_path_factory):
    """The national warehouse with the five census files loaded on top (a copy: national_db stays as it is)."""
    db = tmp_path_factory.mktemp("years") / "england.duckdb"
    shutil.copy(national_db, db)
    load_files(db, "census", [real / "spc_sen" / name for name in CENSUS])
    return db


@pytest.fixture(scope="module")
def secondary(years_db, tmp_path_factory):
    """`repaudit trend --phase secondary --report --site` run once: (CLI output, out folder, site folder)."""
    from click.testing import CliRunner

    folder = tmp_path_factory.mktemp("trend")
    out, site = folder / "out", folder / "site"
    res = CliRunner().invoke(cli, ["trend", "--db", str(years_db), "--phase", "secondary", "--out", str(out),
                                   "--report", "--site", str(site)])
    assert res.exit_code == 0, res.output
    return res.output, out, site


def census_rows(real, name):
    with gzip.open(real / "spc_sen" / name, "rt", encoding="utf-8-sig", newline="") as handle:
        return {r["URN"]: r for r in csv.DictReader(handle)}


def test_same_year_windows_end_in_the_latest_year_every_indicator_has(wh):
    wh.con.execute("create temp table audit_school_values (urn integer, year integer, indicator varchar)")
    wh.con.execute("insert into audit_school_values values (1, 2021, 'fsm'), (1, 2022, 'fsm'), (1, 2023, 'fsm'), "
                   "(1, 2021, 'sen_support'), (1, 2022, 'sen_support')")
    windows, notes = same_year_windows(wh.con, ["fsm", "sen_support", "cin"], 3)
    assert windows == {"fsm": [2021, 2022], "sen_support": [2021, 2022], "cin": []}
    assert notes == ["FSM also has 2023/24: not used, so that every indicator ends in 2022/23, the latest year all "
                     "have (audit fsm alone to use it)"]
    windows, _ = same_year_windows(wh.con, ["fsm"], 2)
    assert windows == {"fsm": [2022, 2023]}


def test_indicator_all_on_the_latest_year_has_no_years_differ_note(years_db, runner, tmp_path):
    res = runner.invoke(cli, ["audit", "--db", str(years_db), "--indicator", "all", "--years", "1", "--community",
                              "la", "--phase", "secondary", "--out", str(tmp_path / "o"), "--top", "0"])
    assert res.exit_code == 0, res.output
    assert "years differ" not in res.output
    for label in ("FSM", "SEN support", "EHC plan"):
        assert f"{label}, 2023/24, community: la" in res.output
    with Warehouse(years_db, read_only=True) as wh:                 # the note is back where it applies
        r = repaudit.audit(wh, indicators="fsm,sen_support", community="la", phase="secondary", years=1)
    assert r.meta["years_note"] is None and r.meta["years_by_indicator"] == {"fsm": [2023], "sen_support": [2023]}


def test_slope_and_change_match_a_weighted_least_squares_fit():
    rows = pd.DataFrame({"urn": 1, "indicator": "fsm", "year": [2017, 2018, 2021, 2023], "in_series": True,
                         "gap_pp": [-8.0, -7.0, -4.5, -2.0], "variance_pp2": [4.0, 2.0, 1.0, 3.0],
                         "variance_binomial_pp2": [1.0, 1.0, 0.5, 2.0]})
    got = series.summarise(rows).iloc[0]
    x, y = rows["year"].to_numpy(float), rows["gap_pp"].to_numpy()
    design = np.column_stack([np.ones(4), x])

    def wls(variance):                                                # a second implementation: (X'WX)^-1 X'Wy
        w = 1 / rows[variance].to_numpy()
        cov = np.linalg.inv(design.T @ (w[:, None] * design))
        return cov @ design.T @ (w * y), cov

    beta, cov = wls("variance_pp2")
    assert got.slope_pp_per_year == pytest.approx(beta[1]) and got.slope_se_pp == pytest.approx(np.sqrt(cov[1, 1]))
    plain, plain_cov = wls("variance_binomial_pp2")
    assert got.slope_z_beyond_chance == pytest.approx(plain[1] / np.sqrt(plain_cov[1, 1]))
    assert got.change_pp == 6.0
    assert got.change_95_low_pp == pytest.approx(6.0 - 1.959964 * np.sqrt(7.0), abs=1e-5)
    assert got.trend == ("rising beyond year-to-year noise" if beta[1] / np.sqrt(cov[1, 1]) > 1.96
                         else "no change beyond year-to-year noise")
    assert got.definition_breaks.startswith("FSM 2017/18 is made from") and "2020/21 are missing" in got.definition_breaks


def test_definition_breaks_by_indicator_and_years():
    assert [b.name for b in breaks.crossed("fsm", [2017, 2018, 2021])] == [
        "fsm_2017_percentage", "transitional_protection", "pandemic_gap"]
    assert [b.name for b in breaks.crossed("fsm", [2021, 2022, 2023])] == []
    assert [b.name for b in breaks.crossed("ehcp", [2017, 2023])] == ["pandemic_gap"]
    assert [b.name for b in breaks.crossed("fsm", [2024, 2026])] == ["uc_extension"]


def test_the_per_year_tau_is_the_one_a_one_year_audit_flags_with(secondary, years_db):
    _, out, _ = secondary
    years = pd.read_csv(out / "trend_years.csv")
    with Warehouse(years_db, read_only=True) as wh:
        one = repaudit.audit(wh, indicators="fsm", phase="secondary", years=1)
    tau = one.meta["overdispersion"]["fsm"]["secondary"]["tau"]
    latest = years[(years.year == 2023) & years.in_series]
    scale = one.meta["overdispersion"]["fsm"]["secondary"]["scale"]
    assert scale == "logit"                # tau is in logits: in pp it is tau p (1 - p) at each school's rate
    pc = latest.community_rate
    assert latest.tau_pp.to_numpy() == pytest.approx((100 * tau * pc * (1 - pc)).to_numpy(), rel=1e-9)
    flags = one.schools.set_index("urn").flag
    assert (latest.set_index("urn").flag == flags.reindex(latest.urn)).mean() > 0.99


def test_england_secondary_d_by_year_is_printed_and_equals_the_formula(secondary):
    output, out, _ = secondary
    years = pd.read_csv(out / "trend_years.csv")
    areas = pd.read_csv(out / "trend_areas.csv")
    england = areas[(areas.level == "england") & (areas.indicator == "fsm")].set_index("year")
    assert list(england.index) == [2017, 2018, 2021, 2022, 2023]
    for year, rows in years[years.denominator > 0].groupby("year"):
        d = indices.dissimilarity(rows.numerator.to_numpy(), rows.denominator.to_numpy())
        assert england.loc[year, "D"] == pytest.approx(d)
        r = england.loc[year]
        assert f"  {year + 1}: D {r.D:.3f} ({r.D_random:.3f}; {r.D - r.D_random:+.3f})" in output
    assert "England, secondary FSM: D by January census (random allocation; excess):" in output


def test_a_converted_school_continues_under_its_new_urn(secondary, real):
    _, out, _ = secondary
    years = pd.read_csv(out / "trend_years.csv")
    links = pd.read_csv(out / "trend_links.csv")
    plain = links[(links.link_type == "Predecessor") & links.spliced]
    plain = plain[pd.to_datetime(plain.link_date) > "2019-01-18"]            # converted after the January 2019 census
    assert len(plain) > 100
    raw = {name: census_rows(real, name) for name in CENSUS[:2]}
    checked = 0
    for row in plain.head(20).itertuples():
        mine = years[(years.urn == row.urn) & (years.year <= 2018)].set_index("year")
        for year, name in ((2017, CENSUS[0]), (2018, CENSUS[1])):
            source = raw[name].get(str(row.predecessor_urn))
            if source is None or year not in mine.index or not source.get("NUMFSM", "x").isdigit():
                continue
            assert mine.loc[year, "numerator"] == int(source["NUMFSM"]) and mine.loc[year, "inherited_from"] == \
                row.predecessor_urn
            checked += 1
    assert checked >= 10


def test_conversions_are_counted_and_the_rest_named(secondary):
    output, out, _ = secondary
    meta = pd.read_json(out / "meta.json", typ="series")
    conv = meta["conversions"]
    assert 0 < conv["series_continues"] <= conv["converted_with_series"]
    assert (f"{conv['series_continues']:,} of {conv['converted_with_series']:,} series continue under the successor "
            "URN") in output
    years = pd.read_csv(out / "trend_years.csv")
    for urn in conv["not_continued_urns"]:                            # none of these has a year before conversion
        assert years[(years.urn == urn) & years.in_series & years.inherited_from.notna()].empty


def test_a_merger_of_several_schools_is_not_spliced(secondary):
    _, out, _ = secondary
    schools = pd.read_csv(out / "trend_schools.csv", dtype={"continuity": str})
    years = pd.read_csv(out / "trend_years.csv")
    merged = schools[schools.continuity.fillna("").str.contains("merger of")]
    assert len(merged)
    for row in merged.itertuples():
        summed = years[(years.urn == row.urn) & (years.predecessors > 1)]
        assert len(summed) and not summed.in_series.any()
        used = row.years_in_series if isinstance(row.years_in_series, str) else ""
        assert not set(summed.year.astype(str)) & set(used.split(","))


def test_charts_in_the_report_and_site_state_the_trend(secondary):
    _, out, site = secondary
    report = (out / "trend.html").read_text(encoding="utf-8")
    assert "<script" not in report
    schools = pd.read_csv(out / "trend_schools.csv")
    moved = schools[schools.trend.fillna("").str.startswith(("rising", "falling"))]
    labels = re.findall(r'<svg class="trend" role="img" aria-label="([^"]*)"', report)
    areas = pd.read_csv(out / "trend_areas.csv")
    las = areas[(areas.level == "la") & areas.D.notna()].area_code.nunique()
    assert len(labels) == len(moved) + 1 + las                      # schools that moved, England, every LA with a D
    first = moved.iloc[0]
    assert any(label.startswith(f"{first['name']}, FSM gap: {first.gap_first_pp:+.1f} pp in January 2018") for label in labels)
    index = (site / "index.html").read_text(encoding="utf-8")
    page = re.search(r'<a href="(la/\d+\.html)">([^<]*), secondary FSM</a>', index)
    la_page = (site / page.group(1)).read_text(encoding="utf-8")
    audited = schools[(schools.la_name == page.group(2).replace("&#39;", "'")) & schools.change_pp.notna()]
    assert la_page.count('<svg class="trend"') == len(audited) + 1


def test_trusts_before_and_after_joining_are_the_means_of_the_years(secondary):
    _, out, _ = secondary
    years = pd.read_csv(out / "trend_years.csv")
    schools = pd.read_csv(out / "trend_trust_schools.csv", parse_dates=["joined_date"])
    assert len(schools) > 100
    for row in schools.head(25).itertuples():
        mine = years[(years.urn == row.urn) & years.in_series]
        census = pd.to_datetime((mine.year + 1).astype(str) + "-01-18")
        before, after = mine[census < row.joined_date], mine[census >= row.joined_date]
        assert row.gap_before_pp == pytest.approx(before.gap_pp.mean()) and row.years_before == len(before)
        assert row.gap_after_pp == pytest.approx(after.gap_pp.mean()) and row.years_after == len(after)
    trusts = pd.read_csv(out / "trend_trusts.csv")
    one = trusts[trusts.schools_before_and_after >= 3].iloc[0]
    mine = schools[schools.trust_code.astype(str) == str(one.trust_code)]
    w = 1 / mine.change_se_pp ** 2
    assert one.change_pp == pytest.approx((w * mine.change_pp).sum() / w.sum())
    assert 'id="trusts"' in (out / "trend.html").read_text(encoding="utf-8")


def test_hostile_names_are_text_in_charts():
    alt = chart.school_alt('<script>alert(1)</script>" onload="x', "fsm", {
        "gap_first_pp": -1.0, "gap_last_pp": 2.0, "first_year": 2021, "last_year": 2023, "change_pp": 3.0,
        "change_95_low_pp": -1.0, "change_95_high_pp": 7.0, "trend": "no change beyond year-to-year noise",
        "years_in_series": "2021,2023"})
    svg = chart.school_chart([{"year": 2021, "gap_pp": -1.0, "variance_pp2": 1.0},
                              {"year": 2023, "gap_pp": 2.0, "variance_pp2": 1.0}], alt)
    assert "<script>" not in svg and "&lt;script&gt;" in svg and '" onload' not in svg


def test_trend_on_the_sample_is_reproducible_and_refuses_cin(sample_db, runner, tmp_path):
    import subprocess
    import sys
    outputs = []
    for run in ("a", "b"):                 # two runs as a user makes them: each its own process
        done = subprocess.run([sys.executable, "-m", "repaudit", "trend", "--db", str(sample_db), "--out",
                               str(tmp_path / run), "--report"], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        outputs.append({p.name: p.read_bytes() for p in (tmp_path / run).iterdir()
                        if p.name not in ("meta.json", ".repaudit.json")})      # both hold the run id
    assert outputs[0] == outputs[1] and "trend_schools.csv" in outputs[0]
    res = runner.invoke(cli, ["trend", "--db", str(sample_db), "--indicator", "cin", "--out", str(tmp_path / "c")])
    assert res.exit_code == 1 and res.output.startswith("Error: trends are for published indicators")
