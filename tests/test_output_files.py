"""Output files are written all or nothing: a run that fails part-way leaves the previous complete set as
it was; meta.json records the run id and which run wrote each file (sha256, size); the map and report carry
the same run id; files left by another run, or a folder written from another warehouse or model, are named."""
import hashlib
import json
import re

import pandas as pd
import pytest
from openpyxl import load_workbook

import repaudit
from repaudit.cli import cli
from repaudit.errors import RepauditError
from repaudit.output_guard import LEDGER
from repaudit.output_set import OutputSet
from repaudit.warehouse import Warehouse

RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$")


def state(folder):
    """Every file in FOLDER (hidden ones too, but not repaudit's record of what it wrote) with its sha256."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())
            if p.is_file() and p.name != LEDGER}


def audit(runner, db, out, *extra):
    return runner.invoke(cli, ["audit", "--db", str(db), "--out", str(out), "--format", "csv,xlsx", *extra])


def test_meta_lists_every_file_of_the_run_with_its_hash_and_size(runner, sample_db, tmp_path):
    out = tmp_path / "out"
    result = audit(runner, sample_db, out, "--map", "--report")
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    run = meta["run"]["id"]
    assert RUN_ID.match(run)
    assert meta["run"]["warehouse"] == str(sample_db.resolve()) and meta["run"]["community_model"] == "nearby-schools"
    written = {"schools.csv", "schools.xlsx", "trusts.csv", "trusts.xlsx", "areas.csv", "areas.xlsx", "map.html",
               "report.html"}
    assert set(meta["files"]) == written and set(state(out)) == written | {"meta.json"}
    for name, entry in meta["files"].items():
        data = (out / name).read_bytes()
        assert entry == {"run": run, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    for page in ("map.html", "report.html"):
        assert f'<meta name="repaudit-run" content="{run}">' in (out / page).read_text(encoding="utf-8")
    assert meta["output_notes"] == []


def test_a_run_that_fails_part_way_leaves_the_previous_set_untouched(runner, sample_db, tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert audit(runner, sample_db, out, "--community", "la", "--map", "--report").exit_code == 0
    before = state(out)

    def disk_full(*_, **__):
        raise RepauditError("cannot write report.html: No space left on device")

    monkeypatch.setattr("repaudit.report.build.funnel_svg", disk_full)   # the last writer of the run fails
    result = audit(runner, sample_db, out, "--community", "nearby-schools", "--map", "--report")
    assert result.exit_code == 1 and "Error: cannot write report.html" in result.output
    assert state(out) == before                      # same files, same bytes, no temporary file left


def test_a_failed_run_into_a_new_folder_leaves_no_folder(runner, sample_db, tmp_path, monkeypatch):
    monkeypatch.setattr("repaudit.report.build.funnel_svg", lambda *a, **k: 1 / 0)
    out = tmp_path / "new" / "deeper"
    result = audit(runner, sample_db, out, "--report")
    assert result.exit_code != 0
    assert not (tmp_path / "new").exists()


def test_files_of_an_earlier_run_left_in_the_folder_are_named(runner, sample_db, tmp_path):
    out = tmp_path / "out"
    assert audit(runner, sample_db, out, "--map", "--report").exit_code == 0
    first = json.loads((out / "meta.json").read_text())["run"]["id"]
    result = audit(runner, sample_db, out)                 # no map or report this time
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "meta.json").read_text())
    second = meta["run"]["id"]
    assert second != first
    assert {k: v["run"] for k, v in meta["files"].items() if k.endswith(".html")} == {"map.html": first,
                                                                                      "report.html": first}
    assert all(v["run"] == second for k, v in meta["files"].items() if not k.endswith(".html"))
    note = f"map.html, report.html in {out} are from run {first}, not from this run ({second})"
    assert note in result.output and note in meta["output_notes"][0]


def test_a_folder_written_from_another_warehouse_or_model_is_said(runner, sample_db, tmp_path):
    out = tmp_path / "out"
    other = tmp_path / "other.duckdb"
    other.write_bytes(sample_db.read_bytes())
    assert audit(runner, other, out, "--community", "la").exit_code == 0
    first = json.loads((out / "meta.json").read_text())["run"]["id"]
    result = audit(runner, sample_db, out)
    assert result.exit_code == 0, result.output
    assert (f"note: {out} held the files of run {first}, made from a different warehouse {other.resolve()} -> "
            f"{sample_db.resolve()}; community_model la -> nearby-schools") in result.output
    meta = json.loads((out / "meta.json").read_text())
    assert all(v["run"] == meta["run"]["id"] for v in meta["files"].values())


def test_control_characters_never_break_the_xlsx_and_are_counted(sample_db, tmp_path):
    with Warehouse(sample_db, read_only=True) as wh:
        result = repaudit.audit(wh)
    schools = result.schools.copy()
    schools["name"] = schools["name"].astype(object)
    schools.loc[schools["urn"] == 990010, "name"] = "Nul\x00Vt\x0bEsc\x1b Primary"
    result.schools = schools
    paths = repaudit.results.write(result, tmp_path / "o", formats=("csv", "xlsx"))
    assert [p.name for p in paths] == ["schools.csv", "schools.xlsx", "trusts.csv", "trusts.xlsx", "areas.csv",
                                       "areas.xlsx", "meta.json"]
    sheet = load_workbook(tmp_path / "o" / "schools.xlsx").active
    names = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert names[990010] == "NulVtEsc Primary"
    assert pd.read_csv(tmp_path / "o" / "schools.csv").set_index("urn").loc[990010, "name"] == "NulVtEsc Primary"
    notes = json.loads((tmp_path / "o" / "meta.json").read_text())["text_cleaned"]
    assert "schools.xlsx: 1 text cell(s) with control characters (NUL, ESC...) removed" in notes
    assert "schools.csv: 1 text cell(s) with control characters (NUL, ESC...) removed" in notes


def test_output_set_renames_only_when_every_file_is_complete(tmp_path):
    with OutputSet(tmp_path) as files:
        files.write_text("a.txt", "old a")
    with pytest.raises(ZeroDivisionError):
        with OutputSet(tmp_path) as files:
            files.write_text("a.txt", "new a")
            files.write_text("b.txt", "new b")
            1 / 0
    assert state(tmp_path) == {"a.txt": hashlib.sha256(b"old a").hexdigest()}
    with OutputSet(tmp_path) as files:
        files.write_text("a.txt", "new a")
        files.write_text("b.txt", "new b")
    assert (tmp_path / "a.txt").read_text() == "new a" and sorted(state(tmp_path)) == ["a.txt", "b.txt"]


def test_report_and_its_map_carry_one_run_id(runner, sample_db, tmp_path):
    report = tmp_path / "r" / "report.html"
    result = runner.invoke(cli, ["report", "--db", str(sample_db), "--out", str(report)])
    assert result.exit_code == 0, result.output
    ids = {re.search(r'<meta name="repaudit-run" content="([^"]+)">', p.read_text(encoding="utf-8")).group(1)
           for p in (report, tmp_path / "r" / "map.html")}
    assert len(ids) == 1 and RUN_ID.match(ids.pop())
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == [LEDGER, "map.html", "report.html"]


SIMULATE = ["simulate", "--policy", "fsm-quota", "--synthetic", "--la", "990", "--runs", "2"]


def test_a_simulation_that_fails_part_way_leaves_the_previous_set(runner, sample_db, tmp_path, monkeypatch):
    out = tmp_path / "sim"
    first = runner.invoke(cli, SIMULATE + ["--db", str(sample_db), "--out", str(out)])
    assert first.exit_code == 0, first.output
    before = state(out)
    meta = json.loads((out / "meta.json").read_text())
    assert set(meta["files"]) == {"schools.csv", "areas.csv", "summary.csv", "allocation.csv",
                                  "allocation_baseline.csv", "map.html", "changes.csv", "criteria.csv"}
    assert f'content="{meta["run"]["id"]}"' in (out / "map.html").read_text(encoding="utf-8")

    def failing(*_, **__):
        raise RepauditError("cannot write map.html: No space left on device")

    monkeypatch.setattr("repaudit.simulate.outputs.change_map_page", failing)
    result = runner.invoke(cli, SIMULATE + ["--seed", "1", "--db", str(sample_db), "--out", str(out)])
    assert result.exit_code == 1 and "Error: cannot write map.html" in result.output
    assert state(out) == before


def test_a_simulation_into_a_folder_of_another_policy_says_so(runner, sample_db, tmp_path):
    out = tmp_path / "sim"
    assert runner.invoke(cli, SIMULATE + ["--db", str(sample_db), "--out", str(out)]).exit_code == 0
    first = json.loads((out / "meta.json").read_text())["run"]["id"]
    result = runner.invoke(cli, ["simulate", "--policy", "brighton-2025", "--synthetic", "--la", "990", "--runs", "2",
                                 "--db", str(sample_db), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"note: {out} held the files of run {first}, made from a different policy fsm-quota -> brighton-2025" \
        in result.output


def test_output_files_that_no_meta_json_vouches_for_are_named(runner, sample_db, tmp_path):
    out = tmp_path / "out"
    assert audit(runner, sample_db, out).exit_code == 0
    (out / "map.html").write_text("<p>a map from an older version</p>")
    (out / "notes.txt").write_text("the user's own file")
    result = audit(runner, sample_db, out)
    assert result.exit_code == 0, result.output
    run = json.loads((out / "meta.json").read_text())["run"]["id"]
    assert (f"note: map.html in {out} is not from this run ({run}) and no meta.json records the run that wrote "
            "them") in result.output
    assert "notes.txt" not in result.output and (out / "notes.txt").read_text() == "the user's own file"
    refused = audit(runner, sample_db, out, "--map")
    assert refused.exit_code == 1
    assert f"Error: {out / 'map.html'} exists and was not written by repaudit" in refused.output
    assert (out / "map.html").read_text() == "<p>a map from an older version</p>"
