"""ONNX Runtime on an NVIDIA GPU: ``nvidia/trt`` (TensorRT EP) and ``nvidia/ort-cuda`` (CUDA EP).

Both run the ONNX file of the build's precision (never ``model-opt.onnx``, optimized for ORT's
CPU provider), in a child process timed by the harness. Precision is the build's: an fp16 build
(``--precision fp16``) runs the converted fp16 file, and TensorRT's fp16 mode is on exactly then
(``trt_fp16_enable``), so an fp32 result is never secretly an fp16 one. The GPUs' name, driver
and memory used (``nvidia-smi``) are recorded before timing.

Timing is synchronized with the device: ``InferenceSession.run`` with numpy inputs copies them to
the GPU, runs, copies the outputs back and returns only when they are on the host, so each timed
call includes those host<->device copies and no GPU work is left in flight. If ORT falls back from
the wanted provider (e.g. TensorRT libraries missing), loading fails rather than timing the
fallback under this runtime's name.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass

from mlagility.runtimes.base import LoadTarget, Runtime, RuntimeOptions, Session
from mlagility.runtimes.ort import session_options

NO_GPU = "no NVIDIA GPU found (nvidia-smi missing or lists no GPU)"
TRT = "TensorrtExecutionProvider"
CUDA = "CUDAExecutionProvider"
GPU_QUERY = ["nvidia-smi", "--query-gpu=name,driver_version,memory.used", "--format=csv,noheader"]


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
    return completed.returncode == 0 and any(line.startswith("GPU ") for line in completed.stdout.splitlines())


def missing_provider(provider: str) -> str | None:
    """Why ONNX Runtime cannot offer ``provider`` here, or None."""
    try:
        import onnxruntime
    except ImportError:
        return f"the onnxruntime package is not installed (install onnxruntime-gpu for {provider})"
    if provider not in onnxruntime.get_available_providers():
        return f"onnxruntime has no {provider} (install onnxruntime-gpu)"
    return None


def providers(provider: str, fp16: bool = False, device_id: int = 0) -> list:
    """The execution providers, best first (ORT appends the CPU EP for what neither can run).

    TensorRT (fp16 mode only when ``fp16``) with the CUDA EP for the nodes TensorRT rejects, or
    the CUDA EP alone.
    """
    cuda = (CUDA, {"device_id": device_id})
    if provider == TRT:
        return [(TRT, {"device_id": device_id, "trt_fp16_enable": fp16}), cuda]
    if provider == CUDA:
        return [cuda]
    raise ValueError(f"unknown execution provider {provider}")


def gpu_lines() -> list[str]:
    """One ``name, driver, memory.used`` line per GPU, from nvidia-smi."""
    try:
        completed = subprocess.run(GPU_QUERY, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as error:
        print(f"nvidia-smi failed: {error}", flush=True)
        return []
    return [line.strip() for line in completed.stdout.splitlines() if line.strip()]


@dataclass(frozen=True)
class NvidiaOptions(RuntimeOptions):
    """``device_id``: the GPU to use."""

    device_id: int = 0

    def __post_init__(self):
        super().__post_init__()
        if self.device_id < 0:
            raise ValueError(f"device_id must be 0 or more (got {self.device_id})")


class _NvidiaOrtRuntime(Runtime):
    device = "nvidia"
    provider = ""
    imports = ("onnxruntime",)
    options_class = NvidiaOptions

    @classmethod
    def unavailable_reason(cls) -> str | None:
        if not has_nvidia_gpu():
            return NO_GPU
        return missing_provider(cls.provider)

    @classmethod
    def version(cls) -> str:  # onnxruntime-gpu installs the onnxruntime module
        import onnxruntime

        return onnxruntime.__version__

    @classmethod
    def device_name(cls) -> str:
        lines = gpu_lines()
        return lines[0].split(",")[0].strip() if lines else "unknown NVIDIA GPU"

    def load(self, target: LoadTarget, options: NvidiaOptions) -> Session:
        import onnxruntime as ort

        gpus = gpu_lines()
        print("GPUs (name, driver, memory used):", *gpus, sep="\n  ", flush=True)
        if not gpus:
            raise RuntimeError("nvidia-smi lists no GPU")
        threads = options.threads
        chosen = providers(self.provider, fp16=options.precision == "fp16", device_id=options.device_id)
        session = ort.InferenceSession(str(target.model_path), session_options(threads), providers=chosen)
        # ORT falls back to the next provider, silently, when one fails to load (e.g. no TensorRT
        # libraries): a measurement on the fallback would be mislabelled.
        if session.get_providers()[0] != self.provider:
            raise RuntimeError(f"{self.provider} did not load (session runs on {session.get_providers()})")
        feeds = target.feeds()
        return Session(run=lambda: session.run(None, feeds), threads=threads,
                       details={"providers": chosen, "gpus": "; ".join(gpus)})


class TensorRtRuntime(_NvidiaOrtRuntime):
    name = "trt"
    provider = TRT


class OrtCudaRuntime(_NvidiaOrtRuntime):
    name = "ort-cuda"
    provider = CUDA
