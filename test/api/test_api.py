"""The Python API on real tiny models: benchmark_model, benchmark_script, .onnx files."""

from __future__ import annotations

import pytest
import torch

from conftest import EXAMPLES
from mlagility import MeasuredPerformance, benchmark_model, benchmark_script
from mlagility.common.exceptions import StageError, UsageError

FAST = dict(iterations=5, min_time=0, max_time=5)


class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(8, 4)

    def forward(self, x, scale: float = 1.0):
        return self.fc(x) * scale


def test_benchmark_model_returns_measured_performance(cache_dir):
    torch.manual_seed(0)
    perf = benchmark_model(Tiny(), {"x": torch.rand(2, 8)}, build_name="tiny", cache_dir=cache_dir, **FAST)
    assert isinstance(perf, MeasuredPerformance)
    assert perf.build_name == "tiny" and perf.runtime == "ort" and perf.device_type == "x86"
    assert perf.timed_iterations >= 5
    assert perf.throughput == pytest.approx(1000 / perf.mean_latency)
    assert perf.min_latency <= perf.median_latency <= perf.p90_latency <= perf.p95_latency <= perf.p99_latency
    assert perf.latency_units == "milliseconds (ms)"
    assert perf.load_time > 0 and perf.first_inference_latency > 0 and perf.peak_memory_mib > 0
    assert (cache_dir / "tiny" / "inputs.npz").exists()
    assert perf.check["ok"] and perf.check["outputs"][0]["max_abs_error"] < 1e-3


def test_benchmark_model_torch_eager_and_build_only(cache_dir):
    model, inputs = Tiny(), (torch.rand(2, 8),)
    perf = benchmark_model(model, inputs, cache_dir=cache_dir, runtime="torch-eager", **FAST)
    assert perf.runtime == "torch-eager" and perf.load_time is None
    assert model.training  # eval mode was only for the benchmark
    assert benchmark_model(model, inputs, cache_dir=cache_dir, build_only=True) is None


def test_explicit_build_name_rebuilds_when_the_input_shape_changes(cache_dir):
    from mlagility.builds.state import BuildState

    torch.manual_seed(0)
    model = Tiny()
    benchmark_model(model, {"x": torch.rand(1, 8)}, build_name="shapes", cache_dir=cache_dir, build_only=True)
    exported = (cache_dir / "shapes" / "model.onnx").stat().st_mtime_ns
    benchmark_model(model, {"x": torch.rand(2, 8)}, build_name="shapes", cache_dir=cache_dir, build_only=True)
    assert BuildState.load(cache_dir / "shapes").inputs[0]["shape"] == [2, 8]
    assert (cache_dir / "shapes" / "model.onnx").stat().st_mtime_ns != exported


def test_benchmark_model_failure_raises_stage_error(cache_dir):
    class Svd(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(4, 4)

        def forward(self, x):
            return torch.linalg.svd(self.fc(x))[0]

    with pytest.raises(StageError) as info:
        benchmark_model(Svd(), (torch.rand(4, 4),), cache_dir=cache_dir, **FAST)
    assert info.value.stage == "export" and info.value.log_path.endswith("log_export.txt")


def test_benchmark_model_rejects_bad_inputs(cache_dir):
    with pytest.raises(UsageError, match="inputs must be"):
        benchmark_model(Tiny(), 3, cache_dir=cache_dir)
    with pytest.raises(UsageError, match="invalid --rebuild .sometimes."):
        benchmark_model(Tiny(), (torch.rand(1, 8),), cache_dir=cache_dir, rebuild="sometimes")


def test_benchmark_script_returns_results(cache_dir):
    results = benchmark_script(EXAMPLES / "two_models.py", cache_dir=cache_dir, **FAST)
    assert results.succeeded and len(results) == 2
    assert {r.model.name for r in results} == {"pytorch_model", "another_pytorch_model"}
    for result in results:
        assert result.status == "benchmarked"
        assert result.performance["ort"].mean_latency > 0


def test_results_travel_between_processes_and_a_bad_results_file_is_an_error(cache_dir, tmp_path):
    import json

    from mlagility.sweep.isolation import read_results_file, write_results_file

    results = benchmark_script(EXAMPLES / "hello_world.py", cache_dir=cache_dir, **FAST)
    path = tmp_path / "results.json"
    write_results_file(path, results, {})
    data = json.loads(path.read_text())
    data["results"][0]["performance"]["ort"]["a_field_from_a_newer_version"] = 1
    path.write_text(json.dumps(data))
    (back,), errors = read_results_file(path)
    assert errors == {} and back.performance["ort"].median_latency == results[0].performance["ort"].median_latency
    assert back.performance["ort"].check["ok"]
    path.write_text('{"results": [{"model": 3}]}')
    assert read_results_file(path)[1]["*"].startswith("could not read the child's results file")
    assert read_results_file(tmp_path / "missing.json") == ([], {})


def export_onnx(path, batch_dim_dynamic=False):
    model = torch.nn.Linear(8, 4).eval()
    dynamic_axes = {"x": {0: "batch"}} if batch_dim_dynamic else None
    torch.onnx.export(model, (torch.rand(2, 8),), str(path), dynamo=False, input_names=["x"],
                      dynamic_axes=dynamic_axes, opset_version=14)
    return path


def test_onnx_file_is_benchmarked_as_given_with_its_opset(cache_dir, tmp_path):
    path = export_onnx(tmp_path / "tiny.onnx")
    (result,) = benchmark_script(path, cache_dir=cache_dir, **FAST)
    assert result.status == "benchmarked", result.error
    assert result.opset == 14 and result.exporter == "provided"
    assert result.model.params == 8 * 4 + 4
    assert [(s.name, s.shape) for s in result.invocation.inputs] == [("x", (2, 8))]


def test_onnx_file_with_dynamic_dimension_gets_a_clear_error(cache_dir, tmp_path):
    path = export_onnx(tmp_path / "dynamic.onnx", batch_dim_dynamic=True)
    (result,) = benchmark_script(path, cache_dir=cache_dir, **FAST)
    assert result.failed
    assert "input 'x' has a dynamic dimension 'batch'" in result.error
    assert "make_dynamic_shape_fixed" in result.error


class Cache:
    """Stands for transformers' DynamicCache: not a pytree, so torch.export cannot output it."""

    def __init__(self, tensor):
        self.tensor = tensor


class WithCache(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(8, 4)

    def forward(self, x, use_cache: bool = True):
        y = self.fc(x)
        return (y, Cache(y)) if use_cache else (y,)


def test_model_returning_a_cache_is_exported_with_use_cache_false(cache_dir):
    from mlagility.builds.state import BuildState

    perf = benchmark_model(WithCache(), {"x": torch.rand(2, 8)}, build_name="cached", cache_dir=cache_dir, **FAST)
    assert perf.timed_iterations >= 5
    state = BuildState.load(cache_dir / "cached")
    assert state.call_overrides == {"use_cache": False} and state.exporter == "dynamo"
    assert any("use_cache=True" in note for note in state.exporter_notes)
    assert state.benchmarks["x86/ort"]["check"]["ok"]
