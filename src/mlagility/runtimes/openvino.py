"""OpenVINO on the CPU, timed in a separate child process (``openvino_worker``).

It reads the exported ``model.onnx`` (not ``model-opt.onnx``: ONNX Runtime's optimized file holds
ORT-only contrib ops), compiles it for "CPU" with the LATENCY hint, one inference thread per
physical core and fp32 precision (see ``openvino_worker.compile_config``), and times
``InferRequest.infer`` on the saved inputs. ``load_time_s`` is the model read + compile time.
The worker's output goes to ``log_benchmark_x86_openvino.txt`` in the build directory.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from mlagility.common.exceptions import BenchmarkError
from mlagility.common.system_info import physical_cores
from mlagility.runtimes.base import Runtime
from mlagility.runtimes.measurement import Measurement
from mlagility.runtimes.timing import BenchmarkSettings


class OpenVinoRuntime(Runtime):
    device = "x86"
    name = "openvino"

    @classmethod
    def unavailable_reason(cls) -> str | None:
        from importlib.util import find_spec

        if find_spec("openvino") is None:
            return "the openvino package is not installed (pip install openvino)"
        return None

    def benchmark(self, build, settings: BenchmarkSettings) -> Measurement:
        request = {
            "model": str(build.context.path("onnx")),
            "inputs": str(build.context.path("inputs")),
            "settings": settings.to_dict(),
            "threads": physical_cores(),
        }
        return benchmark_in_child(self, build, "mlagility.runtimes.openvino_worker", request, settings)


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
        request = {**request, "output": str(Path(tmp) / "result.json")}
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
