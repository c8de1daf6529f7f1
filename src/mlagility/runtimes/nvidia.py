"""ONNX Runtime on an NVIDIA GPU: ``nvidia/trt`` (TensorRT EP) and ``nvidia/ort-cuda`` (CUDA EP).

Both time the exported ``model.onnx`` in a child process (``nvidia_worker``), like ``ort``, and
write its output to ``log_benchmark_nvidia_<name>.txt`` in the build directory, with the GPUs'
name, driver and memory used from ``nvidia-smi`` before and after timing. They read
``model.onnx``, not ``model-opt.onnx``: the latter was optimized for ORT's CPU provider and holds
CPU-only ops; ORT optimizes the graph for the GPU itself when it creates the session.

* ``trt`` runs in **fp16** (``trt_fp16_enable``) with the CUDA EP for nodes TensorRT rejects.
  ``load_time_s`` (session creation) includes building the TensorRT engine.
* ``ort-cuda`` runs in **fp32**: the CUDA EP runs the model's own precision, and fp16 would need
  an fp16-converted ONNX file.

Timing is synchronized with the device: ``InferenceSession.run`` with numpy inputs copies them to
the GPU, runs, copies the outputs back and returns only when they are on the host, so each timed
call includes those host<->device copies and no GPU work is left in flight. If ORT falls back
from the wanted provider (e.g. TensorRT libraries missing), the benchmark fails rather than
reporting the fallback's latency under this runtime's name.
"""

from __future__ import annotations

import functools
import shutil
import subprocess

from mlagility.common.system_info import physical_cores
from mlagility.runtimes.base import Runtime
from mlagility.runtimes.measurement import Measurement
from mlagility.runtimes.child import benchmark_in_child
from mlagility.runtimes.timing import BenchmarkSettings

NO_GPU = "no NVIDIA GPU found (nvidia-smi missing or lists no GPU)"


@functools.lru_cache(maxsize=1)
def has_nvidia_gpu() -> bool:
    """Whether ``nvidia-smi -L`` runs and lists at least one GPU."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return False
    try:
        completed = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return completed.returncode == 0 and any(
        line.startswith("GPU ") for line in completed.stdout.splitlines()
    )


def missing_provider(provider: str) -> str | None:
    """Why ONNX Runtime cannot offer ``provider`` here, or None."""
    try:
        import onnxruntime
    except ImportError:
        return f"the onnxruntime package is not installed (install onnxruntime-gpu for {provider})"
    if provider not in onnxruntime.get_available_providers():
        return f"onnxruntime has no {provider} (install onnxruntime-gpu)"
    return None


class _NvidiaOrtRuntime(Runtime):
    device = "nvidia"
    provider = ""

    @classmethod
    def unavailable_reason(cls) -> str | None:
        if not has_nvidia_gpu():
            return NO_GPU
        return missing_provider(cls.provider)

    def benchmark(self, build, settings: BenchmarkSettings) -> Measurement:
        request = {
            "model": str(build.context.path("onnx")),
            "inputs": str(build.context.path("inputs")),
            "settings": settings.to_dict(),
            "threads": physical_cores(),
            "provider": self.provider,
            "runtime": self.name,
        }
        return benchmark_in_child(self, build, "mlagility.runtimes.nvidia_worker", request, settings)


class TensorRtRuntime(_NvidiaOrtRuntime):
    name = "trt"
    provider = "TensorrtExecutionProvider"


class OrtCudaRuntime(_NvidiaOrtRuntime):
    name = "ort-cuda"
    provider = "CUDAExecutionProvider"
