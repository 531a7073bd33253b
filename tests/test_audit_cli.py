"""`repaudit audit`, `trusts` and `segregation` through Click's CliRunner: files written, numbers equal
to the Python API's, clear errors."""
import json

import pandas as pd
import pytest

import audit_fixture
import repaudit
from repaudit.cli import cli
from repaudit.warehouse import Warehouse


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "w.duckdb"
    with Warehouse(path) as wh:
        audit_fixture.build(wh)
    return path


def test_audit_writes_every_format_with_the_api_numbers(runner, db, tmp_path):
    out = tmp_path / "out"
    # the model's own rates (conserve=false), so that A's z is the hand-worked -2.5
    res = runner.invoke(cli, ["audit", "--db", str(db), "--community", "nearby-schools", "-p", "k=2",
                              "-p", "conserve=false", "--out", str(out), "--format", "csv,xlsx,parquet,geojson"])
    assert res.exit_code == 0, res.output
    for name in ("schools", "trusts", "areas"):
        for ext in ("csv", "xlsx", "parquet"):
            assert (out / f"{name}.{ext}").exists()
    assert (out / "schools.geojson").exists() and not (out / "trusts.geojson").exists()
    with Warehouse(db, read_only=True) as wh:
        api = repaudit.audit(wh, community="nearby-schools", params={"k": 2, "conserve": False}).schools.set_index("urn")
    for frame in (pd.read_csv(out / "schools.csv"), pd.read_parquet(out / "schools.parquet"),
                  pd.concat([sheet for name, sheet in pd.read_excel(out / "schools.xlsx", sheet_name=None).items()
                             if name != "Read me"])):
        assert sorted(frame["urn"]) == sorted(api.index)
        got = frame.set_index("urn").reindex(api.index)              # the workbook is in rank order
        for col in ("school_rate", "community_rate", "gap_pp", "z", "shortfall"):
            pd.testing.assert_series_equal(got[col].astype(float), api[col].astype(float), check_names=False,
                                           check_index=False, rtol=1e-9)
        assert list(got["status"]) == list(api["status"])
    geo = json.loads((out / "schools.geojson").read_text())
    assert len(geo["features"]) == 9                       # every input school, located or not
    nowhere = [f for f in geo["features"] if f["properties"]["urn"] == 6][0]
    assert nowhere["geometry"] is None and nowhere["properties"]["exclusion_reason"] == "no location"
    meta = json.loads((out / "meta.json").read_text())
    assert meta["community_model"] == "nearby-schools" and meta["suppressed"] is True
    # the printed ranking: A (z = -2.5) is the least representative school, ranked 1st
    lines = res.output.splitlines()
    at = lines.index(next(l for l in lines if l.startswith("Least representative")))
    header, first = lines[at + 1], lines[at + 3]
    assert first.split()[:3] == ["1", "1", "A"] and "A Academy" in first and "-2.50" in first
    column = header.index("beyond chance")                 # beyond chance, the plain binomial test
    assert first[column:column + len("beyond chance")].strip() == "below_95"
    assert "3 schools audited, 6 excluded" in res.output


def test_trusts_and_segregation_views(runner, db):
    res = runner.invoke(cli, ["trusts", "--db", str(db), "--community", "la", "-p", "min_trust_schools=2"])
    assert res.exit_code == 0, res.output
    assert "Trust One" in res.output and "-2.5" in res.output       # pupil-weighted gap by hand
    res = runner.invoke(cli, ["segregation", "--db", str(db), "--community", "la"])
    assert res.exit_code == 0, res.output
    assert "Testshire" in res.output and "0.179" in res.output       # D of LA 900 by hand


def test_errors_are_one_line_without_traceback(runner, db, tmp_path):
    res = runner.invoke(cli, ["audit", "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "new")])
    assert res.exit_code == 1 and res.output.startswith("Error: no warehouse at")
    res = runner.invoke(cli, ["audit", "--db", str(db), "--la", "Atlantis", "--out", str(tmp_path)])
    assert res.exit_code == 1 and "no school matches --la 'Atlantis'" in res.output
    res = runner.invoke(cli, ["audit", "--db", str(db), "-p", "k", "--out", str(tmp_path)])
    assert res.exit_code == 1 and "--param takes KEY=VALUE" in res.output
    res = runner.invoke(cli, ["audit", "--db", str(db), "--format", "pdf", "--out", str(tmp_path)])
    assert res.exit_code == 1 and "unknown output format pdf" in res.output
    assert "Traceback" not in res.output


def test_help_has_real_examples(runner):
    from pathlib import Path

    for command in ("audit", "trusts", "segregation", "validate"):
        res = runner.invoke(cli, [command, "--help"])
        assert res.exit_code == 0 and f"repaudit {command}" in res.output and "Examples:" in res.output
        assert "docs/methodology.md" in " ".join(res.output.split()), command     # the file is in the project
    assert (Path(__file__).resolve().parents[1] / "docs" / "methodology.md").is_file()


def test_retired_overdispersion_flag_says_what_replaced_it(runner, db, tmp_path):
    res = runner.invoke(cli, ["audit", "--db", str(db), "--overdispersion", "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert res.stderr.startswith("note: --overdispersion is no longer needed: funnel limits allow for "
                                 "over-dispersion by default (additive random-effects term")
    res = runner.invoke(cli, ["audit", "--db", str(db), "-p", "overdispersion=bogus", "--out", str(tmp_path / "o")])
    assert res.exit_code == 1
    assert res.output == ("Error: parameter overdispersion must be one of additive, multiplicative, none; "
                          "got 'bogus'\n")


def test_summary_states_the_share_flagged_with_phi_and_tau(runner, db, tmp_path):
    res = runner.invoke(cli, ["audit", "--db", str(db), "--community", "la", "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    meta = json.loads((tmp_path / "o" / "meta.json").read_text())
    est = meta["overdispersion"]["fsm"]["secondary"]
    line = next(l for l in res.output.splitlines() if l.startswith("  flagged, secondary:"))
    assert line == (f"  flagged, secondary: {100 * est['share_below_95']:.1f}% below the lower 95% limit (additive "
                    f"random effects on the logit scale: phi {est['phi']:.1f}, tau {est['tau']:.3f}, "
                    f"{est['schools']} schools); "
                    f"{100 * est['share_below_95_beyond_chance']:.1f}% below the plain binomial limit")
    areas = pd.read_csv(tmp_path / "o" / "areas.csv")
    for col in ("D", "D_bc", "D_bc_bootstrap95_low", "D_bc_bootstrap95_high", "D_random",
                "D_school_resample95_low", "D_school_resample95_high", "D_undefined"):
        assert col in areas.columns
    one = areas[areas.schools == 1]
    assert len(one) and (one.D_undefined == "not defined: one school").all() and one.D.isna().all()


def test_validate_compares_models_with_numbers_worked_independently(runner, db, tmp_path):
    import numpy as np

    res = runner.invoke(cli, ["validate", "--db", str(db), "--community", "la,nearby-schools", "-p", "k=2",
                              "--out", str(tmp_path / "v")])
    assert res.exit_code == 0, res.output
    assert "the community models compared" in res.output
    pairs = pd.read_csv(tmp_path / "v" / "validation_pairs.csv").iloc[0]
    with Warehouse(db, read_only=True) as wh:
        la = repaudit.audit(wh, community="la", phase="secondary").audited("fsm").set_index("urn")
        near = repaudit.audit(wh, community="nearby-schools", phase="secondary",
                              params={"k": 2}).audited("fsm").set_index("urn")
    common = la.index.intersection(near.index)
    assert pairs.schools == len(common) == 3
    assert pairs.gap_correlation == pytest.approx(np.corrcoef(la.gap_pp[common], near.gap_pp[common])[0, 1])
    models = pd.read_csv(tmp_path / "v" / "validation_models.csv").set_index("community_model")
    assert models.loc["la", "audited"] == len(la)
    res = runner.invoke(cli, ["validate", "--db", str(db), "--community", "la,nowhere"])
    assert res.exit_code == 1 and res.output.startswith("Error: --community: unknown model(s) nowhere; choose from")


def test_mixed_vintages_are_said_in_one_line_and_every_table_states_its_years(runner, db, tmp_path):
    # FSM is 2022/23 in the fixture; add SEN support for 2018/19 only
    with Warehouse(db) as wh:
        audit_fixture.insert(wh, "school_indicators", [
            {"urn": u, "year": 2018, "indicator": "sen_support", "numerator": k, "denominator": n}
            for u, k, n in ((1, 12, 100), (2, 15, 100), (3, 20, 200))])
    out = tmp_path / "o"
    res = runner.invoke(cli, ["audit", "--db", str(db), "--community", "nearby-schools", "-p", "k=2",
                              "--indicator", "fsm,sen_support", "--out", str(out), "--report", "--map"])
    assert res.exit_code == 0, res.output
    note = "years differ by indicator: SEN support is 2018/19, FSM is 2022/23"
    assert res.output.splitlines()[0] == f"note: {note}"
    assert "FSM, 2022/23, community: nearby-schools" in res.output
    assert "SEN support, 2018/19, community: nearby-schools" in res.output
    assert json.loads((out / "meta.json").read_text())["years_note"] == note
    for name in ("schools", "trusts", "areas"):
        frame = pd.read_csv(out / f"{name}.csv", dtype={"years": str})
        if name == "schools":
            frame = frame[frame.status == "audited"]
        years = frame.groupby("indicator")["years"].agg(set).to_dict()
        assert years == (
            {"fsm": {"2022"}, "sen_support": {"2018"}} if name == "schools"
            else {"fsm": {"2022/23"}, "sen_support": {"2018/19"}}), name
    report = (out / "report.html").read_text(encoding="utf-8")
    assert f'data-field="years_note">{note}<' in report
    assert "FSM: 2022/23; SEN support: 2018/19" in report
    assert note in (out / "map.html").read_text(encoding="utf-8")


def test_methodology_states_every_audit_setting_with_its_default():
    from pathlib import Path

    from repaudit.auditing.settings import GENERAL

    text = (Path(__file__).resolve().parents[1] / "docs" / "methodology.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(" `"): line.split("|")[2].strip() for line in text.splitlines()
            if line.startswith("| `")}
    for key, (default, _) in GENERAL.items():
        assert key in rows, key
        assert rows[key] == str(default).lower() if isinstance(default, bool) else rows[key] == str(default), key
