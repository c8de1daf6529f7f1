"""Conformance: every registered runtime that can run here, through the one harness.

For each runtime and each precision (fp32, fp16, int8) a tiny model is built and benchmarked; the
test checks the artifact the build's rule picked (the converted file for fp16/int8, the ORT-CPU
optimized file only for runtimes that accept it), the precision recorded from the file itself,
the outputs saved and checked, the raw samples kept, and sane statistics. A precision a runtime
cannot honour must be a clear per-runtime error, never a silent fallback. A runtime without the
``inference`` scenario (``ort-genai``: generation only) must answer this inference call with its
"not supported" outcome (its generation has its own test, e.g. test_ort_genai.py).
"""

from __future__ import annotations

import numpy as np
import pytest

from mlagility import benchmark_model
from mlagility.builds.state import BuildState
from mlagility.common.exceptions import BenchmarkError
from mlagility.frameworks.registry import frameworks
from mlagility.runtimes.registry import load_registry
from mlagility.runtimes.samples import load_samples

REGISTRY = load_registry()
FRAMEWORKS = frameworks()
AVAILABLE = sorted(
    (device, name) for (device, name), cls in REGISTRY.runtimes.items() if cls.unavailable_reason() is None
)
EVERY = sorted(REGISTRY.runtimes)  # collected all, each unavailable one skipped with its reason
FAST = dict(iterations=5, min_time=0, max_time=5)


def tiny_model(runtime):
    """A tiny model of a framework the runtime runs (``Framework.example()``), and its inputs."""
    model_types = runtime.needs.model_types if runtime.needs.kind == "model" else ("pytorch",)
    return FRAMEWORKS.get(model_types[0]).example()


def test_every_builtin_runtime_registers_and_validates():
    assert not REGISTRY.broken, REGISTRY.broken
    for cls in REGISTRY.runtimes.values():
        cls.validate()
    assert ("x86", "ort") in AVAILABLE and ("x86", "torch-eager") in AVAILABLE


@pytest.mark.slow
@pytest.mark.parametrize("precision", ["fp32", "fp16", "int8"])
@pytest.mark.parametrize("device, name", EVERY, ids=[f"{d}-{n}" for d, n in EVERY])
def test_runtime_conformance(device, name, precision, cache_dir):
    runtime = REGISTRY.runtimes[(device, name)]
    reason = runtime.unavailable_reason()
    if reason:
        pytest.skip(f"{device}/{name} is not available here: {reason}")
    if "inference" not in runtime.scenarios:  # generation-only (ort-genai): its contract is a clear outcome
        if precision != "fp32":
            pytest.skip(f"{name} runs only {', '.join(runtime.scenarios)}: no inference build to convert "
                        "(its generation is tested in its own test file)")
        model, inputs = FRAMEWORKS.get("pytorch").example()
        with pytest.raises(BenchmarkError, match=f"not supported: {name} does not run the inference scenario"):
            benchmark_model(model, inputs, build_name=f"tiny_{name}_{precision}",
                            cache_dir=cache_dir, device=device, runtime=name, **FAST)
        return
    model, inputs = tiny_model(runtime)
    precision_options = {"fp16": dict(precision="fp16"), "int8": dict(quantize="int8")}.get(precision, {})
    build = f"tiny_{name}_{precision}"
    call = lambda: benchmark_model(model, inputs, build_name=build,  # noqa: E731
                                   cache_dir=cache_dir, device=device, runtime=name, **FAST, **precision_options)
    if precision not in runtime.needs.precisions:
        with pytest.raises(BenchmarkError, match=f"cannot run a {precision} build"):
            call()
        return
    perf = call()
    state = BuildState.load(cache_dir / build)
    record = state.benchmarks[f"{device}/{name}"]
    assert record["status"] == "benchmarked"

    # the artifact the rule picked, and the precision read from the file
    artifact = perf.artifact
    if runtime.needs.kind == "model":
        assert artifact["kind"] == "model" and perf.precision == "fp32"
    else:
        expected = "model-converted.onnx" if precision != "fp32" else "model.onnx"
        if runtime.needs.ort_cpu_optimized:
            expected = "model-opt.onnx"
            assert state.derived_from["optimized"] == ("converted" if precision != "fp32" else "onnx")
        assert artifact["file"] == expected
        assert perf.precision == precision, artifact
        assert artifact["inputs"] == ["float32"] and artifact["bytes"] > 0 and len(artifact["sha256"]) == 64
    assert record["artifact"] == artifact and record["precision"] == perf.precision

    # outputs saved and checked (a live-model runtime is the reference itself)
    assert (cache_dir / build / f"outputs_{device}_{name}.npz").is_file()
    if runtime.needs.kind != "model":  # int8 error on random weights may exceed tolerance: checked, not judged
        assert perf.check is not None and record["check"] == perf.check
        assert perf.check["ok"] or precision == "int8", perf.check

    # raw samples kept, statistics sane
    samples = load_samples(cache_dir / build / record["samples_file"])
    assert samples is not None and samples.dtype == np.float32 and samples.size == perf.timed_iterations
    assert perf.timed_iterations >= 5 and perf.requested_iterations == 5
    assert 0 < perf.min_ms <= perf.median_ms <= perf.p90_ms <= perf.p99_ms <= perf.max_ms
    assert perf.throughput == pytest.approx(1e3 / perf.mean_ms)
    assert perf.peak_memory_mib > 0 and perf.threads >= 1 and perf.device_type == device
    assert record["runtime_options"]["precision"] == precision
