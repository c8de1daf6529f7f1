"""Keras and scikit-learn builds through ``benchmark_model``, and the ``keras`` runtime class."""

from __future__ import annotations

import numpy as np
import pytest

from mlagility.builds.state import BuildState
from mlagility.common.exceptions import StageError

FAST = dict(iterations=3, min_time=0, max_time=2)


def tiny_keras_model():
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    inputs = keras.Input((6,), name="features")
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(hidden))


def only_build(cache_dir) -> BuildState:
    (state_file,) = cache_dir.glob("*/mlagility_build.yaml")
    return BuildState.load(state_file.parent)


def test_keras_model_is_exported_by_keras_and_checked(tmp_path):
    from mlagility.api.model import benchmark_model

    model = tiny_keras_model()
    x = np.random.default_rng(0).random((2, 6), dtype=np.float32)
    perf = benchmark_model(model, x, cache_dir=tmp_path / "cache", **FAST)
    assert perf.check["ok"] and perf.check["outputs"][0]["max_abs_error"] < 1e-5
    state = only_build(tmp_path / "cache")
    assert state.exporter == "keras" and state.source["model_type"] == "keras"
    assert list(state.stages) == ["export", "check", "save_inputs", "optimize"]
    with np.load(tmp_path / "cache" / state.build_name / "inputs.npz") as saved:
        assert saved.files == state.onnx_inputs and saved[saved.files[0]].shape == (2, 6)


def test_tf2onnx_is_the_recorded_fallback(tmp_path, monkeypatch):
    from mlagility.api.model import benchmark_model
    from mlagility.frameworks.keras import stages as keras_stages

    def broken(ctx, path):
        raise RuntimeError("planted keras exporter failure")

    monkeypatch.setattr(keras_stages, "_export_keras", broken)
    model = tiny_keras_model()
    perf = benchmark_model(model, np.ones((3, 6), np.float32), cache_dir=tmp_path / "cache", **FAST)
    assert perf.check["ok"]
    state = only_build(tmp_path / "cache")
    assert state.exporter == "tf2onnx"
    assert "planted keras exporter failure" in state.exporter_notes["keras"]


def test_keras_runtime_runs_the_live_model(tmp_path):
    from mlagility.runtimes import harness
    from mlagility.runtimes.base import LoadTarget
    from mlagility.runtimes.keras_eager import KerasEagerRuntime, load_keras
    from mlagility.runtimes.outputs import load_outputs, outputs_path
    from mlagility.runtimes.harness import BenchmarkSettings

    model = tiny_keras_model()
    x = np.random.default_rng(1).random((4, 6), dtype=np.float32)
    KerasEagerRuntime.validate()
    assert KerasEagerRuntime.unavailable_reason() is None and KerasEagerRuntime.version() != "unknown"
    runtime = KerasEagerRuntime()
    job = harness.Job(runtime, LoadTarget(model=model, args=(x,)), BenchmarkSettings(**FAST), runtime.options(), tmp_path)
    measurement = harness.benchmark(job)
    assert measurement.runtime == "keras"
    (saved,) = load_outputs(outputs_path(tmp_path, "x86", "keras"))
    np.testing.assert_allclose(saved, np.asarray(model(x)), rtol=1e-6)
    assert len(load_keras(model, (x,), {})()) == 1


def test_sklearn_float64_inputs_are_converted_with_a_note(tmp_path):
    pytest.importorskip("skl2onnx")
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    from mlagility.api.model import benchmark_model

    X, y = make_classification(n_samples=80, n_features=5, n_classes=3, n_informative=3, random_state=0)
    estimator = LogisticRegression(max_iter=500).fit(X, y)
    perf = benchmark_model(estimator, X[:7], cache_dir=tmp_path / "cache", **FAST)
    assert perf.check["ok"] and len(perf.check["outputs"]) == 2  # labels and probabilities
    assert perf.check["outputs"][0]["max_abs_error"] == 0  # labels exactly
    state = only_build(tmp_path / "cache")
    assert state.exporter == "skl2onnx" and "float64 inputs converted to float32" in state.exporter_notes["inputs"]


def test_lightgbm_regressor_and_reshaped_reference(tmp_path):
    pytest.importorskip("onnxmltools")
    lightgbm = pytest.importorskip("lightgbm")
    from sklearn.datasets import make_regression

    from mlagility.api.model import benchmark_model

    X, y = make_regression(n_samples=100, n_features=4, random_state=0)
    X = X.astype(np.float32)
    estimator = lightgbm.LGBMRegressor(n_estimators=5, num_leaves=4, verbose=-1).fit(X, y)
    perf = benchmark_model(estimator, X[:10], cache_dir=tmp_path / "cache", **FAST)
    assert perf.check["ok"]
    assert only_build(tmp_path / "cache").exporter == "onnxmltools"


def test_an_estimator_without_converter_fails_its_export(tmp_path):
    pytest.importorskip("skl2onnx")
    from sklearn.base import BaseEstimator, ClassifierMixin

    from mlagility.api.model import benchmark_model

    class Majority(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            self.classes_ = np.unique(y)
            self.majority_ = np.bincount(y).argmax()
            return self

        def predict(self, X):
            return np.full(len(X), self.majority_)

    X = np.zeros((6, 2), np.float32)
    estimator = Majority().fit(X, np.array([0, 1, 1, 1, 0, 1]))
    with pytest.raises(StageError, match="Majority is not convertible: no ONNX converter for Majority .defined in"):
        benchmark_model(estimator, X, cache_dir=tmp_path / "cache", **FAST)


def test_unfitted_estimator_is_a_usage_error(tmp_path):
    pytest.importorskip("sklearn")
    from sklearn.linear_model import LinearRegression

    from mlagility.api.model import benchmark_model
    from mlagility.common.exceptions import UsageError

    with pytest.raises(UsageError, match="fitted"):
        benchmark_model(LinearRegression(), np.zeros((2, 2)), cache_dir=tmp_path / "cache")


def test_sklearn_regressor_and_transformer_references(tmp_path):
    pytest.importorskip("skl2onnx")
    from sklearn.linear_model import LinearRegression
    from sklearn.preprocessing import StandardScaler

    from mlagility.api.model import benchmark_model

    X = np.random.default_rng(0).random((30, 3), dtype=np.float32)
    regressor = LinearRegression().fit(X, X @ np.array([1.0, 2.0, 3.0], np.float32))
    assert benchmark_model(regressor, X[:5], cache_dir=tmp_path / "r", **FAST).check["ok"]  # (5,) vs ONNX (5, 1)
    scaler = StandardScaler().fit(X)
    assert benchmark_model(scaler, X[:5], cache_dir=tmp_path / "t", **FAST).check["ok"]  # transform's output


def test_live_model_runtimes_refuse_other_frameworks(tmp_path):
    torch = pytest.importorskip("torch")
    from mlagility.builds.artifacts import ArtifactError, artifact_for
    from mlagility.builds.options import BuildOptions
    from mlagility.builds.stage import BuildContext
    from mlagility.runtimes.keras_eager import KerasEagerRuntime
    from mlagility.runtimes.torch_eager import TorchEagerRuntime

    def context(model, model_type):
        return BuildContext(tmp_path, BuildState("b", source={"model_type": model_type}), BuildOptions(), model=model)

    keras_build, torch_build = context(tiny_keras_model(), "keras"), context(torch.nn.Linear(2, 2), "pytorch")
    with pytest.raises(ArtifactError, match="not keras"):
        artifact_for(keras_build, TorchEagerRuntime.needs, "torch-eager")
    with pytest.raises(ArtifactError, match="not pytorch"):
        artifact_for(torch_build, KerasEagerRuntime.needs, "keras")
    assert artifact_for(keras_build, KerasEagerRuntime.needs, "keras").record["kind"] == "model"


def test_keras_fp16_build_is_checked_at_fp16_tolerance(tmp_path):
    from mlagility.api.model import benchmark_model

    model = tiny_keras_model()
    x = np.random.default_rng(2).random((2, 6), dtype=np.float32)
    perf = benchmark_model(model, x, cache_dir=tmp_path / "cache", precision="fp16", **FAST)
    assert perf.check["ok"] and perf.check["tolerance"] == 3e-2
    assert "convert_fp16" in only_build(tmp_path / "cache").stages


def test_outputs_are_saved_without_pickle_and_strings_compared_exactly(tmp_path):
    """Every output kind a runtime returns is saved in a form np.load reads without pickle, or as
    the reason it cannot be compared; reading never raises."""
    from mlagility.runtimes.outputs import NotCompared, compare, load_outputs, read_outputs, save_outputs

    path = tmp_path / "outputs.npz"
    zipmap = [{"cat": 0.25, "dog": 0.75}, {"cat": 0.5, "dog": 0.5}]
    save_outputs(path, [np.array(["cat", "dog"], dtype=object), zipmap, None,
                        np.array([1, "x"], dtype=object), np.array([1, 2.5], dtype=object)])
    labels, probabilities, none, mixed, numbers = load_outputs(path)  # allow_pickle=False inside
    assert labels.dtype.kind == "U" and labels.tolist() == ["cat", "dog"]
    assert probabilities.tolist() == [[0.25, 0.75], [0.5, 0.5]] and numbers.dtype == np.float64
    assert none == NotCompared("the output is None") and "Python objects (int, str)" in mixed.reason

    reference = [np.array(["cat", "cat"]), np.array([[0.25, 0.75], [0.5, 0.5]]), np.zeros(2), np.zeros(2),
                 np.array([1, 2.5])]
    check = compare(reference, [labels, probabilities, none, mixed, numbers], 1e-3)
    assert check["ok"] is False and check["error"] == "output 0: 1 of 2 values differ"
    assert check["outputs"][0] == {"output": 0, "mismatches": 1, "compared": 2}
    assert "output 2: the output is None" in check["not_compared"]
    assert compare([np.array(["a", "b"])], [np.array(["a", "b"])], 1e-3)["ok"] is True

    np.savez(path, output_0=np.array([{"a": 1}], dtype=object))  # an older mlagility's pickled file
    old = read_outputs(path)
    assert isinstance(old, NotCompared) and "pickled objects" in old.reason
    path.write_bytes(b"\0" * 64)
    assert "not an .npz file" in read_outputs(path).reason
    assert "were not saved" in read_outputs(tmp_path / "missing.npz").reason
    check = compare([np.zeros(1)], read_outputs(tmp_path / "missing.npz"), 1e-3)
    assert check["ok"] is None and check["error"].startswith("not compared: the runtime's outputs were not saved")


def test_estimator_references_follow_the_onnx_outputs(tmp_path):
    """KMeans' ONNX 'scores' are its transform (was: AttributeError 'decision_function'); a binary
    SVC's one decision_function column is not compared against the graph's two; an estimator the
    converter fails on is the converter's reason on one line."""
    pytest.importorskip("skl2onnx")
    from sklearn.cluster import KMeans
    from sklearn.svm import SVC

    from mlagility.api.model import benchmark_model

    X = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    kmeans = KMeans(n_clusters=3, n_init=2, random_state=0).fit(X)
    check = benchmark_model(kmeans, X[:5], cache_dir=tmp_path / "k", **FAST).check
    assert check["ok"] and len(check["outputs"]) == 2 and "not_compared" not in check
    svc = SVC().fit(X, (X[:, 0] > 0).astype(int))
    check = benchmark_model(svc, X[:5], cache_dir=tmp_path / "s", **FAST).check
    assert check["ok"] and "decision_function has one column" in check["not_compared"]
    assert check["outputs"][1]["not_compared"].startswith("SVC.decision_function")
