"""mlagility's support for ``tinyaffine`` models: one package folder plus one entry point."""

from __future__ import annotations

import sys

import numpy as np

from mlagility.analysis.framework_discovery import BaseDiscovery, array_digest
from mlagility.builds.framework_stages import SaveInputsAndReference, onnx_stages
from mlagility.builds.stage import Sequence
from mlagility.builds.stages import ExportStage
from mlagility.frameworks.base import Framework


class AffineDiscovery(BaseDiscovery):
    """Records the script's ``Affine`` calls: ``Affine.__call__`` patched (undone on exit)."""

    model_type = "affine"

    def install(self, module) -> None:
        if module.__name__ != "tinyaffine" or self.patches:
            return
        original = module.Affine.__call__

        def call(model, x):
            if not self.suspended and self.called_from_user_code():
                self.record(model, [("x", np.asarray(x, np.float32))], (x,), {})
            return original(model, x)

        self.patches.set(module.Affine, "__call__", call)

    def describe(self, model) -> tuple[int, float]:
        params = model.W.size + model.b.size
        return params, params * 4 / 1e6

    def model_hash(self, model) -> str:
        return array_digest([np.asarray(model.W.shape), np.asarray(model.b.shape)])


def _export(ctx, path) -> None:
    import onnx
    from onnx import helper, numpy_helper

    x = ctx.args[0]
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["xW"]), helper.make_node("Add", ["xW", "b"], ["y"])],
        "affine",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, list(np.shape(x)))],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [np.shape(x)[0], ctx.model.W.shape[1]])],
        [numpy_helper.from_array(ctx.model.W, "W"), numpy_helper.from_array(ctx.model.b, "b")],
    )
    opset = [helper.make_opsetid("", ctx.options.onnx_opset or 17)]
    # make_model_gen_version: the IR version that goes with the opset (opset 17 -> IR 8), not the
    # newest one this onnx release writes, which an older onnxruntime cannot load
    onnx.save(helper.make_model_gen_version(graph, opset_imports=opset), str(path))


class AffineExport(ExportStage):
    def exporters(self, ctx) -> list:
        return [("onnx-helper", _export)]


class AffineSaveInputs(SaveInputsAndReference):
    def named_arrays(self, ctx):
        return [("x", np.asarray(ctx.args[0], np.float32))]

    def reference(self, ctx) -> list:
        return [ctx.model(*ctx.args)]


class AffineFramework(Framework):
    name = "affine"
    label = "Affine (tinyaffine)"
    roots = ("tinyaffine",)
    reference_label = "tinyaffine"  # "Outputs match tinyaffine"

    @classmethod
    def owns(cls, model) -> bool:
        module = sys.modules.get("tinyaffine")
        return module is not None and isinstance(model, module.Affine)

    @classmethod
    def discovery(cls, script, on_invocation, max_depth=0):
        return AffineDiscovery(script, on_invocation, max_depth)

    @classmethod
    def describe_call(cls, model, inputs, build_name):
        x = inputs[0] if isinstance(inputs, tuple) else inputs
        return AffineDiscovery.invocation_of(model, [("x", np.asarray(x, np.float32))], (x,), {})

    @classmethod
    def weights_hash(cls, model) -> str:
        return array_digest([model.W, model.b])

    @classmethod
    def sequence(cls, options):
        check, *rest = onnx_stages(options)
        return Sequence("affine", [AffineExport(), check, AffineSaveInputs(), *rest])

    @classmethod
    def example(cls):
        import tinyaffine

        return tinyaffine.Affine(16, 4), (np.ones((2, 16), np.float32),)
