"""Timing a runtime in a child process: request JSON -> ``python -m worker`` -> result JSON.

Shared by ``ort``, ``openvino`` and the ``nvidia`` runtimes. The worker's stdout and stderr go to
``log_benchmark_<device>_<name>.txt`` in the build directory; it also saves the outputs of one
run to ``outputs_<device>_<name>.npz`` for the correctness check.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from mlagility.common.exceptions import BenchmarkError
from mlagility.runtimes.base import Runtime
from mlagility.runtimes.measurement import Measurement
from mlagility.runtimes.outputs import outputs_path
from mlagility.runtimes.samples import samples_path
from mlagility.runtimes.timing import BenchmarkSettings


def benchmark_in_child(
    runtime: Runtime, build, worker_module: str, request: dict, settings: BenchmarkSettings
) -> Measurement:
    """Run ``python -m worker_module REQUEST.json`` and read back the ``Measurement`` it writes.

    The worker's stdout and stderr go to ``log_benchmark_<device>_<name>.txt`` in the build
    directory; a worker that fails, crashes or times out raises ``BenchmarkError`` with the last
    line of that log. (The same protocol as ``ort.OrtRuntime``.)
    """
    log = build.dir / f"log_benchmark_{runtime.device}_{runtime.name}.txt"
    with tempfile.TemporaryDirectory(prefix=f"mlagility-{runtime.name}-") as tmp:
        request = {**request, "output": str(Path(tmp) / "result.json"),
                   "outputs_file": str(outputs_path(build.dir, runtime.device, runtime.name)),
                   "samples_file": str(samples_path(build.dir, runtime.device, runtime.name))}
        request_path = Path(tmp) / "request.json"
        request_path.write_text(json.dumps(request))
        timeout = settings.max_time * 3 + 600
        with open(log, "w", encoding="utf-8") as handle:
            try:
                completed = subprocess.run(
                    [sys.executable, "-m", worker_module, str(request_path)],
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                    timeout=timeout,
                )
            except subprocess.TimeoutExpired:
                raise BenchmarkError(runtime.name, f"timed out after {timeout:.0f} s", str(log))
        result_path = Path(request["output"])
        if completed.returncode != 0 or not result_path.exists():
            raise BenchmarkError(runtime.name, _last_error_line(log, completed.returncode), str(log))
        return Measurement.from_dict(json.loads(result_path.read_text()))


def _last_error_line(log: Path, returncode: int) -> str:
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    if returncode < 0:
        return f"worker crashed (signal {-returncode})"
    return lines[-1][:300] if lines else f"worker exited with code {returncode}"
