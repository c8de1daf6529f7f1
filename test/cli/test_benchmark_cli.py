"""End to end through the real ``benchit`` CLI on tiny models."""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import EXAMPLES, FAST, TINY_MODEL, run_benchit


def build_dirs(cache):
    return sorted(p for p in cache.iterdir() if p.is_dir() and not p.name.startswith("_"))


def state_of(build_dir):
    return yaml.safe_load((build_dir / "mlagility_build.yaml").read_text())


@pytest.mark.slow
def test_hello_world_is_discovered_built_and_benchmarked(cache_dir):
    result = run_benchit(EXAMPLES / "hello_world.py", "-d", cache_dir, *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "pytorch_model (executed 1x)" in out
    assert "Class:        SmallModel" in out
    assert re.search(r"Location: +.*hello_world\.py, line 27", out)
    assert "Parameters:   55 (<0.1 MB)" in out
    assert "'x': (10,)" in out
    assert "Successfully benchmarked on" in out and "(ort v" in out
    (build,) = build_dirs(cache_dir)
    assert build.name.startswith("hello_world_")
    assert f"Build dir:    {build}" in out
    state = state_of(build)
    assert state["status"] == "built"
    assert state["exporter"] in ("dynamo", "torchscript")
    assert set(state["stages"]) == {"reference", "export", "check", "save_inputs", "optimize"}
    for stage in state["stages"]:
        assert (build / f"log_{stage}.txt").exists()
    bench = state["benchmarks"]["x86/ort"]
    assert bench["status"] == "benchmarked"
    assert bench["timed_iterations"] >= 5
    assert bench["min_ms"] <= bench["median_ms"] <= bench["p90_ms"] <= bench["p99_ms"] <= bench["max_ms"]
    assert (build / "inputs.npz").exists() and (build / "model-opt.onnx").exists()


@pytest.mark.slow
def test_two_models_in_one_script(cache_dir):
    result = run_benchit(EXAMPLES / "two_models.py", "-d", cache_dir, *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pytorch_model (executed 1x)" in result.stdout
    assert "another_pytorch_model (executed 1x)" in result.stdout
    assert len(build_dirs(cache_dir)) == 2
    assert result.stdout.count("Successfully benchmarked") == 2


@pytest.mark.slow
def test_one_model_two_input_shapes(cache_dir):
    result = run_benchit(EXAMPLES / "multiple_invocations.py", "-d", cache_dir, *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pytorch_model (2 invocations, executed 4x in all)" in result.stdout  # one model
    assert "Invocation 1 (executed 3x)" in result.stdout and "1 found (2 invocations)" in result.stdout
    assert "'x': (1, 10)" in result.stdout and "'x': (8, 10)" in result.stdout
    shapes = sorted(tuple(state_of(b)["inputs"][0]["shape"]) for b in build_dirs(cache_dir))
    assert shapes == [(1, 10), (8, 10)]


@pytest.mark.slow
def test_model_inside_main_guard_sees_argv_and_main(cache_dir, write_script, tmp_path):
    script = write_script("guarded.py", TINY_MODEL + """
import os
import sys

if __name__ == "__main__":
    assert sys.argv[1:] == ["--width", "8"], sys.argv
    assert sys.path[0] == os.path.dirname(os.path.abspath(__file__))
    print("CWD", os.getcwd())
    model = Tiny(int(sys.argv[2]))
    model(torch.rand(2, 8))
""")
    result = run_benchit(script, "-d", cache_dir, "--script-args", "--width 8", *FAST, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"CWD {tmp_path}" in result.stdout
    assert "model (executed 1x)" in result.stdout
    assert "'x': (2, 8)" in result.stdout


@pytest.mark.slow
def test_cache_hit_does_not_export_again(cache_dir):
    first = run_benchit(EXAMPLES / "hello_world.py", "-d", cache_dir, *FAST)
    assert first.returncode == 0
    (build,) = build_dirs(cache_dir)
    exported = (build / "model.onnx").stat().st_mtime_ns
    second = run_benchit(EXAMPLES / "hello_world.py", "-d", cache_dir, *FAST)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "cached build reused" in second.stdout
    assert "1 built (1 reused from the cache)" in second.stdout
    assert "reused from the cache" not in first.stdout
    assert (build / "model.onnx").stat().st_mtime_ns == exported


@pytest.mark.slow
def test_weights_identity_changed_weights_reuse_the_build_and_check_its_own_weights(cache_dir, write_script):
    """An unseeded script has new weights on every run: its builds are reused (MLAgility #324),
    each checked against the reference outputs saved from the build's own weights; --rebuild
    always rebuilds with the current ones."""
    source = TINY_MODEL + "\nmodel = Tiny()\nmodel(torch.rand(1, 8))\n"
    script = write_script("weights.py", source.replace("manual_seed(0)", "manual_seed(SEED)").replace(
        "import torch\n", "import sys\nimport torch\nSEED = int(sys.argv[1])\n", 1))
    assert run_benchit(script, "-d", cache_dir, "--script-args", "1", *FAST).returncode == 0
    again = run_benchit(script, "-d", cache_dir, "--script-args", "2", *FAST)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "cached build reused" in again.stdout and "Rebuilt:" not in again.stdout
    assert "Outputs match PyTorch eager" in again.stdout and "MISMATCH" not in again.stdout
    always = run_benchit(script, "-d", cache_dir, "--script-args", "2", "--rebuild", "always", *FAST)
    assert always.returncode == 0 and "--rebuild always" in always.stdout


@pytest.mark.slow
def test_rebuild_always_and_never(cache_dir):
    script = EXAMPLES / "hello_world.py"
    never_empty = run_benchit(script, "-d", cache_dir, "--rebuild", "never", *FAST)
    assert never_empty.returncode == 1
    assert "--rebuild never: no build to load" in never_empty.stdout
    assert run_benchit(script, "-d", cache_dir, *FAST).returncode == 0
    always = run_benchit(script, "-d", cache_dir, "--rebuild", "always", *FAST)
    assert always.returncode == 0 and "--rebuild always" in always.stdout
    never = run_benchit(script, "-d", cache_dir, "--rebuild", "never", *FAST)
    assert never.returncode == 0 and "cached build reused" in never.stdout


@pytest.mark.slow
def test_export_failure_is_per_model_and_exit_code_1(cache_dir, write_script):
    script = write_script("unexportable.py", TINY_MODEL + """

class Svd(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 4)

    def forward(self, x):
        return torch.linalg.svd(self.fc(x))[0]


bad = Svd()
bad(torch.rand(4, 4))
good = Tiny()
good(torch.rand(1, 8))
""")
    result = run_benchit(script, "-d", cache_dir, *FAST)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Status:       export failed: dynamo exporter:" in result.stdout
    assert "svd" in result.stdout
    assert "log_export.txt" in result.stdout
    assert result.stdout.count("Successfully benchmarked") == 1  # the good model still ran
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.slow
def test_script_that_raises_keeps_models_found_before(cache_dir, write_script):
    script = write_script("raises.py", TINY_MODEL + "\nTiny()(torch.rand(1, 8))\nraise RuntimeError('boom')\n")
    result = run_benchit(script, "-d", cache_dir, *FAST)
    assert result.returncode == 1
    assert "Successfully benchmarked" in result.stdout
    assert "Script error: script raised RuntimeError: boom" in result.stdout


def test_analyze_only_builds_nothing(cache_dir):
    result = run_benchit(EXAMPLES / "two_models.py", "-d", cache_dir, "--analyze-only")
    assert result.returncode == 0
    assert result.stdout.count("Analyzed (not built)") == 2
    assert not cache_dir.exists() or not build_dirs(cache_dir)


@pytest.mark.slow
def test_export_only_and_build_only(cache_dir):
    export = run_benchit(EXAMPLES / "hello_world.py", "-d", cache_dir, "--export-only")
    assert export.returncode == 0 and "Exported to ONNX (not benchmarked)" in export.stdout
    (build,) = build_dirs(cache_dir)
    assert (build / "model.onnx").exists() and not (build / "model-opt.onnx").exists()
    built = run_benchit(EXAMPLES / "hello_world.py", "-d", cache_dir, "--build-only")
    assert built.returncode == 0 and "Built (not benchmarked)" in built.stdout
    assert (build / "model-opt.onnx").exists()
    assert state_of(build)["benchmarks"] == {}


@pytest.mark.slow
def test_torch_eager_runtime_and_two_runtimes(cache_dir):
    result = run_benchit(EXAMPLES / "hello_world.py", "-d", cache_dir, "--runtime", "ort", "torch-eager", *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(ort v" in result.stdout and "(torch-eager v" in result.stdout
    (build,) = build_dirs(cache_dir)
    assert set(state_of(build)["benchmarks"]) == {"x86/ort", "x86/torch-eager"}


@pytest.mark.slow
def test_onnx_opset_flag(cache_dir):
    result = run_benchit(EXAMPLES / "hello_world.py", "-d", cache_dir, "--export-only", "--onnx-opset", "17")
    assert result.returncode == 0, result.stdout + result.stderr
    (build,) = build_dirs(cache_dir)
    assert state_of(build)["opset"] == 17
