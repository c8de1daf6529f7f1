"""Build stages: each turns part of a ``BuildContext`` into artifacts in the build directory.

Stages import torch/onnx/onnxruntime inside ``run`` so that importing this module stays cheap.
"""

from __future__ import annotations

import shutil
import traceback
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlagility.build.options import BuildOptions
from mlagility.build.state import BuildState
from mlagility.common.exceptions import StageError, one_line, root_cause

ONNX_FILE = "model.onnx"
OPTIMIZED_FILE = "model-opt.onnx"
INPUTS_FILE = "inputs.npz"


@dataclass
class BuildContext:
    """What stages read and write. ``model``/``args``/``kwargs`` are absent for ``.onnx`` inputs."""

    dir: Path
    state: BuildState
    options: BuildOptions
    model: Any = None
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    onnx_source: Path | None = None

    def path(self, key: str) -> Path | None:
        relative = self.state.artifacts.get(key)
        return None if relative is None else self.dir / relative


class Stage(ABC):
    name: str = ""
    description: str = ""

    @abstractmethod
    def run(self, ctx: BuildContext) -> None:
        """Do the work, record artifacts in ``ctx.state``; raise on failure."""


def onnx_opset(path: Path) -> int | None:
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)


def onnx_graph_inputs(path: Path) -> list[Any]:
    """The graph inputs that are real inputs (not initializers), as ONNX ValueInfo."""
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    initializers = {init.name for init in graph.initializer}
    return [value for value in graph.input if value.name not in initializers]


class ExportOnnx(Stage):
    """Export with the dynamo exporter; fall back to the TorchScript exporter, noting why."""

    name = "export"
    description = "Exporting to ONNX"
    EXPORTERS = ("dynamo", "torchscript")

    def run(self, ctx: BuildContext) -> None:
        failures: dict[str, str] = {}
        for exporter in self.EXPORTERS:
            path = ctx.dir / ONNX_FILE
            _remove_onnx(path)
            try:
                print(f"--- exporting with the {exporter} exporter")
                self._export(ctx, path, dynamo=exporter == "dynamo")
            except Exception as error:  # any exporter failure: note it and try the next one
                traceback.print_exc()
                failures[exporter] = one_line(root_cause(error))
                continue
            ctx.state.exporter = exporter
            ctx.state.exporter_notes = {k: f"failed: {v}" for k, v in failures.items()}
            ctx.state.artifacts["onnx"] = ONNX_FILE
            ctx.state.opset = onnx_opset(path)
            return
        _remove_onnx(ctx.dir / ONNX_FILE)
        raise StageError(self.name, "; ".join(f"{k} exporter: {v}" for k, v in failures.items()))

    @staticmethod
    def _export(ctx: BuildContext, path: Path, dynamo: bool) -> None:
        import torch

        kwargs: dict[str, Any] = {"opset_version": ctx.options.onnx_opset, "dynamo": dynamo}
        args = ctx.args
        if dynamo:
            kwargs.update(kwargs=ctx.kwargs or None, verbose=False, external_data=True)
        elif ctx.kwargs:
            args = (*args, dict(ctx.kwargs))
        with torch.inference_mode(False), torch.no_grad():
            torch.onnx.export(ctx.model, args, str(path), **kwargs)


def _remove_onnx(path: Path) -> None:
    for candidate in (path, path.with_name(path.name + ".data")):
        candidate.unlink(missing_ok=True)


class CheckOnnx(Stage):
    name = "check"
    description = "Checking the ONNX file"

    def run(self, ctx: BuildContext) -> None:
        import onnx

        onnx.checker.check_model(str(ctx.path("onnx")))
        ctx.state.opset = onnx_opset(ctx.path("onnx"))
        ctx.state.onnx_inputs = [value.name for value in onnx_graph_inputs(ctx.path("onnx"))]


class SaveInputs(Stage):
    """Save the real inputs as ``inputs.npz``, keyed by the ONNX graph's input names."""

    name = "save_inputs"
    description = "Saving inputs"

    def run(self, ctx: BuildContext) -> None:
        import numpy as np

        from mlagility.analysis.hashing import bind_inputs, flatten_tensors

        flat = flatten_tensors(bind_inputs(ctx.model, ctx.args, ctx.kwargs))
        names = ctx.state.onnx_inputs
        by_name = dict(flat)
        if all(name in by_name for name in names):
            tensors = [by_name[name] for name in names]
        elif len(flat) == len(names):
            tensors = [tensor for _, tensor in flat]
        else:
            raise ValueError(
                f"the ONNX file has inputs {names} but the model was called with tensors "
                f"{[name for name, _ in flat]}"
            )
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
    """Offline graph optimization with ONNX Runtime (extended level, portable across CPUs)."""

    name = "optimize"
    description = "Optimizing the ONNX file"

    def run(self, ctx: BuildContext) -> None:
        import onnxruntime as ort

        out = ctx.dir / OPTIMIZED_FILE
        _remove_onnx(out)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        options.optimized_model_filepath = str(out)
        options.add_session_config_entry(
            "session.optimized_model_external_initializers_file_name", OPTIMIZED_FILE + ".data"
        )
        options.add_session_config_entry(
            "session.optimized_model_external_initializers_min_size_in_bytes", "1024"
        )
        ort.InferenceSession(str(ctx.path("onnx")), options, providers=["CPUExecutionProvider"])
        ctx.state.artifacts["optimized"] = OPTIMIZED_FILE


class UseOnnxFile(Stage):
    """For ``.onnx`` inputs: benchmark the file as given (no copy, no re-export)."""

    name = "load_onnx"
    description = "Reading the ONNX file"

    def run(self, ctx: BuildContext) -> None:
        ctx.state.artifacts["onnx"] = str(ctx.onnx_source.resolve())
        ctx.state.exporter = "provided"
        ctx.state.opset = onnx_opset(ctx.onnx_source)


def onnx_signature(path: Path) -> list[dict[str, Any]]:
    """Name, shape and numpy dtype of each graph input; a dynamic dimension is its name (str)."""
    import numpy as np
    from onnx import helper

    signature = []
    for value in onnx_graph_inputs(path):
        tensor_type = value.type.tensor_type
        shape = [
            dim.dim_value if dim.HasField("dim_value") and dim.dim_value > 0 else (dim.dim_param or "?")
            for dim in tensor_type.shape.dim
        ]
        dtype = np.dtype(helper.tensor_dtype_to_np_dtype(tensor_type.elem_type))
        signature.append({"name": value.name, "shape": shape, "dtype": str(dtype)})
    return signature


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


def pytorch_sequence(options: BuildOptions) -> list[Stage]:
    """export -> check -> save inputs -> optimize (``export_only`` stops after the check)."""
    stages: list[Stage] = [ExportOnnx(), CheckOnnx(), SaveInputs()]
    return stages if options.export_only else [*stages, OptimizeOnnx()]


def onnx_file_sequence(options: BuildOptions) -> list[Stage]:
    return [UseOnnxFile(), CheckOnnx(), RandomInputs()]


def remove_artifacts(build_dir: Path) -> None:
    """Delete everything a build produced except logs (used before a rebuild)."""
    for child in build_dir.iterdir():
        if child.name.startswith("log_") or child.name.startswith("."):
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink(missing_ok=True)
