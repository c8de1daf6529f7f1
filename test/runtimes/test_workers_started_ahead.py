"""Benchmark workers started while the build runs (``harness.start_workers``): the same
measurement and log as a worker started for the benchmark, a dead one replaced, unused ones gone
when benchit ends."""

from __future__ import annotations

import os
import signal
import sys
import uuid
from pathlib import Path

import numpy as np
import psutil
import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conftest import TINY_MODEL, run_benchit  # noqa: E402
from mlagility import benchmark_model  # noqa: E402
from mlagility.runtimes import harness  # noqa: E402
from mlagility.runtimes.base import LoadTarget  # noqa: E402
from mlagility.runtimes.ort import OrtRuntime  # noqa: E402

SETTINGS = harness.BenchmarkSettings(iterations=5, min_time=0, max_time=5)


_namespace: dict = {}
exec(TINY_MODEL, _namespace)  # the tests' one tiny model (conftest.py)
Tiny = _namespace["Tiny"]


@pytest.fixture
def built(cache_dir):
    torch.manual_seed(0)
    benchmark_model(Tiny(), (torch.rand(2, 8),), build_name="tiny", cache_dir=cache_dir, build_only=True)
    build = cache_dir / "tiny"
    return build, LoadTarget(build / "model.onnx", build / "inputs.npz")


def _job(build, target):
    runtime = OrtRuntime()
    return harness.Job(runtime, target, SETTINGS, runtime.options(), build)


def _outputs(build):
    with np.load(build / "outputs_x86_ort.npz") as saved:
        return [saved[name] for name in sorted(saved.files)]


def test_a_worker_started_ahead_measures_and_logs_as_a_new_one(built):
    build, target = built
    fresh = harness.benchmark(_job(build, target))
    fresh_log = (build / "log_benchmark_x86_ort.txt").read_text()
    fresh_outputs = _outputs(build)

    harness.start_workers([OrtRuntime()])
    [worker] = harness._started.values()
    harness.await_workers()
    ahead = harness.benchmark(_job(build, target))
    assert not harness._started  # taken by the benchmark
    assert worker.wait(timeout=60) == 0  # it ran the job and ended
    ahead_log = (build / "log_benchmark_x86_ort.txt").read_text()

    for measurement, log in ((fresh, fresh_log), (ahead, ahead_log)):
        assert measurement.runtime == "ort" and measurement.timed_iterations >= 5
        assert log.startswith("x86/ort ") and "timed " in log
    assert ahead.artifact == fresh.artifact and ahead.runtime_options == fresh.runtime_options
    for a, b in zip(_outputs(build), fresh_outputs):
        np.testing.assert_array_equal(a, b)


def test_a_worker_that_died_before_its_benchmark_is_replaced(built):
    build, target = built
    harness.start_workers([OrtRuntime()])
    [worker] = harness._started.values()
    worker.send_signal(signal.SIGKILL)  # as the OOM killer would
    worker.wait(timeout=60)
    measurement = harness.benchmark(_job(build, target))
    assert measurement.timed_iterations >= 5
    assert "timed " in (build / "log_benchmark_x86_ort.txt").read_text()


def _processes_marked(mark: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get("MLAGILITY_TEST_MARK") == mark:
                found.append(process)
        except psutil.Error:
            continue
    return found


@pytest.mark.slow
def test_workers_not_used_end_with_benchit(tmp_path):
    """The export fails, so the workers started for ort and openvino are never used."""
    script = tmp_path / "fails_export.py"
    script.write_text(TINY_MODEL.replace("return torch.relu(self.fc(x))",
                                         "return torch.relu(self.fc(torch.from_numpy(x.numpy())))")
                      + "\nTiny(8)(torch.rand(1, 8))\n")
    mark = uuid.uuid4().hex
    result = run_benchit(script, "-d", tmp_path / "cache", "--runtime", "ort", "openvino",
                         env={"MLAGILITY_TEST_MARK": mark})
    assert "export" in result.stdout.lower() and "failed" in result.stdout.lower(), result.stdout + result.stderr
    assert _processes_marked(mark) == []


def test_an_idle_worker_ignores_ctrl_c_and_ends_with_its_input(built):
    """Ctrl-C on a terminal reaches the whole process group; benchit stops its workers itself."""
    build, target = built
    harness.start_workers([OrtRuntime()])
    harness.await_workers()
    [worker] = harness._started.values()
    worker.send_signal(signal.SIGINT)
    measurement = harness.benchmark(_job(build, target))  # the same worker, still there
    assert measurement.timed_iterations >= 5 and worker.wait(timeout=60) == 0
    harness.start_workers([OrtRuntime()])
    harness.await_workers()
    [idle] = harness._started.values()
    idle.stdin.close()  # benchit ended without needing it
    assert idle.wait(timeout=60) == 0
    harness._started.clear()


@pytest.mark.slow
def test_sigterm_to_benchit_alone_stops_a_busy_worker(tmp_path):
    """``kill PID`` (not the process group) while a started-ahead worker times the model."""
    import subprocess
    import time

    script = tmp_path / "tiny.py"
    script.write_text(TINY_MODEL + "\nTiny(8)(torch.rand(1, 8))\n")
    mark = uuid.uuid4().hex
    cache = tmp_path / "cache"
    benchit = subprocess.Popen(
        [sys.executable, "-m", "mlagility.cli.main", str(script), "-d", str(cache), "--runtime", "ort",
         "--min-time", "60", "--max-time", "60"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "MLAGILITY_TEST_MARK": mark})
    deadline = time.monotonic() + 300
    while not list(cache.glob("*/log_benchmark_x86_ort.txt")):  # the worker has the job
        assert benchit.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    benchit.send_signal(signal.SIGTERM)
    assert benchit.wait(timeout=120) == 143
    assert _processes_marked(mark) == []
