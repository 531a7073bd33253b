"""Tasks shared between this process and worker processes (simulate/workers.py): results in task order and
equal to running them here, a worker really runs some, and its errors come back with their message."""
import os
import time
from pathlib import Path

import pytest

from repaudit.errors import InputFileError, RepauditError
from repaudit.simulate.workers import MAX_JOBS, check_jobs, default_jobs, run_tasks


def square_after_worker(folder, i, step=None):
    """Task I: its square and the process that ran it. Task 0 (this process's first) waits until a worker has
    started task 1, so a worker is known to take part."""
    folder = Path(folder)
    if i == 0:
        wait_for(folder / "1")
    else:
        (folder / str(i)).write_text(str(os.getpid()))
    return i * i, os.getpid()


def fail_in_worker(args, i, step=None):
    folder, kind = args
    if i == 1:
        (Path(folder) / "1").write_text("started")
        if kind == "user":
            raise InputFileError("applications.csv", "no column pref1", row=3)
        raise ZeroDivisionError("a bug")
    if i == 0:
        wait_for(Path(folder) / "1")
    return i


def wait_for(path: Path, limit: float = 120.0) -> None:
    start = time.monotonic()
    while not path.exists():
        assert time.monotonic() - start < limit, "no worker process started"
        time.sleep(0.02)


@pytest.mark.parametrize("jobs", [2, 3])
def test_results_come_in_task_order_and_equal_those_of_one_process(tmp_path, jobs):
    folder = tmp_path / "shared"
    folder.mkdir()
    seen = []
    got = run_tasks(square_after_worker, range(7), str(folder), jobs=jobs,
                    done=lambda i, result, worker: seen.append((i, worker)))
    assert [value for value, _ in got] == [i * i for i in range(7)]
    pids = {pid for _, pid in got}
    assert os.getpid() in pids and len(pids) >= 2                 # this process and at least one worker
    assert sorted(i for i, _ in seen) == list(range(7))
    assert {i for i, worker in seen if worker} == {i for i, (_, pid) in enumerate(got) if pid != os.getpid()}


def test_one_job_runs_every_task_here_in_order():
    got = run_tasks(lambda shared, i, step: (shared + i, os.getpid()), range(4), 10, jobs=1)
    assert got == [(10, os.getpid()), (11, os.getpid()), (12, os.getpid()), (13, os.getpid())]


def test_a_users_error_in_a_worker_is_raised_here_with_its_message(tmp_path):
    with pytest.raises(RepauditError, match=r"applications\.csv, row 3: no column pref1"):
        run_tasks(fail_in_worker, range(3), (str(tmp_path), "user"), jobs=2)


def test_a_bug_in_a_worker_is_raised_here_with_its_traceback(tmp_path):
    with pytest.raises(RuntimeError, match=r"(?s)worker process failed.*ZeroDivisionError: a bug"):
        run_tasks(fail_in_worker, range(3), (str(tmp_path), "bug"), jobs=2)


def test_jobs_outside_their_range_are_refused_and_the_default_fits_the_tasks():
    for bad in (0, -1, MAX_JOBS + 1):
        with pytest.raises(RepauditError, match=rf"--jobs {bad} is outside 1 to {MAX_JOBS}"):
            check_jobs(bad)
    check_jobs(None)
    assert default_jobs(1) == 1
    assert 1 <= default_jobs(100) <= MAX_JOBS


def test_the_runs_bar_counts_every_step_whatever_the_number_of_processes(real, monkeypatch):
    """Three steps a lottery run (compare.runs_bar): cohorts run here report as they go, a worker's when its
    result arrives; either way the bar ends full, not past it."""
    from repaudit.simulate import run

    bars = []

    class Bar:
        def __init__(self, runs):
            self.total, self.n = 3 * runs, 0
            bars.append(self)

        def update(self, k=1):
            self.n += k

        def close(self):
            pass

    monkeypatch.setattr(run, "runs_bar", Bar)
    for jobs in (1, 2):
        run.simulate("brighton-2025", brighton_dir=str(real), runs=6, cohorts=3, jobs=jobs)
    assert [(b.n, b.total) for b in bars] == [(18, 18), (18, 18)]
