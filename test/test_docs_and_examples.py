"""Every example in README/docs and under examples/ runs."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

import pytest

from conftest import REPO, run_benchit

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def blocks(language: str) -> list:
    return [
        pytest.param(block, id=f"{doc.name}-{index}")
        for doc in DOCS
        for index, block in enumerate(re.findall(rf"```{language}\n(.*?)```", doc.read_text(), re.S))
    ]


def benchit_lines() -> list:
    found = []
    for param in blocks("bash"):
        lines = param.values[0].splitlines()
        for i, line in enumerate(lines):
            if line.startswith("benchit ") and not re.search(r"\b(BUILD|DIR|OUTDIR|FILE)\b", line):
                expects_error = i + 1 < len(lines) and lines[i + 1].startswith("# benchit: error")
                found.append(pytest.param(line.split("  #")[0].strip(), expects_error, id=f"{param.id}-{i}"))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("code", blocks("python"))
def test_python_examples_in_docs_run(code, tmp_path):
    env = {**os.environ, "MLAGILITY_CACHE_DIR": str(tmp_path / "cache"), "HF_HUB_OFFLINE": "1"}
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("command, expects_error", benchit_lines())
def test_benchit_commands_in_docs_run(command, expects_error, tmp_path):
    args = shlex.split(command)[1:]
    result = run_benchit(*args, cwd=REPO, env={"MLAGILITY_CACHE_DIR": str(tmp_path / "cache")})
    assert result.returncode == (2 if expects_error else 0), result.stdout + result.stderr


@pytest.mark.slow
def test_api_example_runs(tmp_path):
    env = {**os.environ, "MLAGILITY_CACHE_DIR": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, str(REPO / "examples/api/benchmark_model.py")],
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Median:" in result.stdout and "inferences per second" in result.stdout


def test_max_depth_example_finds_only_the_top_model(tmp_path):
    result = run_benchit(REPO / "examples/cli/scripts/max_depth.py", "--analyze-only")
    assert result.returncode == 0
    assert "model (executed 1x)" in result.stdout and "NestedModel" in result.stdout
    assert result.stdout.count("Hash:") == 1


@pytest.mark.slow
def test_example_plugin_runtime_installs_and_benchmarks(tmp_path):
    """examples/plugin: one module plus one entry point make a runtime (installed for real)."""
    import shutil

    target, source = tmp_path / "site", tmp_path / "plugin"
    shutil.copytree(REPO / "examples/plugin", source)  # pip builds in the source folder
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--target", str(target), str(source)], check=True)
    env = {"PYTHONPATH": str(target) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    listed = run_benchit("--list-runtimes", env=env)
    assert "ort-basic" in listed.stdout and "mlagility_example_runtime.BasicOrtRuntime" in listed.stdout
    cache = tmp_path / "cache"
    ran = run_benchit(REPO / "examples/cli/scripts/hello_world.py", "-d", cache, "--runtime", "ort-basic",
                      "--precision", "fp16", "--iterations", "5", "--min-time", "0", env=env)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "(ort-basic v" in ran.stdout and "Outputs match PyTorch eager" in ran.stdout
    assert "model-converted.onnx (fp16 weights" in ran.stdout  # the artifact rule, not the plugin


@pytest.mark.slow
def test_example_custom_sequence_runs_its_custom_stage(tmp_path):
    import yaml

    cache = tmp_path / "cache"
    sequence = REPO / "examples/sequences/count_nodes_sequence.py"
    ran = run_benchit(REPO / "examples/cli/scripts/hello_world.py", "-d", cache, "--sequence-file", sequence,
                      "--iterations", "5", "--min-time", "0")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    [build] = [d for d in cache.iterdir() if (d / "mlagility_build.yaml").is_file()]
    state = yaml.safe_load((build / "mlagility_build.yaml").read_text())
    assert list(state["stages"]) == ["reference", "export", "check", "save_inputs", "count_nodes", "optimize"]
    assert state["onnx_stats"]["exported_nodes"] >= 2
    assert "nodes:" in (build / "log_count_nodes.txt").read_text()
    assert state["benchmarks"]["x86/ort"]["artifact"]["file"] == "model-opt.onnx"
