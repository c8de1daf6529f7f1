"""ONNX Runtime on the CPU, timed in a separate child process (``ort_worker``)."""

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
from mlagility.runtimes.outputs import outputs_path
from mlagility.runtimes.timing import BenchmarkSettings


class OrtRuntime(Runtime):
    device = "x86"
    name = "ort"

    @classmethod
    def unavailable_reason(cls) -> str | None:
        from importlib.util import find_spec

        return None if find_spec("onnxruntime") else "the onnxruntime package is not installed"

    def benchmark(self, build, settings: BenchmarkSettings) -> Measurement:
        model = build.context.path("optimized") or build.context.path("onnx")
        log = build.dir / f"log_benchmark_{self.device}_{self.name}.txt"
        with tempfile.TemporaryDirectory(prefix="mlagility-ort-") as tmp:
            request = {
                "model": str(model),
                "inputs": str(build.context.path("inputs")),
                "settings": settings.to_dict(),
                "threads": physical_cores(),
                "output": str(Path(tmp) / "result.json"),
                "outputs_file": str(outputs_path(build.dir, self.device, self.name)),
            }
            request_path = Path(tmp) / "request.json"
            request_path.write_text(json.dumps(request))
            timeout = settings.max_time * 3 + 600
            with open(log, "w", encoding="utf-8") as handle:
                try:
                    completed = subprocess.run(
                        [sys.executable, "-m", "mlagility.runtimes.ort_worker", str(request_path)],
                        stdout=handle,
                        stderr=subprocess.STDOUT,
                        timeout=timeout,
                    )
                except subprocess.TimeoutExpired:
                    raise BenchmarkError(self.name, f"timed out after {timeout:.0f} s", str(log))
            result_path = Path(request["output"])
            if completed.returncode != 0 or not result_path.exists():
                raise BenchmarkError(self.name, _last_error_line(log, completed.returncode), str(log))
            return Measurement.from_dict(json.loads(result_path.read_text()))


def _last_error_line(log: Path, returncode: int) -> str:
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    if returncode < 0:
        return f"worker crashed (signal {-returncode})"
    return lines[-1][:300] if lines else f"worker exited with code {returncode}"
