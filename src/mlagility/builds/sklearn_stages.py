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
            reason = one_line(root_cause(error))
            if "shape calculator" in reason or "converter" in reason.lower() or "not supported" in reason.lower():
                raise StageError(self.name, f"no ONNX converter for {type(estimator).__name__}: {reason}")
            raise
        save_onnx(model, path)
        ctx.state.exporter = exporter
        ctx.state.exporter_notes = {"inputs": note} if note else {}
        ctx.state.artifacts["onnx"] = ONNX_FILE
        ctx.state.opset = onnx_opset(path)


def _skl2onnx(estimator, X, opset):
    from skl2onnx import to_onnx

    _register_boosters()
    return to_onnx(estimator, X[:1], target_opset=opset, options=_no_zipmap(estimator))


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
        return estimator_outputs(ctx.model, ctx.args[0], _onnx_output_count(ctx))


def _onnx_output_count(ctx: BuildContext) -> int:
    import onnx

    return len(onnx.load(str(ctx.path("onnx")), load_external_data=False).graph.output)


def estimator_outputs(estimator, X, count: int) -> list:
    """The estimator's own outputs in the order of the ONNX graph's: labels then probabilities
    (or scores) for a classifier, predictions for a regressor, the transform for a transformer."""
    import numpy as np

    if hasattr(estimator, "predict"):
        outputs = [estimator.predict(X)]
        if count > 1:
            second = "predict_proba" if hasattr(estimator, "predict_proba") else "decision_function"
            outputs.append(getattr(estimator, second)(X))
    else:
        outputs = [estimator.transform(X)]
    return [np.asarray(o) for o in outputs]


def sklearn_sequence(options: BuildOptions) -> Sequence:
    """convert (skl2onnx | onnxmltools) -> check -> save inputs + reference [-> fp16 | int8] -> optimize."""
    check, *rest = onnx_stages(options)
    return Sequence("sklearn", [SklearnExportOnnx(), check, SklearnSaveInputs(), *rest])
