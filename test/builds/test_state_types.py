"""Build states are validated by type when read: a field that holds a number (shown, sorted,
charted, computed with) holding text, a bool or a non-finite value makes the state unreadable
with the reason, never a row that carries it on to a report, a dashboard or a comparison."""

from __future__ import annotations

import math

import pytest
import yaml

from conftest import run_benchit
from mlagility.builds.cache import Cache
from mlagility.builds.state import STATE_FILE, BuildState, UnreadableState

IMG = '<img src=x onerror="document.title=1">'


def _benchmarked(root, name="good_1a2b3c4d"):
    cache = Cache(root).ensure()
    build_dir = cache.build_dir(name)
    build_dir.mkdir()
    state = BuildState(build_name=name, status="built", source={"script": "s.py", "params": 10, "labels": {"task": ["A"]}},
                       onnx_stats={"flops": 16, "file_bytes": 100, "params": 10},
                       stages={"export": {"status": "done", "duration_s": 1.5, "peak_memory_mib": 900.0}})
    state.benchmarks["x86/ort"] = {"status": "benchmarked", "median_ms": 0.5, "p90_ms": 0.6, "timed_iterations": 5,
                                   "threads": 2, "cores": 2, "load_time_s": None, "peak_memory_mib": 70.1,
                                   "runtime_version": "1.32.0", "check": {"ok": False, "tolerance": 0.001, "outputs": [
                                       {"output": 0, "max_abs_error": math.nan, "max_rel_error": math.inf}]}}
    state.save(build_dir)
    return cache, build_dir


def _plant(build_dir, path: tuple, value):
    data = yaml.safe_load((build_dir / STATE_FILE).read_text())
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    (build_dir / STATE_FILE).write_text(yaml.safe_dump(data))


def test_a_valid_state_reads_back_and_output_errors_may_be_nan(tmp_path):
    _, build_dir = _benchmarked(tmp_path)
    state = BuildState.load(build_dir)
    assert isinstance(state, BuildState) and state.source["params"] == 10


@pytest.mark.parametrize("path, value, reason", [
    (("source", "params"), IMG, "source['params'] must be a number, not str '<img src=x"),
    (("source", "params"), True, "source['params'] must be a number, not bool"),
    (("onnx_stats", "flops"), "16", "onnx_stats['flops'] must be a number, not str '16'"),
    (("benchmarks", "x86/ort", "p90_ms"), IMG, "benchmarks['x86/ort']['p90_ms'] must be a number"),
    (("benchmarks", "x86/ort", "median_ms"), math.nan, "benchmarks['x86/ort']['median_ms'] must be a finite number"),
    (("benchmarks", "x86/ort", "peak_memory_mib"), [1], "['peak_memory_mib'] must be a number, not list"),
    (("benchmarks", "x86/ort", "threads"), "2", "benchmarks['x86/ort']['threads'] must be a number"),
    (("benchmarks", "x86/ort", "any_new_s"), "soon", "benchmarks['x86/ort']['any_new_s'] must be a number"),
    (("benchmarks", "x86/ort", "runtime_version"), 5, "benchmarks['x86/ort']['runtime_version'] must be a string or empty"),
    (("benchmarks", "x86/ort", "check", "outputs", 0, "max_abs_error"), "big", "['max_abs_error'] must be a number"),
    (("stages", "export", "duration_s"), math.inf, "stages['export']['duration_s'] must be a finite number"),
    (("source", "labels"), {"task": "A"}, "source['labels']"),
    (("source", "class"), 5, "source['class'] must be a string or empty"),
])
def test_a_wrong_type_in_a_number_or_text_field_makes_the_state_unreadable(tmp_path, path, value, reason):
    _, build_dir = _benchmarked(tmp_path)
    _plant(build_dir, path, value)
    state = BuildState.load(build_dir)
    assert isinstance(state, UnreadableState)
    assert reason in state.reason and "\n" not in state.reason


def test_cache_list_and_report_show_the_planted_state_unreadable(tmp_path):
    cache, build_dir = _benchmarked(tmp_path / "cache")
    _plant(build_dir, ("source", "params"), IMG)
    listing = run_benchit("cache", "list", "-d", cache.root)
    assert listing.returncode == 0, listing.stderr
    assert "unreadable (source['params'] must be a number" in listing.stdout and "built" not in listing.stdout
    report = run_benchit("cache", "report", "-d", cache.root, "-r", tmp_path / "report")
    assert report.returncode == 0 and "Traceback" not in report.stderr
