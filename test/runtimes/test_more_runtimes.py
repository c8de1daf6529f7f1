"""torch-compiled and openvino on real tiny models; the nvidia runtimes' availability checks."""

from __future__ import annotations

import os
import sys
import time

import pytest
import torch

from mlagility import MeasuredPerformance, benchmark_model
from mlagility.common.exceptions import BenchmarkError, UnsupportedRuntimeError
from mlagility.runtimes.nvidia import NO_GPU, OrtCudaRuntime, TensorRtRuntime, has_nvidia_gpu
from mlagility.runtimes.openvino import OpenVinoRuntime
from mlagility.runtimes.registry import load_registry

FAST = dict(iterations=5, min_time=0, max_time=5)


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(8, 4)

    def forward(self, x):
        return torch.relu(self.fc(x))


class TwoInputs(torch.nn.Module):
    """A float and an int64 input, to check that inputs are fed by their ONNX names."""

    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(16, 8)
        self.fc = torch.nn.Linear(8, 4)

    def forward(self, ids, scale):
        return self.fc(self.embed(ids) * scale)


def test_registry_lists_the_new_runtimes():
    registry = load_registry()
    assert {"x86/torch-compiled", "x86/openvino", "nvidia/trt", "nvidia/ort-cuda"} <= set(registry.keys())
    assert not registry.broken


def test_torch_compiled_reports_compile_time_as_load_time(cache_dir):
    torch.manual_seed(0)
    model = Tiny()
    perf = benchmark_model(model, (torch.rand(2, 8),), build_name="tiny", cache_dir=cache_dir,
                           runtime="torch-compiled", **FAST)
    assert isinstance(perf, MeasuredPerformance)
    assert perf.runtime == "torch-compiled" and perf.device_type == "x86"
    assert perf.timed_iterations >= 5
    assert perf.load_time > 0  # the compiling first call
    assert perf.median_latency < perf.load_time * 1e3
    log = (cache_dir / "tiny" / "log_benchmark_x86_torch-compiled.txt").read_text()
    assert "first_call_compile_s" in log and "no recompilation during timing" in log
    assert type(model) is Tiny and model.training  # the model itself was not compiled or changed


_calls = {"n": 0}


@torch._dynamo.disable
def _slow_tick() -> bool:
    """30 ms per call (so call counts are predictable), True from the 26th call on."""
    time.sleep(0.03)
    _calls["n"] += 1
    return _calls["n"] > 25


class RecompilesMidway(torch.nn.Module):
    """Dynamo guards on the bool after the graph break: when it flips, the rest recompiles."""

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(8, 4)

    def forward(self, x):
        y = self.fc(x)
        if _slow_tick():
            return torch.relu(y) * 2
        return y + 1


def test_torch_compiled_fails_when_the_model_recompiles_during_timing(cache_dir):
    # Before the timed loop: compile call + 1 stable call + measure's cold call + 10..17 warm-up
    # calls (>= 0.25 s, <= 0.5 s at 30 ms each) = 13..20 calls; the timed loop runs >= 20 calls.
    # So call 26, which flips the branch, always falls inside the timed loop.
    _calls["n"] = 0
    with pytest.raises(BenchmarkError, match=r"recompiled during timing \(1 new graphs\): "
                                             r"latency not trustworthy") as info:
        benchmark_model(RecompilesMidway(), (torch.rand(2, 8),), build_name="flip",
                        cache_dir=cache_dir, runtime="torch-compiled",
                        iterations=20, min_time=0, max_time=5)
    assert _calls["n"] > 25
    assert info.value.log_path.endswith("log_benchmark_x86_torch-compiled.txt")
    assert "recompiled during timing" in (cache_dir / "flip" / "log_benchmark_x86_torch-compiled.txt").read_text()


def test_openvino_benchmarks_the_onnx_file(cache_dir):
    torch.manual_seed(0)
    inputs = {"ids": torch.randint(0, 16, (2, 5)), "scale": torch.rand(2, 5, 8)}
    perf = benchmark_model(TwoInputs(), inputs, build_name="two", cache_dir=cache_dir,
                           runtime="openvino", **FAST)
    assert isinstance(perf, MeasuredPerformance)
    assert perf.runtime == "openvino" and perf.timed_iterations >= 5
    assert perf.load_time > 0 and perf.first_inference_latency > 0 and perf.peak_memory_mib > 0
    log = (cache_dir / "two" / "log_benchmark_x86_openvino.txt").read_text()
    assert "model.onnx (fp32)" in log and "INFERENCE_PRECISION_HINT: <Type: 'float32'>" in log


def test_openvino_unavailable_without_the_package(monkeypatch):
    assert OpenVinoRuntime.unavailable_reason() is None
    monkeypatch.setitem(sys.modules, "openvino", None)  # what find_spec sees when it is absent
    assert OpenVinoRuntime.unavailable_reason() == (
        "the openvino package is not installed (pip install openvino)"
    )


@pytest.mark.skipif(has_nvidia_gpu(), reason="this machine has an NVIDIA GPU")
@pytest.mark.parametrize("runtime", [TensorRtRuntime, OrtCudaRuntime])
def test_nvidia_runtimes_unavailable_without_a_gpu(runtime):
    assert runtime.unavailable_reason() == NO_GPU
    with pytest.raises(UnsupportedRuntimeError, match=r"runtime nvidia/.* is not available here: "
                                                      r"no NVIDIA GPU found \(nvidia-smi missing"):
        load_registry().get("nvidia", runtime.name)


def test_nvidia_reason_names_the_missing_execution_provider():
    from mlagility.runtimes.nvidia import missing_provider

    import onnxruntime

    if "TensorrtExecutionProvider" in onnxruntime.get_available_providers():
        pytest.skip("this onnxruntime has the TensorRT execution provider")
    assert missing_provider("TensorrtExecutionProvider") == (
        "onnxruntime has no TensorrtExecutionProvider (install onnxruntime-gpu)"
    )
    assert missing_provider("CPUExecutionProvider") is None


def test_nvidia_providers_fp16_only_for_an_fp16_build():
    from mlagility.runtimes.nvidia import CUDA, TRT, providers

    (trt, trt_options), (cuda, _) = providers(TRT, fp16=True)
    assert trt == TRT and trt_options["trt_fp16_enable"] is True and cuda == CUDA
    assert providers(TRT)[0][1]["trt_fp16_enable"] is False  # an fp32 result is never secretly fp16
    assert providers(CUDA) == [(CUDA, {"device_id": 0})]


FAKE_SMI = """#!/bin/sh
case "$1" in
  -L) echo "GPU 0: Stand-in GPU (UUID: GPU-0)" ;;
  *) echo "Stand-in GPU, 000.00, 1 MiB" ;;
esac
"""


def _cuda_can_run_here() -> bool:
    """A real GPU, or an onnxruntime with the CUDA execution provider: the stand-in nvidia-smi
    test below would then not see the fallback it is about."""
    import onnxruntime

    return has_nvidia_gpu() or "CUDAExecutionProvider" in onnxruntime.get_available_providers()


@pytest.mark.skipif(_cuda_can_run_here(), reason="this machine can run CUDA: the stand-in nvidia-smi "
                    "would hide a real GPU (the nvidia runtimes are tested for real on it)")
def test_nvidia_runtime_refuses_to_time_a_provider_fallback(cache_dir, tmp_path, monkeypatch):
    """No CUDA EP here: ORT falls back to the CPU, and the benchmark must fail, not time the CPU.

    nvidia-smi is a stand-in script on PATH (no GPU here); everything else is the real harness and
    its generic child worker.
    """
    from mlagility.runtimes import harness
    from mlagility.runtimes.base import LoadTarget

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "nvidia-smi").write_text(FAKE_SMI)
    (bin_dir / "nvidia-smi").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")

    benchmark_model(Tiny(), (torch.rand(2, 8),), build_name="gpu", cache_dir=cache_dir, build_only=True)
    runtime = OrtCudaRuntime()
    target = LoadTarget(cache_dir / "gpu" / "model.onnx", cache_dir / "gpu" / "inputs.npz")
    settings = harness.BenchmarkSettings(iterations=5, min_time=0, max_time=5)
    with pytest.raises(BenchmarkError, match="CUDAExecutionProvider did not load"):
        harness.benchmark(harness.Job(runtime, target, settings, runtime.options(), cache_dir / "gpu"))
    log = (cache_dir / "gpu" / "log_benchmark_nvidia_ort-cuda.txt").read_text()
    assert "Stand-in GPU, 000.00, 1 MiB" in log
    assert not (cache_dir / "gpu" / "samples_nvidia_ort-cuda.npy").exists()
