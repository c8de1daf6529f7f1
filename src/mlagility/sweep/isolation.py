"""Running one script in its own child process (``--process-isolation``).

The child is ``benchit benchmark`` itself (the API's entry point, ``python -m mlagility.api.command``)
with every flag forwarded; it writes its results as JSON. The child runs in its own session, and benchit is its subreaper, so that a timeout (or
Ctrl-C, or SIGTERM to benchit) kills its whole process tree, also descendants that called
``setsid()``; its output goes to a log file in the cache (never to a pipe, so megabytes of output
are harmless, and never through a link planted there). A script stopped by Ctrl-C or SIGTERM is
not recorded as attempted: ``--resume`` runs it again.

``--timeout`` counts the script's own time: the child records how long it waits for the machine
lock (``machine/locks.py``: another script's benchmark, or builds and scripts holding the machine
while this one's benchmark waits), and that time is added to its deadline. A hung script is
stopped by its own timeout; the scripts waiting for it are not.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from mlagility.api.request import BenchmarkRequest
from mlagility.api.results import InvocationResult
from mlagility.builds.cache import cache_folder
from mlagility.common import filesystem
from mlagility.common.exceptions import CacheError
from mlagility.common.records import check_value
from mlagility.sweep import processes
from mlagility.sweep.attempts import AttemptLog
from mlagility.sweep.targets import Target
from mlagility.common.exceptions import one_line
from mlagility.common.filesystem import write_json
from mlagility.common.system_info import cpu_name
from mlagility.machine.locks import waited_s, WAITS_ENV

LOGS_DIR = "_logs"


def write_results_file(path: str | os.PathLike, results: list[InvocationResult], errors: dict[str, str]) -> None:
    write_json(path, {"results": [r.to_dict() for r in results], "script_errors": errors})


def read_results_file(path: Path) -> tuple[list[InvocationResult], dict[str, str]]:
    """The child's results; a missing file gives none (the caller reports why), an unreadable one
    gives an error for the script, so that its results are never lost silently."""
    try:
        text = path.read_text()
    except OSError:
        return [], {}
    try:
        data = json.loads(text)
        check_value(data, dict, "the results file")
        check_value(data.get("results"), list[dict], "'results'")
        check_value(data.get("script_errors", {}), dict[str, str], "'script_errors'")
        return [InvocationResult.from_dict(r) for r in data["results"]], data.get("script_errors", {})
    except (ValueError, KeyError, TypeError, AttributeError) as error:  # InvalidRecord included
        return [], {"*": f"could not read the child's results file ({one_line(error)})"}


def script_log_path(request: BenchmarkRequest, target: Target) -> Path:
    """Where a script's own output and traceback go: ``<cache>/_logs/<script>_<key>.log``."""
    attempts = AttemptLog(request.cache.root)
    return request.cache.root / LOGS_DIR / f"{attempts.path(target.spec, request.attempt_arguments()).stem}.log"


def run_isolated(target: Target, request: BenchmarkRequest, stopping=None) -> tuple[list[InvocationResult], str | None]:
    """Run ``target`` in a child process; returns its results and the script's error (or None).

    Ctrl-C or SIGTERM: the child is stopped in order (it writes what its models finished) and
    ``KeyboardInterrupt`` is raised with those results as its ``results`` attribute; the script is
    not recorded as attempted. ``stopping`` (a ``threading.Event``, ``--workers``): set when the
    sweep is being stopped from another thread; a child that ends then ends the same way."""
    attempts = AttemptLog(request.cache.root)
    arguments = request.attempt_arguments()
    try:
        log = script_log_path(request, target)
        cache_folder(request.cache.root, LOGS_DIR)  # a cache (marker first), no linked folder
    except CacheError as error:  # e.g. a read-only cache: this script cannot run; the sweep goes on
        return [], str(error)
    with tempfile.TemporaryDirectory(prefix="mlagility-child-") as tmp:
        results_file = Path(tmp) / "results.json"
        command = [
            sys.executable, "-m", "mlagility.api.command", target.argument,
            *request.to_cli_args(), "--results-file", str(results_file),
        ]
        try:
            outcome = _run_child(command, log, request.timeout, Path(tmp) / "lock_waits.json")
            if stopping is not None and stopping.is_set():  # killed by the sweep's stop, not the script's end
                raise KeyboardInterrupt
        except KeyboardInterrupt as interrupt:  # Ctrl-C or SIGTERM: not an attempt; --resume runs it again
            attempts.forget(target.spec, arguments)
            interrupt.results = read_results_file(results_file)[0]  # what the child finished
            raise
        except CacheError as error:  # its log cannot be written: the cache is full or read-only
            return [], str(error)
        results, errors = read_results_file(results_file)
        if not outcome and not results_file.exists():
            attempt = attempts.load(target.spec, arguments)
            recorded = attempt.outcome if attempt and attempt.status == "finished" else ""
            outcome = recorded or _cache_write_problem(request.cache.root) or "the child process ended without writing results"
    error = errors.get(str(target.path)) or errors.get("*")
    if outcome:
        error = f"{outcome} (log: {log})"
        attempt = attempts.load(target.spec, arguments)
        if attempt is None or attempt.status != "finished":
            attempt = attempt or attempts.start(target.spec, arguments, str(log))
            if attempt is not None:  # None: the cache cannot be written (the error says so)
                attempt.log = str(log)
                attempts.finish(attempt, outcome)
    return results, error


# how long a child stopped with SIGTERM may take to write what it finished before it is killed
# (a bound, not a timing: a child inside a long export may not get there)
STOP_GRACE_S = 15


def _stop_in_order(child: subprocess.Popen) -> None:
    """SIGTERM the child benchit (its orderly stop: its script's tree killed, its results file
    written, exit 143) and give it ``STOP_GRACE_S`` to end."""
    import contextlib

    with contextlib.suppress(OSError):
        child.send_signal(signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired, KeyboardInterrupt):
        child.wait(timeout=STOP_GRACE_S)


def _wait_own_time(child: subprocess.Popen, timeout: float, waits: Path) -> tuple[int, float]:
    """Wait for the child's exit; ``TimeoutExpired`` (with ``waited_s``) once it has run
    ``timeout`` seconds not counting its lock waits."""
    import time


    started = time.monotonic()
    while True:
        waited = waited_s(waits)
        remaining = timeout - (time.monotonic() - started - waited)
        if remaining <= 0:
            expired = subprocess.TimeoutExpired(child.args, timeout)
            expired.waited_s = waited
            raise expired
        try:
            return child.wait(timeout=remaining), waited
        except subprocess.TimeoutExpired:
            continue  # the deadline moves by what it waited meanwhile


def _cache_write_problem(root: Path) -> str | None:
    """Why the cache cannot be written (a child that died writing its log), or None."""
    try:
        filesystem.check_writable(root)
    except CacheError as error:
        return str(error)
    return None


def _run_child(command: list[str], log: Path, timeout: float, waits: Path) -> str | None:
    """Run the child; None if it exited by itself with 0 or 1, else what happened to it. Its
    ``timeout`` counts its own time, not the time it waited for the machine (``waits``)."""
    cpu_name()  # probed once per sweep, handed down to the children
    env = {**os.environ, "PYTHONUNBUFFERED": "1", WAITS_ENV: str(waits)}
    processes.become_subreaper()  # descendants that leave the child's session come back to us
    ours_before = processes.own_children()
    with filesystem.open_for_writing(log, "w") as output:
        with processes.spawned(command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True, env=env) as child:
            try:
                code, waited = _wait_own_time(child, timeout, waits)
            except subprocess.TimeoutExpired as expired:
                processes.kill_tree(child, ours_before)
                waited = getattr(expired, "waited_s", 0.0)
                note = f" of its own time ({waited:.0f}s waiting for other scripts not counted)" if waited >= 1 else ""
                return f"timeout after {timeout:g}s{note}"
            except BaseException:  # Ctrl-C, SIGTERM: the child is in its own session, stop it too,
                _stop_in_order(child)  # first as benchit stops (it writes what finished)
                processes.kill_tree(child, ours_before)
                raise
            processes.kill_tree(child, ours_before)  # descendants the script left behind
    if code == -signal.SIGKILL:
        return "killed (SIGKILL: out of memory?)"
    if code < 0:
        return f"crashed (signal {-code}: {signal.Signals(-code).name})"
    if code not in (0, 1):
        return f"error (exit code {code})"
    return None

