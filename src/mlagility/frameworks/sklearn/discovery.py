"""scikit-learn / XGBoost / LightGBM discovery: ``predict``, ``predict_proba`` and ``transform``
calls that the script makes on fitted estimators (pipelines included).

Each estimator class of an imported ``sklearn``/``xgboost``/``lightgbm`` module gets its own
methods of those names wrapped (a descriptor, so ``available_if`` methods keep their meaning);
every wrapper is removed on exit. Calls made by a library (a pipeline calling its steps, ``fit``
calling ``transform``) are not invocations: only calls whose caller is not library code.
Estimator classes defined while the script runs (the user's own ``BaseEstimator`` subclasses)
are hooked when they are created (``BaseEstimator.__init_subclass__``, restored on exit): they are
found like scikit-learn's, and their builds fail with the converter's reason.
One invocation per (estimator, input shape and dtype); ``predict`` and ``predict_proba`` on the
same input are the same invocation (one ONNX graph computes labels and probabilities).
"""

from __future__ import annotations

import re

from mlagility.analysis.framework_discovery import BaseDiscovery
from mlagility.analysis.hashing import short_hash

METHODS = ("predict", "predict_proba", "transform")
FRAMEWORK_MODULES = ("sklearn", "xgboost", "lightgbm")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


class _Hooked:
    """Stands for one estimator method on its class; calls go through the discovery."""

    def __init__(self, original, method: str, discovery: "SklearnDiscovery"):
        self.original, self.method, self.discovery = original, method, discovery
        self.__doc__ = getattr(original, "__doc__", None)

    def __set_name__(self, owner, name):  # pragma: no cover - set by setattr, never by a class body
        pass

    def __get__(self, obj, objtype=None):
        bound = self.original.__get__(obj, objtype) if hasattr(self.original, "__get__") else self.original
        if obj is None:
            return bound
        discovery, method = self.discovery, self.method

        def call(*args, **kwargs):
            return discovery.called(obj, method, bound, args, kwargs)

        call.__wrapped__ = bound  # type: ignore[attr-defined]
        call.__doc__ = getattr(bound, "__doc__", None)
        return call


class SklearnDiscovery(BaseDiscovery):
    model_type = "sklearn"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._patched: set[type] = set()
        self._hooked_bases: set[str] = set()
        self._depth = 0

    def install(self, module) -> None:
        for value in list(vars(module).values()):
            if isinstance(value, type) and value not in self._patched and is_estimator_class(value):
                self.install_class(value)
        base = vars(module).get("BaseEstimator") if module.__name__ == "sklearn.base" else None
        if isinstance(base, type) and "__init_subclass__" not in self._hooked_bases:
            self._hooked_bases.add("__init_subclass__")
            self.patches.set(base, "__init_subclass__", _subclass_hook(base, self))

    def install_class(self, cls: type) -> None:
        """Hook ``cls``'s own methods (and those it inherits from a class that is no estimator)."""
        self._patched.add(cls)
        for method in METHODS:
            original = _inherited_from_mixin(cls, method)
            if original is not None and not isinstance(original, _Hooked):
                self.patches.set(cls, method, _Hooked(original, method, self))

    def uninstall(self) -> None:
        super().uninstall()
        self._patched.clear()
        self._hooked_bases.clear()

    def called(self, estimator, method: str, bound, args: tuple, kwargs: dict):
        # a class of the user's may keep no ``*_`` attribute: its call returning is enough
        fitted = is_fitted(estimator) or not is_framework_class(type(estimator))
        if self.suspended or self._depth or not args or not self.called_from_user_code() or not fitted:
            self._depth += 1
            try:
                return bound(*args, **kwargs)
            finally:
                self._depth -= 1
        self._depth += 1
        try:
            outputs = bound(*args, **kwargs)
        finally:
            self._depth -= 1
        self.record_call(estimator, args[0])
        return outputs

    def record_call(self, estimator, X):
        import numpy as np

        copy = X.copy() if hasattr(X, "copy") else np.array(X)
        array = np.asarray(copy)
        return self.record(estimator, [("X", array)], (copy,), {})

    def describe(self, estimator) -> tuple[int, float]:
        return fitted_values(estimator), len(estimator_bytes(estimator)) / 1e6

    def model_hash(self, estimator) -> str:
        return estimator_hash(estimator)


def _subclass_hook(base: type, discovery: "SklearnDiscovery"):
    """``BaseEstimator.__init_subclass__`` while discovery runs: every estimator class the script
    (or a library outside scikit-learn/XGBoost/LightGBM) defines gets its methods hooked, so a
    user-defined estimator is found (and reported as not convertible) rather than missed."""
    original = base.__dict__.get("__init_subclass__")

    def __init_subclass__(cls, **kwargs):
        if original is not None:
            original.__get__(None, cls)(**kwargs)
        else:
            super(base, cls).__init_subclass__(**kwargs)
        if not is_framework_class(cls) and cls not in discovery._patched:
            discovery.install_class(cls)

    return classmethod(__init_subclass__)


def is_framework_class(cls: type) -> bool:
    return cls.__module__.partition(".")[0] in FRAMEWORK_MODULES


def _inherited_from_mixin(cls: type, method: str):
    """``cls``'s own ``method``, or the one it inherits from a class that is not an estimator
    (``LogisticRegression.predict`` is ``LinearClassifierMixin``'s), to hook on ``cls`` itself;
    None when it has none or inherits it from an estimator class (hooked on that class)."""
    for klass in cls.__mro__:
        if method in klass.__dict__:
            hooked_there = is_estimator_class(klass) or (not is_framework_class(klass) and _is_base_estimator(klass))
            return klass.__dict__[method] if klass is cls or not hooked_there else None
    return None


def _is_base_estimator(cls: type) -> bool:
    import sys

    base = getattr(sys.modules.get("sklearn.base"), "BaseEstimator", None)
    return base is not None and issubclass(cls, base)


def is_estimator_class(cls: type) -> bool:
    if cls.__module__.partition(".")[0] not in FRAMEWORK_MODULES:
        return False
    import sys

    base = getattr(sys.modules.get("sklearn.base"), "BaseEstimator", None)  # None while importing
    if base is not None and issubclass(cls, base):
        return True
    return any(m in cls.__dict__ for m in METHODS) and hasattr(cls, "fit")


def is_fitted(estimator) -> bool:
    try:
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(estimator)
        return True
    except Exception:
        return False


def estimator_hash(estimator) -> str:
    """Class, hyper-parameters and the shapes of the fitted arrays (not their values)."""
    import numpy as np

    cls = type(estimator)
    parts = [f"{cls.__module__}.{cls.__qualname__}"]
    try:
        params = estimator.get_params(deep=True)
        parts.append(_ADDRESS.sub("0x", repr(sorted((k, repr(v)) for k, v in params.items()))))
    except Exception:
        pass
    for name, value in sorted(vars(estimator).items()):
        if name.endswith("_") and isinstance(value, np.ndarray):
            parts.append(f"{name}:{value.shape}:{value.dtype}")
    return short_hash("\n".join(parts))


def fitted_values(estimator, _seen=None) -> int:
    """How many fitted numbers the estimator holds (coefficients, tree nodes, ...), roughly."""
    import numpy as np

    seen = _seen if _seen is not None else set()
    if id(estimator) in seen:
        return 0
    seen.add(id(estimator))
    module = type(estimator).__module__.partition(".")[0]
    try:
        if module == "xgboost":
            return sum(dump.count("\n") for dump in estimator.get_booster().get_dump())
        if module == "lightgbm":
            trees = estimator.booster_.dump_model()["tree_info"]
            return sum(2 * tree["num_leaves"] - 1 for tree in trees)
    except Exception:
        return 0
    total = 0
    for step in getattr(estimator, "steps", None) or []:
        total += fitted_values(step[1], seen) if hasattr(step[1], "get_params") else 0
    for name, value in vars(estimator).items():
        if not name.endswith("_") or name.startswith("_"):
            continue
        for item in value if isinstance(value, (list, tuple)) else np.ravel(value) if isinstance(value, np.ndarray) and value.dtype == object else [value]:
            if isinstance(item, np.ndarray) and item.dtype != object:
                total += item.size
            elif hasattr(item, "node_count"):  # a sklearn Tree
                total += int(item.node_count)
            elif hasattr(item, "get_params"):
                total += fitted_values(item, seen)
    return total


def estimator_bytes(estimator) -> bytes:
    """The estimator's pickle (for its size and weights hash), or its fitted arrays' bytes when it
    cannot be pickled (a class defined in a function)."""
    import pickle

    import numpy as np

    try:
        return pickle.dumps(estimator, protocol=4)
    except Exception:
        arrays = [v for k, v in sorted(vars(estimator).items()) if isinstance(v, np.ndarray) and v.dtype != object]
        return repr(estimator).encode() + b"".join(a.tobytes() for a in arrays)
