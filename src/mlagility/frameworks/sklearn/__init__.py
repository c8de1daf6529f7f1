"""scikit-learn estimators and pipelines, XGBoost, LightGBM: discovery wraps the estimators'
``predict``/``predict_proba``/``transform`` when the script imports one of them
(``discovery.py``), export by skl2onnx / onnxmltools (``stages.py``); no runtime runs estimators
themselves: the reference is the estimator's own outputs saved at build time (``reference.npz``)."""

from __future__ import annotations

import hashlib
import sys
from typing import Any, Callable

from mlagility.analysis.model_info import Invocation
from mlagility.common.exceptions import UsageError
from mlagility.frameworks.base import Framework
from mlagility.frameworks.sklearn.discovery import SklearnDiscovery, estimator_bytes, is_fitted
from mlagility.frameworks.sklearn.stages import sklearn_sequence


class SklearnFramework(Framework):
    name = "sklearn"
    label = "scikit-learn estimator"
    roots = ("sklearn", "xgboost", "lightgbm")
    reference_runtime = None  # the estimator's outputs saved by the build are the reference
    reference_label = "the estimator's own outputs"
    priority = 30

    @classmethod
    def owns(cls, model: Any) -> bool:
        base = getattr(sys.modules.get("sklearn.base"), "BaseEstimator", None)
        if base is not None and isinstance(model, base):
            return True
        return type(model).__module__.partition(".")[0] in ("xgboost", "lightgbm")

    @classmethod
    def discovery(cls, script: str, on_invocation: Callable, max_depth: int = 0) -> SklearnDiscovery:
        return SklearnDiscovery(script, on_invocation, max_depth)

    @classmethod
    def describe_call(cls, model, inputs, build_name: str | None) -> Invocation:
        """``inputs``: the ``X`` array (or a 1-tuple)."""
        import numpy as np  # noqa: PLC0415 (numpy only once an estimator exists)

        if not is_fitted(model):
            raise UsageError(f"benchmark_model needs a fitted estimator: fit the {type(model).__name__} first")
        X = inputs[0] if isinstance(inputs, tuple) else inputs
        return SklearnDiscovery.invocation_of(model, [("X", np.asarray(X))], (X,), {})

    @classmethod
    def weights_hash(cls, model) -> str:
        return hashlib.blake2b(estimator_bytes(model), digest_size=8).hexdigest()

    @classmethod
    def sequence(cls, options):
        return sklearn_sequence(options)

    @classmethod
    def example(cls):
        """A tiny fitted estimator and its inputs (the framework conformance test)."""
        import numpy as np  # noqa: PLC0415
        from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

        rng = np.random.default_rng(0)
        X = rng.random((32, 16), dtype=np.float32)
        return LogisticRegression().fit(X, (X[:, 0] > 0.5).astype(int)), (X[:4],)
