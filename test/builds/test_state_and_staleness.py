"""Build state files, staleness reasons, and cache paths."""

from __future__ import annotations

import pytest
import yaml

from mlagility.builds.cache import MARKER, Cache, resolve_cache_dir
from mlagility.builds.staleness import stale_reasons
from mlagility.builds.state import STATE_FILE, BuildState, UnreadableState
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


def test_invalid_record_corrupt_yaml_is_unreadable_and_rebuilt(tmp_path):
    (tmp_path / STATE_FILE).write_text("{ not: yaml: [")
    state = BuildState.load(tmp_path)
    assert isinstance(state, UnreadableState) and "not valid YAML" in state.reason
    assert stale_reasons(state, make_state(), tmp_path) == [f"state unreadable ({state.reason})"]


@pytest.mark.parametrize(
    "change, reason",
    [
        (dict(stages=5), "field 'stages' must be a mapping, not int"),
        (dict(stages={"export": "done"}), "field 'stages'['export'] must be a mapping, not str"),
        (dict(status="weird"), "field 'status' is 'weird'"),
        (dict(status=None), "field 'status' must be a string, not NoneType"),
        (dict(build_name="../../etc"), "not a valid build name"),
        (dict(build_name=None), "field 'build_name' must be a string"),
        (dict(artifacts=["model.onnx"]), "field 'artifacts' must be a mapping, not list"),
        (dict(artifacts={"onnx": 3}), "field 'artifacts'['onnx'] must be a string, not int"),
        (dict(inputs=[{"name": "x", "shape": "1,10", "dtype": "float32"}]), "inputs[0]['shape'] must be a list"),
        (dict(inputs=[{"shape": [1], "dtype": "float32"}]), "inputs[0]['name'] must be a string"),
        (dict(benchmarks={"x86/ort": {"median_ms": 1}}), "benchmarks['x86/ort']['status'] must be a string"),
        (dict(opset="17"), "field 'opset' must be an integer or empty, not str"),
        (dict(schema_version=99), "schema version 99 is newer"),
    ],
)
def test_invalid_record_build_state_field_gives_a_reason(tmp_path, change, reason):
    data = {**make_state().to_dict(), **change}
    (tmp_path / STATE_FILE).write_text(yaml.safe_dump(data))
    state = BuildState.load(tmp_path)
    assert isinstance(state, UnreadableState), state
    assert reason in state.reason
    assert stale_reasons(state, make_state(), tmp_path) == [f"state unreadable ({state.reason})"]


@pytest.mark.parametrize("text", ["", "- a list\n", "just text\n", "\xff\xfe"])
def test_invalid_record_state_that_is_not_a_mapping_is_unreadable(tmp_path, text):
    (tmp_path / STATE_FILE).write_bytes(text.encode("latin-1"))
    assert isinstance(BuildState.load(tmp_path), UnreadableState)


def test_invalid_record_state_of_another_build_is_a_copy_and_stale(tmp_path):
    reasons = stale_reasons(make_state(build_name="other_build"), make_state(), tmp_path)
    assert reasons == ["the state belongs to build other_build (a copied folder?)"]


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
    done = {"reference": {"status": "done"}, "export": {"status": "done"}}
    old = make_state(weights_hash="w0", stages=done)
    assert stale_reasons(old, make_state(), tmp_path) == []
    without_reference = make_state(weights_hash="w0", stages={"export": {"status": "done"}})
    assert stale_reasons(without_reference, make_state(), tmp_path)[0].startswith("weights changed")


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
