"""scikit-learn / XGBoost / LightGBM stages: convert with skl2onnx (scikit-learn estimators and
pipelines) or onnxmltools (XGBoost, LightGBM), float32 inputs.

Why not Hummingbird (estimators -> PyTorch -> ONNX): its last release predates the scikit-learn
and torch versions mlagility uses, while skl2onnx and onnxmltools are maintained by the ONNX
project and convert the estimators to ONNX-ML's own tree/linear operators.
"""

from __future__ import annotations

from mlagility.builds.framework_stages import SaveInputsAndReference, onnx_stages
from mlagility.builds.onnx_tools import onnx_opset, remove_onnx, save_onnx
from mlagility.builds.options import BuildOptions
from mlagility.builds.stage import BuildContext, Sequence, Stage
from mlagility.builds.stages import ONNX_FILE
from mlagility.common.exceptions import StageError, one_line, root_cause
from mlagility.runtimes.outputs import NotCompared


def _framework(estimator) -> str:
    return type(estimator).__module__.partition(".")[0]


def float32_inputs(ctx: BuildContext):
    """The estimator's input as a float32 array, and a note when it had another dtype."""
    import numpy as np

    X = np.asarray(ctx.args[0])
    if X.dtype == np.float32:
        return X, None
    return X.astype(np.float32), f"{X.dtype} inputs converted to float32 for ONNX"


class SklearnExportOnnx(Stage):
    name = "export"
    description = "Converting to ONNX"
    produces = ("onnx",)

    def run(self, ctx: BuildContext) -> None:
        X, note = float32_inputs(ctx)
        estimator = ctx.model
        path = ctx.dir / ONNX_FILE
        remove_onnx(path)
        framework = _framework(estimator)
        try:
            if framework in ("xgboost", "lightgbm"):
                model, exporter = _onnxmltools(estimator, X, ctx.options.onnx_opset), "onnxmltools"
            else:
                model, exporter = _skl2onnx(estimator, X, ctx.options.onnx_opset), "skl2onnx"
        except Exception as error:
            raise StageError(self.name, not_convertible(estimator, framework, error)) from error
        save_onnx(model, path)
        ctx.state.exporter = exporter
        ctx.state.exporter_notes = {"inputs": note} if note else {}
        ctx.state.artifacts["onnx"] = ONNX_FILE
        ctx.state.opset = onnx_opset(path)


def not_convertible(estimator, framework: str, error: BaseException) -> str:
    """One line: why the converter could not convert the estimator, in the converter's words."""
    name = type(estimator).__name__
    reason = one_line(root_cause(error))
    converter = "onnxmltools" if framework in ("xgboost", "lightgbm") else "skl2onnx"
    if "shape calculator" in reason or "converter" in reason.lower() or "not supported" in reason.lower():
        if framework not in ("sklearn", "xgboost", "lightgbm"):  # a class of the user's (or a third party's)
            return (f"{name} is not convertible: no ONNX converter for {name} (defined in "
                    f"{type(estimator).__module__}, not scikit-learn; register one with "
                    "skl2onnx.update_registered_converter)")
        return f"no ONNX converter for {name}: {reason}"
    return f"{name} is not convertible: {converter} failed: {reason}"


def _skl2onnx(estimator, X, opset):
    from skl2onnx import to_onnx

    _register_boosters()
    try:
        return to_onnx(estimator, X[:1], target_opset=opset, options=_no_zipmap(estimator))
    except RuntimeError as error:
        if "ai.onnx.ml" not in str(error) or "target_opset" not in str(error):
            raise
    # "The model is using version 4 of domain 'ai.onnx.ml' not supported yet ... specify
    # target_opset={'ai.onnx.ml': 3}" (e.g. IsolationForest): as the converter says
    from skl2onnx import get_latest_tested_opset_version

    target = {"": opset or get_latest_tested_opset_version(), "ai.onnx.ml": 3}
    return to_onnx(estimator, X[:1], target_opset=target, options=_no_zipmap(estimator))


def _no_zipmap(estimator) -> dict:
    """Classifiers (also as pipeline steps) output a probability tensor, not a list of dicts."""
    from sklearn.base import is_classifier

    options = {}
    pending = [estimator]
    while pending:
        current = pending.pop()
        if is_classifier(current):
            options[id(current)] = {"zipmap": False}
        pending += [step for _, step in getattr(current, "steps", None) or [] if hasattr(step, "get_params")]
    return options


def _onnxmltools(estimator, X, opset):
    from onnxmltools.convert.common.data_types import FloatTensorType

    initial = [("X", FloatTensorType([None, X.shape[1]]))]
    if _framework(estimator) == "xgboost":
        from onnxmltools import convert_xgboost

        return convert_xgboost(estimator, initial_types=initial, target_opset=opset)
    from onnxmltools import convert_lightgbm

    return convert_lightgbm(estimator, initial_types=initial, target_opset=opset, zipmap=False)


_REGISTERED = False


def _register_boosters() -> None:
    """Let skl2onnx convert XGBoost / LightGBM estimators inside pipelines (with onnxmltools)."""
    global _REGISTERED
    if _REGISTERED:
        return
    _REGISTERED = True
    import sys

    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import calculate_linear_classifier_output_shapes

    if "xgboost" in sys.modules:
        from onnxmltools.convert.xgboost.operator_converters.XGBoost import convert_xgboost
        from xgboost import XGBClassifier

        update_registered_converter(
            XGBClassifier, "XGBoostXGBClassifier", calculate_linear_classifier_output_shapes,
            convert_xgboost, options={"nocl": [True, False], "zipmap": [True, False, "columns"]},
        )
    if "lightgbm" in sys.modules:
        from lightgbm import LGBMClassifier
        from onnxmltools.convert.lightgbm.operator_converters.LightGbm import convert_lightgbm

        update_registered_converter(
            LGBMClassifier, "LightGbmLGBMClassifier", calculate_linear_classifier_output_shapes,
            convert_lightgbm, options={"nocl": [True, False], "zipmap": [True, False, "columns"]},
        )


class SklearnSaveInputs(SaveInputsAndReference):
    def named_arrays(self, ctx: BuildContext):
        return [("X", float32_inputs(ctx)[0])]

    def reference(self, ctx: BuildContext) -> list:
        return estimator_outputs(ctx.model, ctx.args[0], _onnx_output_names(ctx))


def _onnx_output_names(ctx: BuildContext) -> list[str]:
    import onnx

    return [o.name for o in onnx.load(str(ctx.path("onnx")), load_external_data=False).graph.output]


def output_methods(estimator, names: list[str]) -> list[str | None]:
    """The estimator method each ONNX output reproduces (skl2onnx / onnxmltools names them):
    ``label`` is ``predict``; ``probabilities`` is ``predict_proba`` (``decision_function`` for a
    classifier without probabilities, e.g. ``SVC()``); ``scores`` is a clusterer's ``transform``
    (KMeans' distances) or an outlier detector's ``decision_function``; ``variable`` is a
    regressor's ``predict`` or a transformer's ``transform``. None: no method matches."""
    from sklearn.base import is_clusterer

    def has(method: str) -> bool:
        try:
            return callable(getattr(estimator, method, None))
        except Exception:  # available_if raising something other than AttributeError
            return False

    methods: list[str | None] = []
    for name in names:
        if name == "label":
            method = "predict"
        elif name == "probabilities":
            method = "predict_proba" if has("predict_proba") else "decision_function"
        elif name == "scores":
            method = "transform" if is_clusterer(estimator) and has("transform") else "decision_function"
        elif name == "variable" or len(names) == 1:
            method = "predict" if has("predict") else "transform"
        else:
            method = None
        methods.append(method if method and has(method) else None)
    return methods


def estimator_outputs(estimator, X, names: list[str]) -> list:
    """The estimator's own outputs in the order of the ONNX graph's (``output_methods``); an output
    no method reproduces is ``NotCompared`` (the check says so). A method that fails is a
    ``StageError`` with its reason."""
    import numpy as np


    outputs: list = []
    for name, method in zip(names, output_methods(estimator, names)):
        if method is None:
            outputs.append(NotCompared(f"no {type(estimator).__name__} method matches ONNX output {name!r}"))
            continue
        try:
            value = np.asarray(getattr(estimator, method)(X))
        except Exception as error:
            raise StageError("save_inputs", f"{type(estimator).__name__}.{method} (the reference for ONNX output "
                             f"{name!r}) failed: {one_line(root_cause(error))}") from error
        if method == "decision_function" and value.ndim == 1 and name == "probabilities":
            # a binary classifier's one score against the graph's two columns, whose signs differ
            # between converters (SVC: [d, -d], raw scores of linear models: [-d, d])
            value = NotCompared(f"{type(estimator).__name__}.decision_function has one column, ONNX output "
                                f"{name!r} two (one per class)")
        outputs.append(value)
    return outputs


def sklearn_sequence(options: BuildOptions) -> Sequence:
    """convert (skl2onnx | onnxmltools) -> check -> save inputs + reference [-> fp16 | int8] -> optimize."""
    check, *rest = onnx_stages(options)
    return Sequence("sklearn", [SklearnExportOnnx(), check, SklearnSaveInputs(), *rest])
