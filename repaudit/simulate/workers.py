"""Independent tasks (the cohorts of a simulation, the LAs of `--la all`) shared between this process and
worker processes, results in task order.

A task's result depends only on its inputs and its own seed, never on which process ran it or when, so the
outputs are byte-identical whatever the number of jobs. Every process, this one included, takes the next
task from one shared counter, so none idles while another has several left; this process takes the first
task itself, so a user's error shows before any worker has started. Workers start as fresh interpreters
(spawn), never as forks of this one, which may hold DuckDB's and BLAS's threads in any state; SHARED (an LA's
market, the national frames) is sent to each worker once. A worker costs about a second of CPU to start.
"""
from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import threading
import traceback

from ..errors import RepauditError

MAX_JOBS = 8      # beyond this the tasks of one run (20 cohorts, 151 LAs) gain little from more processes


def cpus() -> int:
    """CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def default_jobs(tasks: int) -> int:
    """Processes worth using for TASKS: one per CPU, no more than the tasks, at most MAX_JOBS."""
    return max(1, min(cpus(), tasks, MAX_JOBS))


def check_jobs(jobs: int | None) -> None:
    """--jobs is a whole number from 1 to MAX_JOBS, or an error saying so."""
    if jobs is not None and not 1 <= jobs <= MAX_JOBS:
        raise RepauditError(f"--jobs {jobs} is outside 1 to {MAX_JOBS}: give the number of processes to use "
                            f"(this machine has {cpus()} CPU(s); the default uses them all)")


def run_tasks(fn, tasks, shared=None, jobs: int | None = None, step=None, done=None) -> list:
    """[FN(SHARED, task, STEP) for task in TASKS], with JOBS processes in all (default `default_jobs`). FN must be a
    module-level function; STEP(n), for progress within a task, is given only to tasks run in this process
    (None in a worker). DONE(i, result, worker), when given, is called in this process as each task finishes.
    A RepauditError in a worker is raised here with its message."""
    tasks = list(tasks)
    jobs = default_jobs(len(tasks)) if jobs is None else min(jobs, max(len(tasks), 1))
    results, mine = [None] * len(tasks), 0

    def local(i):
        results[i] = fn(shared, tasks[i], step)
        if done is not None:
            done(i, results[i], False)

    if jobs <= 1:
        for i in range(len(tasks)):
            local(i)
        return results
    ctx = multiprocessing.get_context("spawn")
    taken = ctx.Value("q", 1)                 # the next task to take: task 0 is this process's
    out = ctx.Queue()
    workers = [ctx.Process(target=_work, args=(fn, tasks, shared, taken, out), daemon=True) for _ in range(jobs - 1)]
    starting = threading.Thread(target=lambda: [w.start() for w in workers], daemon=True)
    try:
        starting.start()                      # a fresh interpreter takes a second or so: meanwhile, task 0 here
        i = 0
        while i is not None:
            local(i)
            mine += 1
            i = _take(taken, len(tasks))
        for _ in range(len(tasks) - mine):
            i, failure, value = _result(out, workers)
            if failure is not None:
                raise RepauditError(failure) if value == "repaudit" else RuntimeError(
                    f"a worker process failed:\n{failure}")
            results[i] = value
            if done is not None:
                done(i, value, True)
    finally:
        _stop(taken, len(tasks), workers, starting)
    return results


def _stop(taken, n: int, workers: list, starting) -> None:
    """No worker starts another task; then the workers are ended: every result has arrived (or an error is on
    its way up), so one still starting or finishing has nothing left to give."""
    with taken.get_lock():
        taken.value = n
    starting.join()
    for w in workers:
        if w.pid is not None:
            w.join(timeout=0.5)
            if w.is_alive():
                w.terminate()
                w.join()


def _take(taken, n: int) -> int | None:
    """The next task nobody has taken, or None when all are taken."""
    with taken.get_lock():
        i = taken.value
        if i >= n:
            return None
        taken.value = i + 1
        return i


def _result(out, workers, poll: float = 1.0) -> tuple:
    """The next (task, failure, value) a worker sends; an error if every worker has stopped without sending it."""
    while True:
        try:
            return out.get(timeout=poll)
        except queue.Empty:
            if not any(w.is_alive() for w in workers):
                codes = ", ".join(str(w.exitcode) for w in workers)
                raise RuntimeError(f"worker processes stopped before finishing their tasks (exit codes {codes}; "
                                   "out of memory?)") from None


def _work(fn, tasks, shared, taken, out) -> None:
    """A worker: takes tasks until none is left, sending (task, failure, value) for each (see `_call`). Ctrl-C
    is left to the main process, which ends the workers: quietly, whatever handlers importing the command
    line set."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    while (i := _take(taken, len(tasks))) is not None:
        out.put((i, *_call(fn, shared, tasks[i])))
    out.close()
    out.join_thread()


def _call(fn, shared, task) -> tuple:
    """FN(SHARED, TASK, None) in a worker: (None, result), or (message, 'repaudit') for a user's error and
    (traceback, 'bug') otherwise (exceptions with their own constructors do not always survive pickling)."""
    try:
        return None, fn(shared, task, None)
    except RepauditError as exc:
        return str(exc), "repaudit"
    except Exception:                                     # noqa: BLE001 -- reported in the main process
        return traceback.format_exc(), "bug"
