"""Keras and scikit-learn discovery: what is found, what is not, and that every patch is undone."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from mlagility.analysis.framework_discovery import FrameworkDiscovery, model_type_of
from mlagility.analysis.import_hooks import AfterImport
from mlagility.analysis.script import run_script


def discover(path, max_depth=0):
    found = []
    with FrameworkDiscovery(path, lambda inv, model: found.append((inv, model)), max_depth=max_depth) as d:
        run_script(path)
    return found, d


def test_a_script_importing_no_framework_pays_nothing(tmp_path):
    """Checked in a fresh interpreter: the hook imports nothing and is gone afterwards."""
    script = tmp_path / "plain.py"
    script.write_text("import json\nprint(json.dumps([1]))\n")
    code = textwrap.dedent(f"""
        import sys
        from mlagility.analysis.framework_discovery import FrameworkDiscovery
        from mlagility.analysis.script import run_script
        before = list(sys.meta_path)
        with FrameworkDiscovery({str(script)!r}, lambda *a: None) as d:
            run_script({str(script)!r})
        heavy = [m for m in ("keras", "tensorflow", "sklearn", "xgboost", "lightgbm") if m in sys.modules]
        print("HEAVY", heavy, "RESTORED", sys.meta_path == before, "KINDS", sorted(d.discoveries))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert "HEAVY [] RESTORED True KINDS []" in out.stdout, out.stdout + out.stderr


def test_after_import_reports_modules_once_executed(tmp_path, monkeypatch):
    package = tmp_path / "fakepkg_mla"
    package.mkdir()
    (package / "__init__.py").write_text("VALUE = 1\n")
    (package / "sub.py").write_text("VALUE = 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    seen = []
    with AfterImport({"fakepkg_mla"}, lambda module: seen.append((module.__name__, module.VALUE))) as hook:
        import fakepkg_mla.sub  # noqa: F401
        assert type(fakepkg_mla.__loader__).__name__ != "_Loader"  # the module keeps its real loader
    assert seen == [("fakepkg_mla", 1), ("fakepkg_mla.sub", 2)]
    assert hook not in sys.meta_path
    for name in ("fakepkg_mla.sub", "fakepkg_mla"):
        sys.modules.pop(name, None)


KERAS_SCRIPT = """
import numpy as np
import keras

inputs = keras.Input((8,), name="features")
hidden = keras.layers.Dense(16, activation="relu")(inputs)
encoder = keras.Model(inputs, hidden, name="encoder")
outer_in = keras.Input((8,), name="x")
model = keras.Model(outer_in, keras.layers.Dense(3)(encoder(outer_in)))
small = np.random.rand(2, 8).astype("float32")
model(small)
model(small)
model(np.random.rand(5, 8).astype("float32"))
model.predict(small, verbose=0)
"""


@pytest.fixture(scope="module")
def keras_found(tmp_path_factory):
    pytest.importorskip("keras")
    path = tmp_path_factory.mktemp("keras") / "kscript.py"
    path.write_text(KERAS_SCRIPT)
    return path, discover(path), discover(path, max_depth=1)


@pytest.mark.slow
def test_keras_models_called_by_the_script_are_found(keras_found):
    path, (found, discovery), _ = keras_found
    invocations = [inv for inv, _ in found]
    assert [inv.model.name for inv in invocations] == ["model", "model"]
    first, second = invocations
    assert first.model is second.model and first.model.model_type == "keras"
    assert first.model.class_name == "Functional" and first.model.params == 8 * 16 + 16 + 16 * 3 + 3
    assert first.model.file == str(path) and first.model.line == 9  # where the model was created
    assert [spec.shape for spec in first.inputs] == [(2, 8)] and first.inputs[0].name == "x"
    assert second.inputs[0].shape == (5, 8)
    assert first.executions == 3  # two calls and one predict with the same input
    assert first.hash != second.hash and len(first.model.model_hash) == 8
    assert model_type_of(found[0][1]) == "keras"


def test_keras_patches_are_undone(keras_found):
    from keras.src.models.model import Model

    assert "__call__" not in Model.__dict__ and "predict" not in Model.__dict__
    assert Model.__dict__["__new__"].__func__.__qualname__ == "Model.__new__"


def test_keras_nested_models_with_max_depth(keras_found):
    _, _, (found, _) = keras_found
    nested = [inv for inv, _ in found if inv.model.depth == 1]
    top = [inv for inv, _ in found if inv.model.depth == 0]
    assert len(top) == 2 and len(nested) == 2
    assert nested[0].model.name == "model.encoder" and nested[0].parent_invocation == top[0].hash


SKLEARN_SCRIPT = """
import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

X, y = make_classification(n_samples=60, n_features=5, random_state=0)
pipe = make_pipeline(StandardScaler(), LogisticRegression())
pipe.fit(X, y)
unfitted = StandardScaler()
try:
    unfitted.transform(X)
except Exception:
    pass
pipe.predict(X[:4])
pipe.predict_proba(X[:4])
assert hasattr(pipe, "predict_proba") and not hasattr(pipe, "transform")
"""


def test_sklearn_calls_on_fitted_estimators_are_found(tmp_path):
    pytest.importorskip("sklearn")
    path = tmp_path / "skscript.py"
    path.write_text(SKLEARN_SCRIPT)
    found, discovery = discover(path)
    assert len(found) == 1  # not the steps the pipeline calls, not fit's calls, not the unfitted scaler
    invocation, estimator = found[0]
    assert invocation.model.name == "pipe" and invocation.model.class_name == "Pipeline"
    assert invocation.model.model_type == "sklearn" and invocation.executions == 2
    assert invocation.inputs[0].shape == (4, 5) and invocation.inputs[0].dtype == "float64"
    assert invocation.model.line == 16 and invocation.model.params > 0
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from mlagility.frameworks.sklearn.discovery import _Hooked

    for cls, method in ((Pipeline, "predict"), (Pipeline, "predict_proba"), (StandardScaler, "transform")):
        assert not isinstance(cls.__dict__[method], _Hooked)  # every wrapper removed
    assert model_type_of(estimator) == "sklearn"


INHERITED_PREDICT = """
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

X, y = make_classification(n_samples=60, n_features=5, random_state=0)
clf = LogisticRegression().fit(X, y)
clf.predict(X[:4])  # LinearClassifierMixin.predict: a mixin's method, not LogisticRegression's own
"""


def test_sklearn_methods_inherited_from_mixins_are_found(tmp_path):
    pytest.importorskip("sklearn")
    path = tmp_path / "inherited.py"
    path.write_text(INHERITED_PREDICT)
    found, _ = discover(path)
    assert [(inv.model.name, inv.model.class_name, inv.executions) for inv, _ in found] == \
        [("clf", "LogisticRegression", 1)]
    from sklearn.linear_model import LogisticRegression

    assert "predict" not in LogisticRegression.__dict__  # the hook on the class is removed


USER_ESTIMATORS = """
import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LinearRegression


class Base(BaseEstimator):
    def fit(self, X, y=None):
        self.scale = 2.0  # fitted, though no attribute ends with '_'
        return self

    def transform(self, X):
        return X * self.scale


class Scaled(Base):
    pass


class MyRegression(LinearRegression):
    pass


X = np.ones((4, 3), np.float32)
Scaled().fit(X).transform(X)
MyRegression().fit(X, X[:, 0]).predict(X)
"""


def test_user_defined_estimators_are_found_and_unhooked(tmp_path):
    pytest.importorskip("sklearn")
    path = tmp_path / "user_estimators.py"
    path.write_text(USER_ESTIMATORS)
    found, _ = discover(path)
    assert [(inv.model.class_name, inv.model.model_type) for inv, _ in found] == \
        [("Scaled", "sklearn"), ("MyRegression", "sklearn")]
    from sklearn.base import BaseEstimator

    assert "__init_subclass__" not in BaseEstimator.__dict__  # the class-creation hook is removed
