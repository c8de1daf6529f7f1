"""Keras stages: export with Keras' own ONNX exporter, tf2onnx as the fallback (recorded)."""

from __future__ import annotations

from mlagility.builds.framework_stages import SaveInputsAndReference, onnx_stages
from mlagility.builds.options import BuildOptions
from mlagility.builds.stage import BuildContext, Sequence
from mlagility.builds.stages import ExportStage
from mlagility.frameworks.keras.discovery import model_input_names, named_inputs


class KerasExportOnnx(ExportStage):
    """``model.export(format="onnx")`` (Keras 3), else ``tf2onnx.convert.from_function`` on a
    ``tf.function`` of the call with the invocation's exact input shapes."""

    def exporters(self, ctx: BuildContext) -> list:
        return [("keras", _export_keras), ("tf2onnx", _export_tf2onnx)]


def _call(ctx: BuildContext):
    return ctx.model(*ctx.args, **ctx.call_kwargs())


def _export_keras(ctx: BuildContext, path) -> None:
    if not getattr(ctx.model, "_called", True):
        _call(ctx)  # Keras exports only a model that has been called once
    ctx.model.export(str(path), format="onnx", opset_version=ctx.options.onnx_opset, verbose=False)


def _export_tf2onnx(ctx: BuildContext, path) -> None:
    import keras
    import numpy as np
    import tensorflow as tf
    import tf2onnx

    try:  # the same numpy 2 compatibility patch Keras applies before calling tf2onnx
        from keras.src.export.tf2onnx_lib import patch_tf2onnx

        patch_tf2onnx()
    except ImportError:
        pass
    structure = (tuple(ctx.args), ctx.call_kwargs())
    leaves = keras.tree.flatten(structure)
    arrays = [np.asarray(leaf) for leaf in leaves if hasattr(leaf, "shape")]
    names = _input_names(ctx.model, len(arrays))
    specs = [tf.TensorSpec(a.shape, tf.as_dtype(a.dtype), name=n) for a, n in zip(arrays, names)]

    def call(*tensors):
        it = iter(tensors)
        filled = [next(it) if hasattr(leaf, "shape") else leaf for leaf in leaves]
        args, kwargs = keras.tree.pack_sequence_as(structure, filled)
        return ctx.model(*args, **kwargs)

    tf2onnx.convert.from_function(
        tf.function(call), input_signature=specs, opset=ctx.options.onnx_opset, output_path=str(path)
    )


def _input_names(model, count: int) -> list[str]:
    names = model_input_names(model)
    return names if len(names) == count else [f"input_{i}" for i in range(count)]


class KerasSaveInputs(SaveInputsAndReference):
    def named_arrays(self, ctx: BuildContext):
        return named_inputs(ctx.model, tuple(ctx.args), ctx.call_kwargs())

    def reference(self, ctx: BuildContext) -> list:
        return keras_outputs(_call(ctx))


def keras_outputs(outputs) -> list:
    """A Keras call's outputs as a flat list of numpy arrays (Keras' own flattening order)."""
    import keras
    import numpy as np

    return [np.asarray(keras.ops.convert_to_numpy(o)) for o in keras.tree.flatten(outputs)]


def keras_sequence(options: BuildOptions) -> Sequence:
    """export (keras, else tf2onnx) -> check -> save inputs + reference [-> fp16 | int8] -> optimize."""
    check, *rest = onnx_stages(options)
    return Sequence("keras", [KerasExportOnnx(), check, KerasSaveInputs(), *rest])
