"""The one child process for every ``in_child`` runtime: load, time, write the ``Measurement``.

Usage: ``python -m mlagility.runtimes.worker REQUEST.json`` (a worker started for one request),
or ``python -m mlagility.runtimes.worker --serve MODULE:QualName`` (started ahead by
``harness.start_workers``: imports the runtime, prints ``harness.WORKER_READY``, then reads one
request path on stdin; end of file means it is not needed). Both are written by ``harness``.
The request names the runtime class as ``module:QualName`` (plugins included), the ONNX file
and inputs, the settings, the runtime's options and the benchmark log; the worker runs
``harness.run_in_process`` and writes the result JSON. Its stdout and stderr are the benchmark
log. Imports no torch unless the runtime does.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from mlagility.common.exceptions import BenchmarkError
from mlagility.common.filesystem import open_for_writing, write_json
from mlagility.runtimes import harness
from mlagility.runtimes.base import LoadTarget


def main(request_path: str) -> int:
    request = json.loads(Path(request_path).read_text(encoding="utf-8"))
    runtime_class = harness.import_runtime(request["runtime"])
    runtime = runtime_class()
    options = runtime_class.options_class(**request["options"])
    target = LoadTarget(
        model_path=Path(request["model_path"]) if request["model_path"] else None,
        inputs_path=Path(request["inputs_path"]) if request["inputs_path"] else None,
    )
    settings = harness.BenchmarkSettings(**request["settings"])
    try:
        job = harness.Job(runtime, target, settings, options, Path(request["build_dir"]), request["artifact"],
                          request.get("scenario", "inference"))
        measurement = harness.run_in_process(job)
    except BenchmarkError as error:
        print(error.reason, file=sys.stderr, flush=True)
        return 1
    write_json(request["result"], measurement.to_dict())
    return 0


def serve(runtime_spec: str) -> int:
    """Import everything the runtime needs, say so, then run the one request sent on stdin with
    stdout and stderr moved to its log (what was printed while importing goes there first)."""
    import importlib
    import tempfile

    # Ctrl-C on a terminal reaches the whole process group: benchit stops its workers itself
    # (idle ones see the end of their stdin, a busy one is killed)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ready_pipe = os.dup(1)
    startup = tempfile.TemporaryFile()  # what the imports print, for the log
    os.dup2(startup.fileno(), 1)
    os.dup2(startup.fileno(), 2)
    try:
        runtime_class = harness.import_runtime(runtime_spec)
        for module in runtime_class.imports:
            importlib.import_module(module)
    except Exception:  # the benchmark then starts a new worker, whose log says what failed
        return 1
    os.write(ready_pipe, f"{harness.WORKER_READY}\n".encode())
    os.close(ready_pipe)
    request_path = _read_request_path()
    if not request_path:
        return 0  # benchit did not need it
    request = json.loads(Path(request_path).read_text(encoding="utf-8"))
    log = open_for_writing(request["log"])
    sys.stdout.flush()
    sys.stderr.flush()
    startup.seek(0)
    log.write(startup.read().decode("utf-8", errors="replace"))
    log.flush()
    os.dup2(log.fileno(), 1)
    os.dup2(log.fileno(), 2)
    return main(request_path)


def _read_request_path() -> str:
    """One line from stdin, read unbuffered ('' at end of file: benchit ended or did not need it)."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(0, 4096)
        if not chunk:
            break
        data += chunk
    return data.decode().strip()


def _exit(code: int) -> None:
    """End without the interpreter's teardown: the result and the log are written (atomically,
    and flushed here); nothing else of the worker's needs finalizing, and the runtime's memory,
    threads and device contexts are the operating system's to free. The parent waits for this."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit(serve(sys.argv[2]) if sys.argv[1] == "--serve" else main(sys.argv[1]))
