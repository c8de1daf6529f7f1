"""docs/architecture.md "Adding a framework", followed once: examples/framework_plugin (one package
folder plus one entry point in the mlagility.frameworks group) installed for real with pip, then
a script using its "framework" benchmarked by the real CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from conftest import REPO, run_benchit


def test_example_framework_plugin_installs_and_benchmarks(tmp_path):
    target, source = tmp_path / "site", tmp_path / "plugin"
    shutil.copytree(REPO / "examples/framework_plugin", source)  # pip builds in the source folder
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--target", str(target), str(source)], check=True)
    env = {"PYTHONPATH": str(target) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cache = tmp_path / "cache"
    ran = run_benchit(source / "scripts/affine_script.py", "-d", cache, "--iterations", "5", "--min-time", "0",
                      env=env)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "Model Type:" in ran.stdout and "Affine (tinyaffine)" in ran.stdout  # its label
    assert "built with the onnx-helper exporter" in ran.stdout  # its sequence
    assert "Outputs match tinyaffine" in ran.stdout  # its reference
    assert "model (executed 1x)" in ran.stdout  # discovered in the script, by its variable's name
    # benchmark_model takes its models too (the framework describes the call)
    code = ("import numpy as np, tinyaffine, sys\nfrom mlagility import benchmark_model\n"
            f"perf = benchmark_model(tinyaffine.Affine(16, 4), np.ones((2, 16), np.float32), cache_dir={str(cache)!r}, "
            "iterations=5, min_time=0)\nprint('CHECK', perf.check['ok'])\n")
    api = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, **env}, timeout=600)
    assert "CHECK True" in api.stdout, api.stdout + api.stderr
