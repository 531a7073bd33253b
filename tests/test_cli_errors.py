"""Failures of the machine rather than of the input, through the CLI: a warehouse locked by another program,
a read-only warehouse, Ctrl-C during a DuckDB query, while parsing options or while the command starts. Each
is one plain sentence (Ctrl-C: 'Interrupted.', exit 130) and leaves the warehouse as it was; a real bug is
still reported as one."""
import subprocess
import sys
import textwrap

import click
import duckdb
import pytest

from load_support import db_path, error_line, run_load, write_csv
from repaudit.cli import cli
from repaudit.warehouse import Warehouse
from warehouse_state import warehouse_state


@pytest.fixture
def loaded(tmp_path, runner):
    """A warehouse holding one file, a second file to load, and the warehouse's state."""
    first = write_csv(tmp_path / "cin_2021.csv", ["urn", "year", "cin"], [["114580", "2021", "39"]])
    assert run_load(runner, tmp_path, "cin-schools", first).exit_code == 0
    second = write_csv(tmp_path / "cin_2022.csv", ["urn", "year", "cin"], [["114580", "2022", "40"]])
    return second, warehouse_state(db_path(tmp_path))


def test_a_warehouse_locked_by_another_program(tmp_path, runner, loaded):
    second, before = loaded
    db = db_path(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys
        con = duckdb.connect({str(db)!r})
        print("held", flush=True)
        sys.stdin.read()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        assert error_line(run_load(runner, tmp_path, "cin-schools", second)) == (
            f"Error: the warehouse {db} is in use by another program (process {holder.pid}): close it or wait for "
            "it to finish, then run the command again")
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    assert warehouse_state(db) == before


def test_a_read_only_warehouse_file(tmp_path, runner, loaded, monkeypatch):
    """DuckDB's own message for a file without write permission (tests run as root, where chmod is ignored)."""
    second, before = loaded
    db = db_path(tmp_path)
    real_connect = duckdb.connect

    def connect(path, read_only=False, **kwargs):
        if not read_only:
            raise duckdb.IOException(f'IO Error: Cannot open file "{path}": Permission denied')
        return real_connect(path, read_only=read_only, **kwargs)

    monkeypatch.setattr(duckdb, "connect", connect)
    assert error_line(run_load(runner, tmp_path, "cin-schools", second)) == (
        f"Error: the warehouse {db} cannot be opened: permission denied. Make it readable and writable "
        f"(chmod u+rw {db}) or give another --db")
    monkeypatch.undo()
    assert warehouse_state(db) == before


def test_ctrl_c_during_a_duckdb_query(tmp_path, runner, loaded, monkeypatch):
    second, before = loaded
    original = Warehouse._replace

    def interrupted(self, rows, result, now):
        original(self, rows, result, now)                # the rows are in, inside the open transaction
        raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")

    monkeypatch.setattr(Warehouse, "_replace", interrupted)
    result = run_load(runner, tmp_path, "cin-schools", second)
    assert (result.exit_code, result.output) == (130, "Interrupted.\n")
    assert warehouse_state(db_path(tmp_path)) == before


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt(), RuntimeError("Query interrupted")],
                         ids=["python", "duckdb-reading-a-file"])
def test_ctrl_c_while_reading_a_file(tmp_path, runner, loaded, monkeypatch, interrupt):
    """DuckDB's client raises RuntimeError('Query interrupted') when Ctrl-C stops read_csv of a large file."""
    from repaudit import load

    second, before = loaded

    def interrupted(source, path, **options):
        raise interrupt

    monkeypatch.setattr(load, "read_file", interrupted)
    result = run_load(runner, tmp_path, "cin-schools", second)
    assert (result.exit_code, result.output) == (130, "Interrupted.\n")
    assert warehouse_state(db_path(tmp_path)) == before


def test_ctrl_c_that_a_library_turns_into_an_error_of_its_own(tmp_path, runner, loaded, monkeypatch):
    """A real SIGINT while DuckDB converts a data frame: DuckDB swallows the KeyboardInterrupt and raises
    InvalidInputException instead; the command still ends as interrupted, with nothing stored."""
    import os
    import signal

    second, before = loaded
    handler = signal.getsignal(signal.SIGINT)     # the default, or SIG_IGN when the tests run in the background

    def converting(self, rows, result, now):
        try:
            os.kill(os.getpid(), signal.SIGINT)
        except KeyboardInterrupt:
            pass
        raise duckdb.InvalidInputException("Invalid Input Error: The dataframe could not be converted to a "
                                           "pyarrow.lib.Table, because a Python exception occurred.")

    monkeypatch.setattr(Warehouse, "_replace", converting)
    result = run_load(runner, tmp_path, "cin-schools", second)
    assert (result.exit_code, result.output) == (130, "Interrupted.\n")
    assert warehouse_state(db_path(tmp_path)) == before
    assert signal.getsignal(signal.SIGINT) is handler               # the command put back the handler it found


def test_ctrl_c_while_the_options_are_parsed(runner, monkeypatch):
    def interrupted(self, ctx, args):
        raise KeyboardInterrupt

    monkeypatch.setattr(click.Group, "parse_args", interrupted)
    result = runner.invoke(cli, ["load", "--help"])
    assert (result.exit_code, result.output) == (130, "Interrupted.\n")


def test_ctrl_c_while_the_command_starts():
    """Ctrl-C while the libraries load (here: as pandas is imported) ends quietly, not with a traceback."""
    child = textwrap.dedent("""
        import sys

        class CtrlC:
            def find_spec(self, name, path=None, target=None):
                if name == "pandas":
                    raise KeyboardInterrupt

        sys.meta_path.insert(0, CtrlC())
        sys.argv = ["repaudit", "--help"]
        from repaudit.cli import main
        main()
        """)
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (130, "", "Interrupted.\n")


def test_a_real_bug_is_still_reported_as_one(tmp_path, runner, loaded, monkeypatch):
    second, _ = loaded

    def broken(self, result, now):
        raise duckdb.BinderException('Binder Error: Referenced column "urn" not found')

    monkeypatch.setattr(Warehouse, "_store_one", broken)
    monkeypatch.delenv("REPAUDIT_DEBUG", raising=False)
    result = run_load(runner, tmp_path, "cin-schools", second)
    assert result.exit_code == 2
    assert result.output.startswith("Error: unexpected failure (BinderException: Binder Error: Referenced column "
                                    "\"urn\" not found). This is a bug in repaudit")


@pytest.mark.parametrize("failure,expected", [
    (PermissionError(13, "Permission denied", "{out}/schools.csv"),
     "Error: {out}/schools.csv: permission denied: change its permissions, or choose another path"),
    (OSError(28, "No space left on device", "{out}/schools.csv"),
     "Error: {out}/schools.csv: the disk is full (No space left on device): free some space or choose a location on "
     "another disk, then run the command again"),
    (OSError(28, "No space left on device"),
     "Error: {out}/schools.csv: the disk is full (No space left on device): free some space or choose a location on "
     "another disk, then run the command again"),
])
def test_an_output_that_cannot_be_written_is_one_sentence(sample_db, tmp_path, runner, monkeypatch, failure, expected):
    """Any command's writer failing for a reason of the machine: the CLI says which file and what to do (exit 1)."""
    import pandas as pd

    out = str(tmp_path / "out")
    if failure.filename:
        failure.filename = failure.filename.format(out=out)

    def fail(self, *args, **kwargs):
        raise failure

    monkeypatch.setattr(pd.DataFrame, "to_csv", fail)
    result = runner.invoke(cli, ["audit", "--db", str(sample_db), "--out", out, "--top", "1"])
    assert error_line(result) == expected.format(out=out)


@pytest.mark.parametrize("failure,expected", [
    (OSError(30, "Read-only file system", "/mnt/cd/w.duckdb"),
     "/mnt/cd/w.duckdb: this is on a read-only file system: choose a location you can write to"),
    (OSError(21, "Is a directory", "out/schools.csv"), "out/schools.csv: this is a folder: give the name of a file"),
    (OSError(36, "File name too long", "x" * 300), "x" * 300 + ": the name is too long: choose a shorter path"),
    (OSError(5, "Input/output error", "/media/usb/w.duckdb"),
     "/media/usb/w.duckdb: Input/output error: check the path, or choose another location"),
    (duckdb.IOException('IO Error: Cannot open file "/mnt/ro/w.duckdb": Read-only file system'),
     "the warehouse /mnt/ro/w.duckdb is on a read-only file system: copy it somewhere writable or give another --db"),
    (duckdb.IOException('IO Error: Cannot open database "/x/w.duckdb" in read-only mode: database does not exist'),
     "there is no warehouse at /x/w.duckdb: load data first (`repaudit load-sample` or `repaudit load`), or give "
     "the right --db"),
    (duckdb.IOException('IO Error: Corrupt database file: computed checksum 1 does not match stored checksum 0 in '
                        'block at location 0'),
     "the warehouse is damaged (Corrupt database file: computed checksum 1 does not match stored "
     "checksum 0 in block at location 0): restore it from a copy, or give another --db to start a new one"),
])
def test_machine_failures_in_words(failure, expected):
    from repaudit.errors import explain

    assert str(explain(failure)) == expected


@pytest.mark.parametrize("failure", [OSError(5, "Input/output error"), ValueError("x"),
                                     duckdb.BinderException("Binder Error: no column"),
                                     duckdb.InterruptException("INTERRUPT Error: Interrupted!")])
def test_what_is_not_a_machine_failure_is_left_alone(failure):
    from repaudit.errors import explain

    assert explain(failure) is None
