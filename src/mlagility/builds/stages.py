"""The built-in stages and the default sequences (PyTorch invocations, ``.onnx`` files).

Stages import torch/onnx/onnxruntime inside ``run`` so that importing this module stays cheap.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

from mlagility.analysis.hashing import bind_inputs, flatten_tensors
from mlagility.analysis.torch_state import clean_context, preserved_state
from mlagility.builds.onnx_tools import describe_onnx, match_inputs, onnx_graph_inputs, onnx_opset, onnx_signature, remove_onnx, save_onnx
from mlagility.builds.options import BuildOptions
from mlagility.builds.stage import BuildContext, Sequence, Stage
from mlagility.common.compat import guard_triton_after_tensorflow
from mlagility.common.exceptions import StageError, one_line, root_cause
from mlagility.runtimes.outputs import load_outputs, save_outputs

ONNX_FILE = "model.onnx"
OPTIMIZED_FILE = "model-opt.onnx"
CONVERTED_FILE = "model-converted.onnx"
INPUTS_FILE = "inputs.npz"
REFERENCE_FILE = "reference_outputs.npz"


class ExportStage(Stage):
    """Try the exporters in turn; the first that works writes ``model.onnx``. Each failure is
    noted in ``state.exporter_notes``; if all fail, the stage fails with every reason.

    Subclasses give ``exporters(ctx)`` (``[(name, export(ctx, path))]``) and may override
    ``retry(ctx, reason)``: return a label when they changed something that makes the same
    exporter worth another try (its failure is then noted under that label).
    """

    name = "export"
    description = "Exporting to ONNX"
    produces = ("onnx",)

    def exporters(self, ctx: BuildContext) -> list:
        raise NotImplementedError

    def retry(self, ctx: BuildContext, reason: str) -> str | None:
        return None

    def run(self, ctx: BuildContext) -> None:
        failures: dict[str, str] = {}
        attempts = list(self.exporters(ctx))
        path = ctx.dir / ONNX_FILE
        while attempts:
            exporter, export = attempts.pop(0)
            remove_onnx(path)
            try:
                print(f"--- exporting with the {exporter} exporter, overrides {ctx.state.call_overrides}")
                export(ctx, path)
            except Exception as error:  # any exporter failure: note it and try the next one
                traceback.print_exc()
                reason = one_line(root_cause(error))
                label = self.retry(ctx, reason)
                failures[f"{exporter} ({label})" if label else exporter] = reason
                if label:
                    attempts.insert(0, (exporter, export))
                continue
            ctx.state.exporter = exporter
            ctx.state.exporter_notes = {k: f"failed: {v}" for k, v in failures.items()}
            ctx.state.artifacts["onnx"] = ONNX_FILE
            ctx.state.opset = onnx_opset(path)
            return
        remove_onnx(path)
        raise StageError(self.name, "; ".join(f"{k} exporter: {v}" for k, v in failures.items()))


class ExportOnnx(ExportStage):
    """Export with the dynamo exporter; fall back to the TorchScript exporter, noting why.

    A transformers model whose forward returns a cache object (``DynamicCache``...) cannot be
    exported as is; it is exported with ``use_cache=False`` (the same computation for one forward
    pass), recorded in ``state.call_overrides`` so that inputs and the correctness check match.
    """

    def exporters(self, ctx: BuildContext) -> list:
        return [("dynamo", lambda c, p: self._export(c, p, dynamo=True)),
                ("torchscript", lambda c, p: self._export(c, p, dynamo=False))]

    def retry(self, ctx: BuildContext, reason: str) -> str | None:
        if _returns_cache(reason) and _accepts(ctx.model, "use_cache") and not ctx.state.call_overrides:
            ctx.state.call_overrides = {"use_cache": False}
            return "use_cache=True"
        return None

    @staticmethod
    def _export(ctx: BuildContext, path: Path, dynamo: bool) -> None:
        """Export in a clean context (the script's autocast, inference mode or default dtype never
        reach the exporter) and leave the model's parameters, buffers and flags as they were."""
        import torch

        guard_triton_after_tensorflow()

        options: dict[str, Any] = {"opset_version": ctx.options.onnx_opset, "dynamo": dynamo,
                                   "kwargs": ctx.call_kwargs() or None}
        if dynamo:
            options.update(verbose=False, external_data=True)
        with preserved_state(ctx.model, clone_parameters=False), clean_context():
            model = ctx.model
            if dynamo and isinstance(model, torch.jit.ScriptModule):
                model = _script_to_exported_program(ctx)
                options.pop("kwargs")
            torch.onnx.export(model, ctx.args, str(path), **options)


def _script_to_exported_program(ctx: BuildContext):
    """A ``torch.jit.script``/``trace`` model as an ``ExportedProgram`` (the dynamo exporter cannot
    trace TorchScript; the TorchScript exporter fails on e.g. ``Dict[str, Tensor]`` outputs)."""
    from torch._export.converter import TS2EPConverter

    if ctx.call_kwargs():
        raise ValueError("a TorchScript model called with keyword arguments cannot be converted")
    print("--- TorchScript model: converting with torch._export.converter.TS2EPConverter first")
    return TS2EPConverter(ctx.model, tuple(ctx.args)).convert()


class ReferenceOutputs(Stage):
    """PyTorch eager's outputs for the build's inputs, from the weights the build is made from
    (``reference_outputs.npz``): a reused build is checked against its own weights, whatever the
    script's current weights are (an unseeded script gets new random weights on every run)."""

    name = "reference"
    description = "Computing PyTorch eager reference outputs"
    produces = ("reference",)

    def run(self, ctx: BuildContext) -> None:
        import torch

        with preserved_state(ctx.model, clone_parameters=False), clean_context(), torch.inference_mode():
            outputs = ctx.model(*ctx.args, **ctx.call_kwargs())
        save_outputs(ctx.dir / REFERENCE_FILE, outputs)
        ctx.state.artifacts["reference"] = REFERENCE_FILE


def load_reference_outputs(build_dir: Path, state) -> list | None:
    """The reference outputs a build saved (None when it has none, e.g. ``.onnx`` inputs)."""
    relative = state.artifacts.get("reference")
    path = Path(build_dir) / relative if relative else None
    return load_outputs(path) if path is not None and path.is_file() else None


def _returns_cache(reason: str) -> bool:
    return "cache_utils" in reason or "Cache'> in output" in reason


def _accepts(model, parameter: str) -> bool:
    import inspect

    try:
        return parameter in inspect.signature(model.forward).parameters
    except (TypeError, ValueError):
        return False


class CheckOnnx(Stage):
    """``onnx.checker``, then the facts of the model: ops, opset, sizes, inputs/outputs, FLOPs."""

    name = "check"
    description = "Checking the ONNX file"
    needs = ("onnx",)

    def run(self, ctx: BuildContext) -> None:
        import onnx

        onnx.checker.check_model(str(ctx.path("onnx")))
        ctx.state.opset = onnx_opset(ctx.path("onnx"))
        ctx.state.onnx_inputs = [value.name for value in onnx_graph_inputs(ctx.path("onnx"))]
        ctx.state.onnx_stats = describe_onnx(ctx.path("onnx"))


class SaveInputs(Stage):
    """Save the real inputs as ``inputs.npz``, keyed by the ONNX graph's input names."""

    name = "save_inputs"
    description = "Saving inputs"
    needs = ("onnx",)
    produces = ("inputs",)

    def run(self, ctx: BuildContext) -> None:
        import numpy as np

        flat = flatten_tensors(bind_inputs(ctx.model, ctx.args, ctx.call_kwargs()))
        names = ctx.state.onnx_inputs
        tensors = match_inputs(names, flat)
        arrays = {name: _to_numpy(tensor) for name, tensor in zip(names, tensors)}
        np.savez(ctx.dir / INPUTS_FILE, **arrays)
        ctx.state.artifacts["inputs"] = INPUTS_FILE


def _to_numpy(tensor):
    import torch

    tensor = tensor.detach().cpu()
    if tensor.dtype == torch.bfloat16:
        raise ValueError("bfloat16 inputs cannot be saved as numpy arrays; call the model with float32")
    return tensor.numpy()


class OptimizeOnnx(Stage):
    """Offline graph optimization with ONNX Runtime (extended level, portable across CPUs).

    Only runtimes that accept ORT's CPU-optimized file use it; so where ONNX Runtime cannot load
    or optimize the file (a bf16 model...), the stage records why and produces nothing: the
    other runtimes run the exported file, and ``ort`` fails with ONNX Runtime's own reason."""

    name = "optimize"
    description = "Optimizing the ONNX file"
    needs = ("onnx",)
    produces = ("optimized",)

    def run(self, ctx: BuildContext) -> None:
        import onnxruntime as ort

        out = ctx.dir / OPTIMIZED_FILE
        remove_onnx(out)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        options.optimized_model_filepath = str(out)
        options.add_session_config_entry(
            "session.optimized_model_external_initializers_file_name", OPTIMIZED_FILE + ".data"
        )
        options.add_session_config_entry(
            "session.optimized_model_external_initializers_min_size_in_bytes", "1024"
        )
        source = ctx.current_onnx_key()
        try:  # an optimization only ORT's CPU provider uses never blocks the other runtimes
            ort.InferenceSession(str(ctx.path(source)), options, providers=["CPUExecutionProvider"])
        except Exception as error:
            print(f"ONNX Runtime cannot optimize this file; runtimes will use the exported one: {error}")
            ctx.state.exporter_notes["optimize"] = f"not optimized (ONNX Runtime: {one_line(error)})"
            remove_onnx(out)
            return
        try:  # ONNX Runtime can write an optimized file it cannot load back (seen with Loop nodes)
            check = ort.SessionOptions()
            check.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
            ort.InferenceSession(str(out), check, providers=["CPUExecutionProvider"])
        except Exception as error:
            print(f"the optimized model does not load; runtimes will use the exported one: {error}")
            ctx.state.exporter_notes["optimize"] = f"optimized file unusable, not used: {one_line(error)}"
            remove_onnx(out)
            return
        ctx.state.artifacts["optimized"] = OPTIMIZED_FILE
        ctx.state.derived_from["optimized"] = source


class ConvertFp16(Stage):
    """fp16 weights and compute, keeping fp32 inputs and outputs (``--precision fp16``)."""

    name = "convert_fp16"
    description = "Converting to fp16"
    needs = ("onnx",)
    produces = ("converted",)

    def run(self, ctx: BuildContext) -> None:
        import onnx
        from onnxruntime.transformers.float16 import convert_float_to_float16

        model = onnx.load(str(ctx.path("onnx")))
        converted = convert_float_to_float16(model, keep_io_types=True, disable_shape_infer=True)
        save_onnx(converted, ctx.dir / CONVERTED_FILE)
        ctx.state.artifacts["converted"] = CONVERTED_FILE
        ctx.state.derived_from["converted"] = "onnx"


class QuantizeInt8(Stage):
    """ONNX Runtime dynamic quantization to int8 weights (``--quantize int8``)."""

    name = "quantize_int8"
    description = "Quantizing to int8"
    needs = ("onnx",)
    produces = ("converted",)

    def run(self, ctx: BuildContext) -> None:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        out = ctx.dir / CONVERTED_FILE
        remove_onnx(out)
        quantize_dynamic(str(ctx.path("onnx")), str(out), weight_type=QuantType.QInt8, use_external_data_format=True)
        ctx.state.artifacts["converted"] = CONVERTED_FILE
        ctx.state.derived_from["converted"] = "onnx"


class UseOnnxFile(Stage):
    """For ``.onnx`` inputs: benchmark the file as given (no copy, no re-export)."""

    name = "load_onnx"
    description = "Reading the ONNX file"
    produces = ("onnx",)

    def run(self, ctx: BuildContext) -> None:
        ctx.state.artifacts["onnx"] = str(ctx.onnx_source.resolve())
        ctx.state.exporter = "provided"
        ctx.state.opset = onnx_opset(ctx.onnx_source)


class RandomInputs(Stage):
    """For ``.onnx`` inputs: random inputs from the graph's signature (static shapes only)."""

    name = "random_inputs"
    description = "Generating inputs"

    def run(self, ctx: BuildContext) -> None:
        import numpy as np

        rng = np.random.default_rng(0)
        arrays = {}
        for spec in onnx_signature(ctx.path("onnx")):
            for axis, dim in enumerate(spec["shape"]):
                if isinstance(dim, str):
                    raise ValueError(
                        f"input '{spec['name']}' has a dynamic dimension '{dim}' (axis {axis}); "
                        "make it static, e.g. python -m onnxruntime.tools.make_dynamic_shape_fixed "
                        f"--input_name {spec['name']} --input_shape 1,2,3 model.onnx fixed.onnx"
                    )
            arrays[spec["name"]] = _random_array(rng, np.dtype(spec["dtype"]), spec["shape"])
        ctx.state.onnx_inputs = list(arrays)
        np.savez(ctx.dir / INPUTS_FILE, **arrays)
        ctx.state.artifacts["inputs"] = INPUTS_FILE


def _random_array(rng, dtype, shape):
    import numpy as np

    if dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if np.issubdtype(dtype, np.integer):
        return rng.integers(0, 100, size=shape).astype(dtype)
    return rng.standard_normal(size=shape).astype(dtype)


def export_sequence() -> Sequence:
    return Sequence("export", [ReferenceOutputs(), ExportOnnx(), CheckOnnx(), SaveInputs()])


def pytorch_sequence(options: BuildOptions) -> Sequence:
    """export -> check -> save inputs [-> fp16 | int8] -> optimize.

    ``--export-only`` stops after the export's check and saved inputs.
    """
    if options.export_only:
        return export_sequence()
    convert = {"fp16": [ConvertFp16()]}.get(options.precision, [])
    if options.quantize == "int8":
        convert = [QuantizeInt8()]
    return Sequence("pytorch", [export_sequence(), *convert, OptimizeOnnx()])


def onnx_file_sequence(options: BuildOptions) -> Sequence:
    return Sequence("onnx_file", [UseOnnxFile(), CheckOnnx(), RandomInputs()])


