"""Reproducible runs: the same command, data and --seed give byte-identical output files, in separate
processes with different hash seeds (so neither dict/set order nor DuckDB's parallel scans can leak in) and
with one or two processes sharing the cohorts or LAs (--jobs 1, --jobs 2); another seed gives other files
(the comparison can fail)."""
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(args: list, out: Path, hash_seed: str) -> dict:
    """`repaudit simulate ARGS --out OUT` in a fresh interpreter; the sha256 of every file it wrote."""
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run([sys.executable, "-m", "repaudit", "simulate", *args, "--out", str(out)], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir()) if p.is_file()}


def twice(args: list, tmp_path: Path) -> tuple[dict, dict]:
    """The files of ARGS run in this process alone, then shared with a worker process."""
    return run(args + ["--jobs", "1"], tmp_path / "one", "1"), run(args + ["--jobs", "2"], tmp_path / "two", "2")


def test_brighton_scenario_is_byte_identical_run_after_run(real, tmp_path):
    args = ["--policy", "brighton-2025", "--brighton", str(real), "--runs", "4", "--cohorts", "2", "--seed", "0"]
    one, two = twice(args, tmp_path)
    assert {"allocation.csv", "allocation_baseline.csv", "schools.csv", "meta.json", "map.html"} <= set(one)
    assert one == two
    other = run(args[:-1] + ["1"], tmp_path / "seed1", "1")
    assert other["allocation_baseline.csv"] != one["allocation_baseline.csv"]


@pytest.mark.parametrize("la", ["Brighton and Hove", "Kent"])
def test_synthetic_la_is_byte_identical_run_after_run(national_db, la, tmp_path):
    args = ["--policy", "fsm-quota", "--synthetic", "--la", la, "--db", str(national_db), "--runs", "2",
            "--cohorts", "2", "--seed", "0"]
    one, two = twice(args, tmp_path)
    assert {"allocation.csv", "allocation_baseline.csv", "changes.csv", "meta.json", "map.html"} <= set(one)
    assert one == two


def test_every_la_is_byte_identical_run_after_run(national_db, tmp_path):
    args = ["--policy", "fsm-quota", "--synthetic", "--la", "all", "--db", str(national_db), "--runs", "1",
            "--seed", "0"]
    one, two = twice(args, tmp_path)
    assert "national.csv" in one
    assert one == two


def test_a_cohort_from_applications_and_offers_is_byte_identical_run_after_run(national_admissions_db, tmp_path):
    """With applications and offers loaded the cohort also draws which listings meet schools' own criteria."""
    args = ["--policy", "fsm-quota", "--synthetic", "--la", "York", "--db", str(national_admissions_db), "--runs",
            "2", "--cohorts", "2", "--seed", "0"]
    one, two = twice(args, tmp_path)
    assert one == two
    meta = (tmp_path / "one" / "meta.json").read_text(encoding="utf-8")
    assert "schools' own criteria" in meta and "fitted on entry 2020" in meta
    other = run(args[:-1] + ["1"], tmp_path / "seed1", "1")
    assert other["allocation_baseline.csv"] != one["allocation_baseline.csv"]


def test_cohorts_shared_among_processes_give_the_files_of_one_process(real, tmp_path):
    """FSM families responding to the policy (a policy game apart from the baseline's, in each cohort) and an
    admission-number what-if (every cohort's games come back from the workers): the same files with 1, 2 or 3
    processes (another seed gives other files: the Brighton test above)."""
    args = ["--policy", "brighton-2025", "--brighton", str(real), "--runs", "6", "--cohorts", "3", "--seed", "4",
            "--choice", "fsm_response=0.7", "--pan", "114580=280"]
    one = run(args + ["--jobs", "1"], tmp_path / "one", "1")
    assert {"pan_whatif.csv", "allocation.csv", "changes.csv", "criteria.csv"} <= set(one)
    assert run(args + ["--jobs", "2"], tmp_path / "two", "2") == one
    assert run(args + ["--jobs", "3"], tmp_path / "three", "3") == one


def test_homes_across_la_boundaries_are_byte_identical_run_after_run(national_admissions_db, tmp_path):
    """--homes across: each market's homes come from every LSOA within reach of its schools (homes.py)."""
    args = ["--policy", "fsm-quota", "--synthetic", "--la", "York", "--db", str(national_admissions_db), "--runs",
            "2", "--cohorts", "2", "--seed", "0", "--homes", "across"]
    one, two = twice(args, tmp_path)
    assert one == two
    meta = (tmp_path / "one" / "meta.json").read_text(encoding="utf-8")
    assert "children expected to live outside York" in meta
    inside = run(args[:-1] + ["la"], tmp_path / "inside", "1")
    assert inside["allocation_baseline.csv"] != one["allocation_baseline.csv"]
    assert "expected to live outside" not in (tmp_path / "inside" / "meta.json").read_text(encoding="utf-8")
