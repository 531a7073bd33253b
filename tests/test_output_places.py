"""Outputs never delete or overwrite a file repaudit did not write: every writer (audit, site, validate, map,
report, simulate, sample, load --rejects) is refused, naming the file at fault, before anything is touched.
Each test plants sentinel files and compares their bytes (SHA-256) before and after, and checks the warehouse."""
from __future__ import annotations

import errno
import hashlib
import os
import pathlib
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from repaudit.cli import cli
LEDGER = ".repaudit.json"          # repaudit.output_guard.LEDGER, spelled out so these tests also run on older code
from warehouse_state import warehouse_state


def tree(folder: Path) -> dict[str, str]:
    """Every entry under FOLDER (hidden ones too, links as links) with its bytes' SHA-256 or what it is."""
    out = {}
    for p in sorted(folder.rglob("*")):
        name = p.relative_to(folder).as_posix()
        if p.is_symlink():
            out[name] = "link -> " + os.readlink(p)
        elif p.is_file():
            out[name] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[name] = "folder"
    return out


def user_folder(folder: Path) -> Path:
    """A folder of the user's own files (a thesis and photos)."""
    (folder / "photos").mkdir(parents=True)
    (folder / "thesis.docx").write_bytes(b"PK\x03\x04 chapter one" * 100)
    (folder / "photos" / "cat.jpg").write_bytes(b"\xff\xd8\xff" + os.urandom(64))
    return folder


@pytest.fixture
def db(sample_db, tmp_path):
    copy = tmp_path / "w.duckdb"
    shutil.copy(sample_db, copy)
    return copy


def error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1 and "Traceback" not in result.output and "unexpected" not in result.output, result.output
    assert result.exit_code == 1, result.output
    return lines[0]


def refused(runner, args, *watched: Path, db: Path | None = None) -> str:
    """Run ARGS, expect one Error line, and check every WATCHED folder or file and the warehouse DB unchanged."""
    before = [tree(w) if w.is_dir() else hashlib.sha256(w.read_bytes()).hexdigest() for w in watched]
    state = warehouse_state(db) if db else None
    result = runner.invoke(cli, [str(a) for a in args])
    line = error_line(result)
    assert [tree(w) if w.is_dir() else hashlib.sha256(w.read_bytes()).hexdigest() for w in watched] == before
    if db:
        assert warehouse_state(db) == state
    return line


@pytest.mark.parametrize("command", [
    ["audit", "--format", "csv,xlsx", "--map", "--report"],
    ["site", "--no-progress"],
    ["validate", "--community", "la,nearby-schools"],
    ["simulate", "--policy", "fsm-quota", "--synthetic", "--la", "990", "--runs", "2"],
    ["sample"],
])
def test_a_folder_of_the_users_files_is_refused(runner, db, tmp_path, command):
    documents = user_folder(tmp_path / "Documents")
    line = refused(runner, [*command, *([] if command == ["sample"] else ["--db", db]), "--out", documents],
                   documents, db=db)
    assert str(documents) in line
    assert ("did not write" in line and "thesis.docx" in line) or "is not a site repaudit wrote" in line, line


def test_site_over_the_folder_of_the_warehouse_is_refused(runner, db, tmp_path):
    output = tmp_path / "output"
    (output / "cache" / "iod").mkdir(parents=True)
    (output / "cache" / "iod" / "iod.csv").write_text("kept")
    shutil.move(db, output / "repaudit.duckdb")
    db = output / "repaudit.duckdb"
    line = refused(runner, ["site", "--db", db, "--out", output, "--no-progress"], output, db=db)
    assert "the warehouse" in line and "repaudit.duckdb" in line


def test_site_out_dot_is_refused_and_a_folder_of_its_own_works(runner, db, tmp_path, monkeypatch):
    work = tmp_path / "work"
    user_folder(work)
    monkeypatch.chdir(work)
    line = refused(runner, ["site", "--db", db, "--out", ".", "--no-progress"], work)
    assert "the current folder" in line and "site" in line
    done = runner.invoke(cli, ["site", "--db", str(db), "--out", "site", "--no-progress"])
    assert done.exit_code == 0, done.output
    assert (work / "site" / "index.html").is_file()


def test_a_site_replaces_only_its_own_earlier_site(runner, db, tmp_path):
    site = tmp_path / "site"
    args = ["site", "--db", str(db), "--out", str(site), "--no-progress"]
    assert runner.invoke(cli, args).exit_code == 0
    first = tree(site)
    assert runner.invoke(cli, args).exit_code == 0
    assert set(tree(site)) == set(first)           # a new site, and nothing else in the folder
    (site / "CNAME").write_text("schools.example.org")
    line = refused(runner, args, site)
    assert "CNAME" in line and "would delete them" in line


def test_site_out_a_link_keeps_the_link_and_replaces_the_folder_it_points_to(runner, db, tmp_path):
    real = tmp_path / "srv" / "www"
    real.mkdir(parents=True)
    link = tmp_path / "public"
    link.symlink_to(real, target_is_directory=True)
    args = ["site", "--db", str(db), "--out", str(link), "--no-progress"]
    for _ in range(2):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert f"note: {link} is a link to {real}: the site was written there and the link kept" in result.output
        assert link.is_symlink() and os.readlink(link) == str(real) and (real / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public", "srv", "w.duckdb"]
    users = user_folder(tmp_path / "home")
    link.unlink()
    link.symlink_to(users, target_is_directory=True)
    line = refused(runner, args, users)
    assert "is not a site repaudit wrote" in line


def test_validate_never_follows_a_link_planted_in_its_folder(runner, db, tmp_path):
    out = tmp_path / "validate"
    args = ["validate", "--community", "la,nearby-schools", "--db", str(db), "--out", str(out)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    victim = tmp_path / "victim.txt"
    victim.write_text("the victim's own words")
    (out / "validation_models.csv").unlink()
    (out / "validation_models.csv").symlink_to(victim)
    line = refused(runner, args, victim, out)
    assert "validation_models.csv is a link" in line


@pytest.mark.parametrize("spoil", ["folder", "read-only", "link", "user-file"])
def test_one_bad_place_in_an_audit_folder_changes_nothing_and_is_named(runner, db, tmp_path, spoil):
    out = tmp_path / "out"
    args = ["audit", "--db", str(db), "--out", str(out), "--format", "csv,xlsx"]
    assert runner.invoke(cli, args).exit_code == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("not to be touched")
    target = out / "trusts.xlsx"
    if spoil == "folder":
        target.unlink()
        target.mkdir()
    elif spoil == "read-only":
        target.chmod(0o444)
    elif spoil == "link":
        target.unlink()
        target.symlink_to(victim)
    else:
        target.write_bytes(b"the user's own workbook")
    line = refused(runner, args, out, victim, db=db)
    says = {"folder": "is a folder", "read-only": "is read-only", "link": "is a link",
            "user-file": "exists and was not written by repaudit"}[spoil]
    assert f"{target} {says}" in line, line


def test_an_output_is_never_the_warehouse_an_input_or_inside_the_cache(runner, db, tmp_path):
    data = tmp_path / "cin.csv"
    data.write_text("urn,year,cin\n990001,2023,5\nx,2023,1\n")
    line = refused(runner, ["load", "cin-schools", data, "--db", db, "--rejects", db], db, db=None)
    assert "--rejects" in line and "the warehouse" in line
    line = refused(runner, ["map", "--db", db, "--out", db], db)
    assert "the warehouse" in line
    line = refused(runner, ["report", "--db", db, "--out", tmp_path / "r.html", "--map", db], db)
    assert "the warehouse" in line
    line = refused(runner, ["load", "cin-schools", data, "--db", db, "--rejects", data], data, db=db)
    assert "cin.csv" in line
    cache = tmp_path / "output" / "cache"
    (cache / "iod").mkdir(parents=True)
    (cache / "iod" / "File_7.csv").write_text("downloaded")
    line = refused(runner, ["map", "--db", db, "--out", cache / "iod" / "map.html"], cache)
    assert "the download cache" in line
    line = refused(runner, ["audit", "--db", db, "--out", cache], cache)
    assert "the download cache" in line


def test_report_and_map_given_the_same_file_is_refused(runner, db, tmp_path):
    target = tmp_path / "r.html"
    line = refused(runner, ["report", "--db", db, "--out", target, "--map", target], tmp_path)
    assert "--out and --map are the same file" in line
    assert not target.exists()


def test_a_legal_250_byte_output_name_is_written(runner, db, tmp_path):
    name = "é" * 60 + "m" * 125 + ".html"           # 120 + 125 + 5 = 250 bytes
    assert len(name.encode()) == 250
    out = tmp_path / "maps"
    result = runner.invoke(cli, ["map", "--db", str(db), "--out", str(out / name)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted([LEDGER, name])


def _full_disk(monkeypatch, method: str):
    """Make every Path.METHOD into a temporary file fail as a full disk would."""
    real = getattr(pathlib.Path, method)

    def full(self, *args, **kwargs):
        if self.name.endswith(".part"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, method, full)


@pytest.mark.parametrize("method,fmt,name", [("write_bytes", "gpkg", "schools.gpkg"),
                                             ("write_text", "csv", "map.html")])
def test_a_full_disk_names_the_file_and_changes_nothing(runner, db, tmp_path, monkeypatch, method, fmt, name):
    out = tmp_path / "out"
    args = ["audit", "--db", str(db), "--out", str(out), "--format", fmt, "--map"]
    assert runner.invoke(cli, args).exit_code == 0
    _full_disk(monkeypatch, method)
    line = refused(runner, args, out, db=db)
    assert line == (f"Error: {out / name}: the disk is full (No space left on device): free some space or choose a "
                    "location on another disk, then run the command again")


def test_latin1_file_names_load_and_a_latin1_warehouse_name_is_refused(runner, db, tmp_path):
    data = Path(os.fsdecode(bytes(tmp_path) + b"/cin_\xe9t\xe9.csv"))
    data.write_text("urn,year,cin\n990001,2023,5\n")
    result = runner.invoke(cli, ["load", "cin-schools", str(data), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "cin_été.csv: 1 rows read = 1 loaded" in result.output
    import duckdb
    with duckdb.connect(str(db), read_only=True) as con:
        assert ("cin_été.csv",) in con.execute("select distinct source_file from load_log").fetchall()
    latin = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9.duckdb"))
    shutil.copy(db, latin)
    line = refused(runner, ["audit", "--db", str(latin), "--out", str(tmp_path / "o")], latin)
    assert "café.duckdb: the name holds bytes that are not UTF-8" in line
    assert not (tmp_path / "o").exists()


WRAPPER = """
import os, sys, time
import repaudit.output_set as output_set
from repaudit.cli import main

real = output_set.sha256

def held(path):
    if ".part" in str(path) or "-tmp" in str(path):
        print("READY", flush=True)    # every file of the set is written, none renamed yet: wait for the signal
        time.sleep(120)
    return real(path)

output_set.sha256 = held
sys.argv = ["repaudit", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("command,sig,code,says", [
    ("audit", signal.SIGTERM, 143, "Terminated."),
    ("site", signal.SIGTERM, 143, "Terminated."),
    ("audit", signal.SIGINT, 130, "Interrupted."),
])
def test_a_signal_while_outputs_are_written_leaves_no_temporary_file(db, tmp_path, command, sig, code, says):
    out = tmp_path / "out"
    args = ["audit", "--db", str(db), "--out", str(out), "--format", "csv,xlsx,gpkg", "--map", "--report"] \
        if command == "audit" else ["site", "--db", str(db), "--out", str(out), "--no-progress"]
    first = subprocess.run([sys.executable, "-m", "repaudit", *args], capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    before = tree(tmp_path)
    process = subprocess.Popen([sys.executable, "-c", WRAPPER, *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "READY"
    temporary = [p for p in tree(tmp_path) if ".part" in p or "-tmp" in p]
    assert temporary                                       # the signal comes while they exist
    process.send_signal(sig)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == code, stderr
    assert stderr.strip().splitlines()[-1] == says and "Traceback" not in stderr
    assert tree(tmp_path) == before                         # no temporary file left, previous output as it was
