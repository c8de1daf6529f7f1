"""Keras models and scikit-learn / XGBoost estimators through the real ``benchit`` CLI."""

from __future__ import annotations

import re

import pytest

from conftest import FAST, run_benchit

from importlib.util import find_spec

# find_spec, not importorskip: importing Keras here would load TensorFlow into the test process.
pytestmark = pytest.mark.skipif(find_spec("keras") is None or find_spec("skl2onnx") is None,
                                reason="the keras and sklearn extras are not installed")
ENV = {"TF_CPP_MIN_LOG_LEVEL": "3"}

KERAS_AND_TORCH = """
import numpy as np
import torch
import keras

keras.utils.set_random_seed(0)
inputs = keras.Input((8,), name="features")
hidden = keras.layers.Dense(16, activation="relu")(inputs)
kmodel = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(hidden))
kmodel(np.random.rand(2, 8).astype("float32"))
kmodel(np.random.rand(4, 8).astype("float32"))

torch.manual_seed(0)
tmodel = torch.nn.Linear(8, 4)
tmodel(torch.rand(2, 8))
"""


@pytest.mark.slow
def test_keras_and_pytorch_side_by_side_two_shapes_and_report(write_script, cache_dir, tmp_path):
    script = write_script("keras_and_torch.py", KERAS_AND_TORCH)
    result = run_benchit(script, "-d", cache_dir, "--runtime", "ort", *FAST, env=ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    out = " ".join(result.stdout.split())  # column widths differ between grouped and single models
    # one Keras model with its two invocations (one per input shape) under it, one PyTorch model
    assert out.count("Model Type: Keras (keras.Model)") == 1 and "kmodel (2 invocations" in out
    assert out.count("Model Type: Pytorch (torch.nn.Module)") == 1
    assert "'features': (2, 8)" in out and "'features': (4, 8)" in out
    assert "built with the keras exporter" in out and "built with the dynamo exporter" in out
    assert out.count("Outputs match Keras") == 2 and out.count("Outputs match PyTorch eager") == 1
    assert "2 found (3 invocations), 3 built, 3 benchmarked, 0 failed" in out

    report = run_benchit("cache", "report", "-d", cache_dir, "-r", tmp_path / "reports")
    assert report.returncode == 0, report.stdout + report.stderr
    from mlagility.api.report import load_report

    (csv_path,) = (tmp_path / "reports").glob("mlagility_report_*.csv")
    frame = load_report(csv_path)
    assert sorted(frame["model_type"]) == ["keras", "keras", "pytorch"]
    assert set(frame[frame["model_type"] == "keras"]["exporter"]) == {"keras"}
    assert frame["check_ok"].all()


SKLEARN_AND_XGBOOST = """
import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from xgboost import XGBClassifier

X, y = make_classification(n_samples=120, n_features=6, n_informative=4, n_classes=3, random_state=0)
pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300)).fit(X, y)
booster = XGBClassifier(n_estimators=4, max_depth=2).fit(X, y)
pipe.predict(X[:10])
pipe.predict_proba(X[:10])
booster.predict_proba(X[:10].astype(np.float32))
"""


def test_sklearn_pipeline_and_xgboost_in_one_script(write_script, cache_dir):
    pytest.importorskip("xgboost")
    script = write_script("tabular.py", SKLEARN_AND_XGBOOST)
    result = run_benchit(script, "-d", cache_dir, "--runtime", "ort", *FAST, env=ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "pipe (executed 2x)" in out and "booster (executed 1x)" in out
    assert out.count("Model Type:   scikit-learn estimator") == 2
    assert "Class:        Pipeline (sklearn.pipeline.Pipeline)" in out
    assert "Class:        XGBClassifier (xgboost.sklearn.XGBClassifier)" in out
    assert "built with the skl2onnx exporter" in out and "built with the onnxmltools exporter" in out
    assert out.count("Outputs match the estimator's own outputs") == 2
    assert "2 found, 2 built, 2 benchmarked, 0 failed" in out


DRIFTING = """
import numpy as np
import keras


class Drifting(keras.Model):
    \"\"\"Its output depends on how many times it ran: the exported graph bakes one count in.\"\"\"

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(3)
        self.calls = 0

    def call(self, x):
        self.calls += 1
        return self.dense(x) * float(self.calls)


model = Drifting()
model(np.ones((2, 4), "float32"))
"""


@pytest.mark.slow
def test_the_check_catches_a_planted_keras_mismatch(write_script, cache_dir):
    script = write_script("drifting.py", DRIFTING)
    result = run_benchit(script, "-d", cache_dir, "--runtime", "ort", *FAST, env=ENV)
    assert "Class:        Drifting (__main__.Drifting)" in result.stdout, result.stdout + result.stderr
    assert "MISMATCH: outputs differ from Keras" in result.stdout


KERAS_ON_TORCH = """
import numpy as np
import keras

assert keras.config.backend() == "torch"
inputs = keras.Input((8,), name="features")
model = keras.Model(inputs, keras.layers.Dense(3)(inputs))
model(np.random.rand(2, 8).astype("float32"))
"""


@pytest.mark.slow
def test_keras_on_the_torch_backend_is_a_pytorch_model(write_script, cache_dir):
    script = write_script("keras_torch.py", KERAS_ON_TORCH)
    result = run_benchit(script, "-d", cache_dir, "--analyze-only", env={**ENV, "KERAS_BACKEND": "torch"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Model Type:   Pytorch (torch.nn.Module)" in result.stdout
    assert "Keras (keras.Model)" not in result.stdout


@pytest.mark.slow
def test_max_depth_records_nested_keras_models(cache_dir):
    from conftest import REPO

    script = REPO / "models" / "keras" / "nested_functional.py"
    result = run_benchit(script, "-d", cache_dir, "--analyze-only", "--max-depth", "1", env=ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("Model Type:   Keras (keras.Model)") == 2
    assert "model.encoder (executed 1x)" in result.stdout and "'encoder_in': (1, 24)" in result.stdout


@pytest.mark.slow
def test_keras_runtime_comparison_is_against_keras(write_script, cache_dir):
    """The comparison table's reference is the framework's own runtime (``Runtime.is_reference``)."""
    script = write_script("keras_only.py", KERAS_AND_TORCH.split("torch.manual_seed")[0].replace("import torch\n", "")
                          .replace("kmodel(np.random.rand(4, 8).astype(\"float32\"))\n", ""))
    result = run_benchit(script, "-d", cache_dir, "--runtime", "ort", "keras", *FAST, env=ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    table = result.stdout.split("Runtime comparison")[1]
    assert "vs keras" in table and "vs torch-eager" not in table
    keras_row = next(line for line in table.splitlines() if line.strip().startswith("keras"))
    ort_row = next(line for line in table.splitlines() if line.strip().startswith("ort"))
    assert keras_row.split()[-1] == "reference" and "1.00x" in keras_row
    assert ort_row.split()[-1] == "ok" and re.search(r"\d\.\d\dx", ort_row)


ESTIMATOR_KINDS = """
import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


class Mean(RegressorMixin, BaseEstimator):  # the user's own estimator: no '*_' attribute either
    def fit(self, X, y):
        self.mean = float(np.mean(y))
        return self

    def predict(self, X):
        return np.full(len(X), self.mean)


X = np.random.default_rng(0).normal(size=(60, 4)).astype(np.float32)
y = np.where(X[:, 0] > 0, "cat", "dog")
pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
pipe.predict(X[:3])
km = KMeans(n_clusters=3, n_init=2, random_state=0).fit(X)
km.transform(X[:3])
mean = Mean().fit(X, X[:, 1])
mean.predict(X[:3])
"""


@pytest.mark.slow
def test_string_labels_kmeans_transform_and_a_user_estimator(write_script, cache_dir):
    """String labels are compared exactly (no pickle); KMeans.transform is checked; a user-defined
    estimator is found and fails as not convertible; outputs that cannot be saved after a finished
    benchmark keep its measurement (the check says why it did not run, nothing left 'running')."""
    script = write_script("estimators.py", ESTIMATOR_KINDS)
    result = run_benchit(script, "-d", cache_dir, "--runtime", "ort", *FAST, env=ENV)
    out = " ".join(result.stdout.split())
    assert result.returncode == 1, result.stdout + result.stderr  # a model failed (Mean)
    assert "labels 3 of 3 equal" in out and "Object arrays" not in out
    assert out.count("Outputs match the estimator's own outputs") == 2
    assert "Class: Mean (__main__.Mean)" in out
    assert "export failed: Mean is not convertible: no ONNX converter for Mean (defined in __main__" in out
    assert "3 found, 2 built, 2 benchmarked, 1 failed" in out

    (pipe_dir,) = [d for d in cache_dir.iterdir() if (d / "outputs_x86_ort.npz").is_file()
                   and "LinearClassifier" in (d / "mlagility_build.yaml").read_text()]
    (pipe_dir / "outputs_x86_ort.npz").unlink()
    (pipe_dir / "outputs_x86_ort.npz" / "planted").mkdir(parents=True)  # the outputs cannot be written
    again = run_benchit(script, "-d", cache_dir, "--runtime", "ort", *FAST, env=ENV)
    out = " ".join(again.stdout.split())
    assert again.returncode == 1, again.stdout + again.stderr
    assert "Outputs not compared with the estimator's own outputs: the runtime's outputs were not saved" in out
    assert "3 found, 2 built (2 reused from the cache), 2 benchmarked, 1 failed" in out
    state = (pipe_dir / "mlagility_build.yaml").read_text()
    assert "status: benchmarked" in state and "ok: null" in state and "running" not in state
    listing = run_benchit("cache", "list", "-d", cache_dir).stdout
    assert "incomplete" not in listing
