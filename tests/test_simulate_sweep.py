"""Sweeps: `--sweep KEY=START:STOP:STEP` parsed strictly, one comparison per value, a table and a chart."""
import csv

import pytest

from repaudit.cli import cli
from repaudit.errors import RepauditError
from repaudit.simulate.sweep import parse_sweep

CAPACITIES = "urn,pan,name,easting,northing,type\n100001,3,Near <b>School</b>,530000,105000,Community school\n" \
             "100002,5,Far School,540000,105000,Community school\n"
# by distance from Near School: f1, n1, n2, f2 (FSM: f1, f2); all list only Near School
APPLICATIONS = "applicant_id,easting,northing,fsm,looked_after,pref1\n" \
               "f1,530100,105000,1,0,100001\nn1,530200,105000,0,0,100001\n" \
               "n2,530300,105000,0,0,100001\nf2,530400,105000,1,0,100001\n"


def test_parse_sweep_includes_stop():
    assert parse_sweep("share=0:0.4:0.1") == ("share", [0.0, 0.1, 0.2, 0.3, 0.4])
    assert parse_sweep(" fsm_response = 0:1:0.3") == ("fsm_response", [0.0, 0.3, 0.6, 0.9])


@pytest.mark.parametrize("text, message", [
    ("share", "--sweep 'share': expected KEY=START:STOP:STEP, e.g. share=0:0.4:0.05"),
    ("share=0:1", "--sweep 'share=0:1': expected KEY=START:STOP:STEP"),
    ("share=a:1:0.1", "(START, STOP and STEP must be numbers)"),
    ("share=0:1:0", "(STEP must be above 0 and STOP at least START)"),
    ("share=1:0:0.1", "(STEP must be above 0 and STOP at least START)"),
    ("share=0:1:0.001", "(1001 values; at most 50)"),
])
def test_bad_sweeps_are_errors(text, message):
    with pytest.raises(RepauditError) as err:
        parse_sweep(text)
    assert message in str(err.value)


def test_a_sweep_of_the_quota_share_gives_the_hand_worked_fsm_shares(runner, tmp_path):
    # fsm-quota at Near School (PAN 3), FSM places floor(share x 3): 0 at 0 and 0.34 x 3 = 1.02 -> 1 place
    # taken by f1, who is among the 3 nearest anyway: {f1, n1, n2}, 1/3 FSM; at 0.68 -> 2 places: f1 and f2,
    # then n1: 2/3 FSM. One child is directed to Far School every time.
    apps, caps = tmp_path / "apps.csv", tmp_path / "pans.csv"
    apps.write_text(APPLICATIONS, encoding="utf-8")
    caps.write_text(CAPACITIES, encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(cli, ["simulate", "--policy", "fsm-quota", "--applications", str(apps), "--capacities",
                                 str(caps), "--db", str(tmp_path / "no.duckdb"), "--runs", "2", "--sweep",
                                 "share=0:0.68:0.34", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with open(out / "sweep.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    near = [(float(r["value"]), round(float(r["policy"]), 4)) for r in rows if r["urn"] == "100001"]
    assert near == [(0.0, 0.3333), (0.34, 0.3333), (0.68, 0.6667)]
    directed = [float(r["policy"]) for r in rows if r["unit"] == "all" and r["metric"] == "directed"]
    assert directed == [1.0, 1.0, 1.0]
    page = (out / "sweep.html").read_text(encoding="utf-8")
    assert "<script" not in page and "Near &lt;b&gt;School&lt;/b&gt;" in page and "<b>School</b>" not in page
    assert "fsm-quota vs baseline: share from 0 to 0.68" in result.output
    assert "wrote sweep.csv, sweep.html in" in result.output


def test_an_unknown_sweep_key_names_the_policy_parameters(runner, tmp_path):
    apps, caps = tmp_path / "apps.csv", tmp_path / "pans.csv"
    apps.write_text(APPLICATIONS, encoding="utf-8")
    caps.write_text(CAPACITIES, encoding="utf-8")
    result = runner.invoke(cli, ["simulate", "--policy", "fsm-quota", "--applications", str(apps), "--capacities",
                                 str(caps), "--db", str(tmp_path / "no.duckdb"), "--sweep", "quota=0:0.2:0.1",
                                 "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: --sweep: 'quota' is neither a parameter of policy 'fsm-quota' (share) "
                                     "nor city_fsm_share nor a choice parameter (per_km, catchment_bonus, fsm_response)")
    assert not (tmp_path / "o").exists()
