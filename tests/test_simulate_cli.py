"""`repaudit simulate`: outputs from CSV inputs, the exact error lines, help with examples, the real scenario."""
import csv

from repaudit.cli import cli

CAPACITIES = "urn,pan,name,easting,northing,type\n100001,3,Near School,530000,105000,Community school\n" \
             "100002,5,Far School,540000,105000,Community school\n"
# all four children live near School 100001 and list only it: by distance f1, n1, n2, f2 (FSM: f1, f2)
APPLICATIONS = "applicant_id,easting,northing,fsm,looked_after,pref1\n" \
               "f1,530100,105000,1,0,100001\nn1,530200,105000,0,0,100001\n" \
               "n2,530300,105000,0,0,100001\nf2,530400,105000,1,0,100001\n"


def inputs(tmp_path, applications=APPLICATIONS):
    apps, caps = tmp_path / "apps.csv", tmp_path / "pans.csv"
    apps.write_text(applications, encoding="utf-8")
    caps.write_text(CAPACITIES, encoding="utf-8")
    return apps, caps


def run(runner, tmp_path, *extra, applications=APPLICATIONS):
    apps, caps = inputs(tmp_path, applications)
    return runner.invoke(cli, ["simulate", "--applications", str(apps), "--capacities", str(caps),
                               "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "out"), *extra])


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_fsm_quota_with_reserved_places_last_writes_the_hand_worked_allocation(runner, tmp_path):
    # fsm-quota with share 0.34: floor(0.34 x 3) = 1 FSM place at Near School. Reserved place last:
    # the 2 open places go by distance to f1 and n1, the FSM place to f2; n2 is directed to Far School.
    result = run(runner, tmp_path, "--policy", "fsm-quota", "--set", "share=0.34", "--reserve-order", "last",
                 "--runs", "3")
    assert result.exit_code == 0, result.output
    allocation = read(tmp_path / "out" / "allocation.csv")
    assert [(r["applicant_id"], r["urn"], r["preference_rank"], r["directed"]) for r in allocation] == [
        ("f1", "100001", "1", "0"), ("n1", "100001", "1", "0"), ("n2", "100002", "", "1"), ("f2", "100001", "1", "0")]
    assert list(allocation[0])[:4] == ["applicant_id", "urn", "preference_rank", "directed"]
    baseline = read(tmp_path / "out" / "allocation_baseline.csv")
    assert [r["urn"] for r in baseline] == ["100001", "100001", "100001", "100002"]
    schools = {(r["urn"], r["metric"]): r for r in read(tmp_path / "out" / "schools.csv")}
    assert float(schools[("100001", "fsm_share")]["change_mean"]) == 1 / 3
    summary = {r["metric"]: r for r in read(tmp_path / "out" / "summary.csv")}
    assert float(summary["movers"]["policy_mean"]) == 2
    for name in ("areas.csv", "meta.json", "map.html"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    assert "fsm-quota vs baseline: 4 applicants, 2 schools, 3 lottery run(s)" in result.output
    assert "Near School" in result.output and "wrote schools.csv" in result.output


def test_unknown_urn_is_one_error_line(runner, tmp_path):
    result = run(runner, tmp_path, "--policy", "brighton-2025",
                 applications=APPLICATIONS.replace("n1,530200,105000,0,0,100001", "n1,530200,105000,0,0,999999"))
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: {tmp_path / 'apps.csv'}, row 3, column 'pref1': unknown URN 999999: not one of the 2 schools with "
        "capacities; add it to --capacities or load it into the warehouse")


def test_unknown_policy_and_missing_sources_are_errors(runner, tmp_path):
    result = run(runner, tmp_path, "--policy", "walk-zone")
    assert result.exit_code == 1 and result.output.startswith("Error: no policy 'walk-zone': not a file, and not one")
    result = runner.invoke(cli, ["simulate", "--policy", "baseline", "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "give exactly one source of applicants: --applications CSV, --synthetic --la NAME, or --brighton DIR" \
        in result.output
    result = runner.invoke(cli, ["simulate", "--policy", "baseline", "--synthetic"])
    assert result.exit_code == 2 and "--synthetic needs --la NAME" in result.output
    result = run(runner, tmp_path, "--policy", "fsm-quota", "--set", "share")
    assert result.exit_code == 2 and "'share' is not KEY=VALUE" in result.output


def test_help_explains_reserve_order_and_shows_examples(runner):
    result = runner.invoke(cli, ["simulate", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "repaudit simulate --policy brighton-2025 --brighton ../shared/data/real --runs 200" in text
    assert "last open places first, with the bands' places held back" in text
    assert "baseline, brighton-2023-draft, brighton-2024, brighton-2025, brighton-2026, fsm-quota" in text


def test_brighton_scenario_from_the_command_line(runner, real, tmp_path):
    result = runner.invoke(cli, ["simulate", "--policy", "brighton-2025", "--brighton", str(real), "--runs", "5",
                                 "--cohorts", "1", "--out", str(tmp_path / "bh")])
    assert result.exit_code == 0, result.output
    assert "brighton-2025 vs brighton-2024: 2303 applicants, 10 schools, 5 lottery run(s), seed 0, city FSM share 28.0%" in result.output
    assert "Varndean School" in result.output
    allocation = read(tmp_path / "bh" / "allocation.csv")
    assert len(allocation) == 2303 and {r["route"] for r in allocation} <= {"offer", "directed", "ehcp"}


def test_map_shows_every_school_and_escapes_names(runner, tmp_path):
    apps, caps = inputs(tmp_path)
    caps.write_text(CAPACITIES.replace("Far School", "Far <b>School</b> & Co"), encoding="utf-8")
    result = runner.invoke(cli, ["simulate", "--policy", "fsm-quota", "--applications", str(apps), "--capacities",
                                 str(caps), "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "m"),
                                 "--runs", "2"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "m" / "map.html").read_text(encoding="utf-8")
    assert "Near School" in page and "fsm-quota vs baseline: change in FSM share (1 cohort, 2 lottery runs)" in page
    assert "<b>School</b>" not in page and "Far \\u003cb\\u003eSchool\\u003c/b\\u003e \\u0026 Co" in page  # as JSON
