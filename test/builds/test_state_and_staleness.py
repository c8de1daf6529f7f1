"""Build state files, staleness reasons, and cache paths."""

from __future__ import annotations

import pytest
import yaml

from mlagility.builds.cache import MARKER, Cache, resolve_cache_dir
from mlagility.builds.staleness import stale_reasons
from mlagility.builds.state import STATE_FILE, BuildState
from mlagility.common.exceptions import CacheError, UsageError


def make_state(**changes) -> BuildState:
    state = BuildState(
        build_name="demo_1234abcd",
        model_hash="aaaa0000",
        weights_hash="w1",
        inputs=[{"name": "x", "shape": [1, 10], "dtype": "float32"}],
        options={"onnx_opset": None},
        status="built",
    )
    for key, value in changes.items():
        setattr(state, key, value)
    return state


def test_state_round_trips_through_safe_yaml(tmp_path):
    state = make_state(benchmarks={"x86/ort": {"status": "benchmarked", "median_ms": 0.5}})
    state.save(tmp_path)
    text = (tmp_path / STATE_FILE).read_text()
    assert "!!python" not in text
    assert yaml.safe_load(text)["schema_version"] == 1
    assert BuildState.load(tmp_path) == BuildState.from_dict(yaml.safe_load(text))
    assert BuildState.load(tmp_path).benchmarks["x86/ort"]["median_ms"] == 0.5
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_corrupt_state_is_treated_as_no_build(tmp_path):
    (tmp_path / STATE_FILE).write_text("{ not: yaml: [")
    assert BuildState.load(tmp_path) is None


def test_fresh_build_is_not_stale(tmp_path):
    assert stale_reasons(None, make_state(), tmp_path) == []
    assert stale_reasons(make_state(), make_state(), tmp_path) == []


@pytest.mark.parametrize(
    "old, reason",
    [
        (dict(status="failed", failed_stage="export"), "previous build failed (export)"),
        (dict(mlagility_version="0.0.1"), "mlagility 0.0.1 -> "),
        (dict(weights_hash="w0", stages={"export": {"status": "done"}}), "weights changed (and the build has no reference"),
        (dict(model_hash="bbbb1111"), "model architecture changed"),
        (dict(inputs=[{"name": "x", "shape": [2, 10], "dtype": "float32"}]),
         "input shape of x changed from (2, 10) to (1, 10)"),
        (dict(inputs=[{"name": "x", "shape": [1, 10], "dtype": "int64"}]),
         "input dtype of x changed from int64 to float32"),
        (dict(options={"onnx_opset": 17}), "build option onnx_opset changed from 17 to None"),
        (dict(artifacts={"onnx": "model.onnx"}), "artifact missing: model.onnx"),
    ],
)
def test_each_staleness_reason(tmp_path, old, reason):
    reasons = stale_reasons(make_state(**old), make_state(), tmp_path)
    assert len(reasons) == 1 and reasons[0].startswith(reason), reasons


def test_weights_identity_weights_alone_do_not_make_a_build_with_its_own_reference_stale(tmp_path):
    (tmp_path / "model.onnx").write_text("x")
    (tmp_path / "reference_outputs.npz").write_text("x")
    artifacts = {"onnx": "model.onnx", "reference": "reference_outputs.npz"}
    done = {"reference": {"status": "done"}, "export": {"status": "done"}}
    old = make_state(weights_hash="w0", artifacts=artifacts, stages=done)
    assert stale_reasons(old, make_state(artifacts=artifacts), tmp_path) == []


def test_cache_dir_resolution_order(tmp_path, monkeypatch):
    monkeypatch.setenv("MLAGILITY_CACHE_DIR", str(tmp_path / "env"))
    assert resolve_cache_dir() == tmp_path / "env"
    assert resolve_cache_dir(tmp_path / "flag") == tmp_path / "flag"
    monkeypatch.delenv("MLAGILITY_CACHE_DIR")
    assert str(resolve_cache_dir()).endswith(".cache/mlagility")


def test_cache_marker_and_foreign_directories(tmp_path):
    cache = Cache(tmp_path / "new").ensure()
    assert (cache.root / MARKER).exists()
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "data.txt").write_text("x")
    with pytest.raises(CacheError, match="not an mlagility cache"):
        Cache(tmp_path / "foreign").ensure()


@pytest.mark.parametrize("name", ["../escape", "/abs/path", "a/b", "..", ""])
def test_build_names_cannot_escape_the_cache(tmp_path, name):
    with pytest.raises(UsageError, match="invalid build name"):
        Cache(tmp_path).build_dir(name)
