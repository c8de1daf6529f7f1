"""OpenVINO on the CPU, timed in a separate child process (``openvino_worker``).

It reads the exported ``model.onnx`` (not ``model-opt.onnx``: ONNX Runtime's optimized file holds
ORT-only contrib ops), compiles it for "CPU" with the LATENCY hint, one inference thread per
physical core and fp32 precision (see ``openvino_worker.compile_config``), and times
``InferRequest.infer`` on the saved inputs. ``load_time_s`` is the model read + compile time.
The worker's output goes to ``log_benchmark_x86_openvino.txt`` in the build directory.
"""

from __future__ import annotations

from mlagility.common.system_info import physical_cores
from mlagility.runtimes.base import Runtime
from mlagility.runtimes.child import benchmark_in_child
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
