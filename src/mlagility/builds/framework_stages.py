"""Build stages and sequences for Keras models and scikit-learn / XGBoost / LightGBM estimators.

Each framework exports its own way (``frameworks/keras/stages.py``, ``frameworks/sklearn/stages.py``),
then saves the inputs (``inputs.npz``, keyed by the ONNX input names, cast to the ONNX input types)
and the reference outputs (``reference.npz``: the framework's own outputs on those inputs, the correctness
reference), then shares the ONNX stages of PyTorch builds: check, fp16/int8, optimize.

A framework's ``sequence(options)`` (``frameworks/base.py``) puts its export stage before these.
"""

from __future__ import annotations

from mlagility.builds.options import BuildOptions
from mlagility.builds.stage import BuildContext, Stage
from mlagility.builds.stages import INPUTS_FILE, CheckOnnx, ConvertFp16, OptimizeOnnx, QuantizeInt8
from mlagility.builds.onnx_tools import match_inputs, onnx_signature
from mlagility.runtimes.outputs import save_outputs

REFERENCE_FILE = "reference.npz"


class SaveInputsAndReference(Stage):
    """Save the inputs under the ONNX input names and the framework's own outputs on them."""

    name = "save_inputs"
    description = "Saving inputs and reference outputs"
    needs = ("onnx",)
    produces = ("inputs", "reference")

    def named_arrays(self, ctx: BuildContext) -> list[tuple[str, object]]:
        raise NotImplementedError

    def reference(self, ctx: BuildContext) -> list:
        raise NotImplementedError

    def run(self, ctx: BuildContext) -> None:
        import numpy as np

        signature = onnx_signature(ctx.path("onnx"))
        names = [spec["name"] for spec in signature]
        arrays = match_inputs(names, self.named_arrays(ctx))
        feeds = {}
        for spec, array in zip(signature, arrays):
            feeds[spec["name"]] = np.asarray(array).astype(np.dtype(spec["dtype"]), copy=False)
        np.savez(ctx.dir / INPUTS_FILE, **feeds)
        ctx.state.artifacts["inputs"] = INPUTS_FILE
        reference = self.reference(ctx)
        reference = _shaped_like_onnx(ctx.path("onnx"), feeds, reference)
        save_outputs(ctx.dir / REFERENCE_FILE, reference)
        ctx.state.artifacts["reference"] = REFERENCE_FILE


def _shaped_like_onnx(onnx_path, feeds: dict, reference: list) -> list:
    """The reference reshaped to the ONNX outputs' shapes where only the layout differs
    (a regressor's ``(n,)`` against ONNX ``(n, 1)``)."""
    import numpy as np
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    outputs = session.run(None, feeds)
    shaped = []
    for ref, out in zip(reference, outputs):
        if not isinstance(ref, np.ndarray):  # NotCompared, or a ZipMap list (runtimes/outputs.py)
            shaped.append(ref)
            continue
        out = np.asarray(out) if isinstance(out, np.ndarray) else None
        shaped.append(ref.reshape(out.shape) if out is not None and ref.shape != out.shape
                      and ref.size == out.size else ref)
    return shaped + list(reference[len(shaped):])


def onnx_stages(options: BuildOptions) -> list[Stage]:
    """What follows the export: check [-> fp16 | int8] -> optimize (``--export-only``: check)."""
    if options.export_only:
        return [CheckOnnx()]
    convert = {"fp16": [ConvertFp16()]}.get(options.precision, [])
    if options.quantize == "int8":
        convert = [QuantizeInt8()]
    return [CheckOnnx(), *convert, OptimizeOnnx()]
