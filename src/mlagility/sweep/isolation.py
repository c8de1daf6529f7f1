"""Running one script in its own child process (``--process-isolation``).

The child is ``benchit benchmark`` itself with every flag forwarded; it writes its results as
JSON. The child runs in its own session so that a timeout kills its whole process tree; its
output goes to a log file in the cache (never to a pipe, so megabytes of output are harmless).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from mlagility.sweep.targets import Target
from mlagility.api.request import BenchmarkRequest
from mlagility.api.results import InvocationResult
from mlagility.sweep.attempts import AttemptLog

LOGS_DIR = "_logs"


def write_results_file(path: str | os.PathLike, results: list[InvocationResult], errors: dict[str, str]) -> None:
    from mlagility.common.filesystem import write_json

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
        return [InvocationResult.from_dict(r) for r in data["results"]], data.get("script_errors", {})
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        from mlagility.common.exceptions import one_line

        return [], {"*": f"could not read the child's results file ({one_line(error)})"}


def script_log_path(request: BenchmarkRequest, target: Target) -> Path:
    """Where a script's own output and traceback go: ``<cache>/_logs/<script>_<key>.log``."""
    attempts = AttemptLog(request.cache.root)
    return request.cache.root / LOGS_DIR / f"{attempts.path(target.spec, request.attempt_arguments()).stem}.log"


def run_isolated(target: Target, request: BenchmarkRequest) -> tuple[list[InvocationResult], str | None]:
    """Run ``target`` in a child process; returns its results and the script's error (or None)."""
    attempts = AttemptLog(request.cache.root)
    log = script_log_path(request, target)
    log.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mlagility-child-") as tmp:
        results_file = Path(tmp) / "results.json"
        command = [
            sys.executable, "-m", "mlagility.cli.main", "benchmark", target.spec,
            *request.to_cli_args(), "--results-file", str(results_file),
        ]
        outcome = _run_child(command, log, request.timeout)
        results, errors = read_results_file(results_file)
        if not outcome and not results_file.exists():
            attempt = attempts.load(target.spec, request.attempt_arguments())
            recorded = attempt.outcome if attempt and attempt.status == "finished" else ""
            outcome = recorded or "the child process ended without writing results"
    error = errors.get(str(target.path)) or errors.get("*")
    if outcome:
        error = f"{outcome} (log: {log})"
        attempt = attempts.load(target.spec, request.attempt_arguments())
        if attempt is None or attempt.status != "finished":
            attempt = attempt or attempts.start(target.spec, request.attempt_arguments(), str(log))
            attempt.log = str(log)
            attempts.finish(attempt, outcome)
    return results, error


def _run_child(command: list[str], log: Path, timeout: float) -> str | None:
    """Run the child; None if it exited by itself with 0 or 1, else what happened to it."""
    from mlagility.common.system_info import cpu_name

    cpu_name()  # probed once per sweep, handed down to the children
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(log, "w", encoding="utf-8") as output:
        child = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env=env,
        )
        try:
            code = child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(child)
            return f"timeout after {timeout:g}s"
        except BaseException:  # Ctrl-C: the child is in its own session, stop it too
            _kill_tree(child)
            raise
        _kill_tree(child)  # grandchildren the script left behind
    if code == -signal.SIGKILL:
        return "killed (SIGKILL: out of memory?)"
    if code < 0:
        return f"crashed (signal {-code}: {signal.Signals(-code).name})"
    if code not in (0, 1):
        return f"error (exit code {code})"
    return None


def _kill_tree(child: subprocess.Popen) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    child.wait()
