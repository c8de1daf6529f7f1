"""ONNX Runtime on the CPU, timed in a separate child process (``ort_worker``)."""

from __future__ import annotations

from mlagility.common.system_info import physical_cores
from mlagility.runtimes.base import Runtime
from mlagility.runtimes.child import benchmark_in_child
from mlagility.runtimes.measurement import Measurement
from mlagility.runtimes.timing import BenchmarkSettings


class OrtRuntime(Runtime):
    device = "x86"
    name = "ort"

    @classmethod
    def unavailable_reason(cls) -> str | None:
        from importlib.util import find_spec

        return None if find_spec("onnxruntime") else "the onnxruntime package is not installed"

    def benchmark(self, build, settings: BenchmarkSettings) -> Measurement:
        request = {
            "model": str(build.context.path("optimized") or build.context.path("onnx")),
            "inputs": str(build.context.path("inputs")),
            "settings": settings.to_dict(),
            "threads": physical_cores(),
        }
        return benchmark_in_child(self, build, "mlagility.runtimes.ort_worker", request, settings)
