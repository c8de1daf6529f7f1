"""``--workers N``: up to N scripts at once on this machine, each in its own child process exactly
as ``--process-isolation`` runs it. Discovery and builds share the CPUs; every timed benchmark
waits until nothing else runs and holds the machine alone (``machine/locks.py``), so latencies are
measured on a quiet machine whatever N is. Each child knows N (``MLAGILITY_WORKERS``), which is
recorded with each benchmark (``workers`` column of the report) with the load average."""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from mlagility.common.system_info import cpu_name
from mlagility.machine.locks import WORKERS_ENV
from mlagility.sweep.isolation import run_isolated


@contextlib.contextmanager
def workers_env(count: int):
    """``MLAGILITY_WORKERS`` for the children started inside; restored after."""
    before = os.environ.get(WORKERS_ENV)
    os.environ[WORKERS_ENV] = str(count)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(WORKERS_ENV, None)
        else:
            os.environ[WORKERS_ENV] = before


def report_script(reporter, lock, script: str, found, error, results) -> None:
    """Hand one finished script to the reporter and the results (one script at a time)."""
    with lock:
        reporter.script_started(script)
        for result in found:
            reporter.changed(result)
        reporter.script_finished(script, error)
        results.scripts_run.append(script)
        results.extend(found)
        if error:
            results.script_errors[script] = error


def run_on_workers(targets, request, reporter, results, workers: int) -> None:
    cpu_name()  # sets MLAGILITY_CPU_NAME before any thread copies the environment
    lock = threading.Lock()
    stop = threading.Event()

    def one(target):
        if stop.is_set():
            return
        try:
            found, error = run_isolated(target, request, stopping=stop)
        except KeyboardInterrupt:  # stopped with the sweep: not an attempt, nothing to report
            return
        report_script(reporter, lock, str(target.path), found, error, results)

    with workers_env(workers), ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(one, target) for target in targets]
        try:
            for future in futures:
                future.result()
        except KeyboardInterrupt:  # the children run in their own sessions: stop them too
            stop.set()
            for future in futures:
                future.cancel()
            _kill_children()
            raise


def _kill_children() -> None:
    import signal

    import psutil

    for child in psutil.Process().children():
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
