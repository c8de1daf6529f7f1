"""ONNX helpers: opset, graph inputs and signature, saving/removing files, and the facts of a file
(op counts, opset, IR version, sizes, inputs/outputs, FLOPs estimate)."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any


def describe_onnx(path: Path) -> dict[str, Any]:
    """A JSON/YAML-ready description; FLOPs = 2 x MACs of Conv, Gemm and MatMul nodes."""
    import onnx

    path = Path(path)
    model = onnx.load(str(path), load_external_data=False)
    try:
        inferred = onnx.shape_inference.infer_shapes(model)
    except Exception:  # shape inference is best effort: FLOPs then count what has shapes
        inferred = model
    graph = inferred.graph
    initializers = {init.name for init in graph.initializer}
    data_files = {
        entry.value
        for init in graph.initializer
        for entry in init.external_data
        if entry.key == "location"
    }
    return {
        "opset": next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None),
        "ir_version": model.ir_version,
        "ops": dict(sorted(Counter(node.op_type for node in graph.node).items())),
        "nodes": len(graph.node),
        "params": sum(math.prod(init.dims) for init in graph.initializer),
        "file_bytes": path.stat().st_size + sum((path.parent / f).stat().st_size for f in data_files if (path.parent / f).exists()),
        "inputs": [_value(v) for v in graph.input if v.name not in initializers],
        "outputs": [_value(v) for v in graph.output],
        "flops": estimate_flops(graph),
    }


def _dims(value) -> list:
    return [
        d.dim_value if d.HasField("dim_value") else (d.dim_param or "?")
        for d in value.type.tensor_type.shape.dim
    ]


def _value(value) -> dict[str, Any]:
    from onnx import helper

    elem = value.type.tensor_type.elem_type
    return {"name": value.name, "shape": _dims(value), "dtype": helper.tensor_dtype_to_np_dtype(elem).name if elem else "?"}


def estimate_flops(graph) -> int:
    """2 x multiply-accumulates of Conv, ConvTranspose, Gemm and MatMul (attention included)."""
    shapes: dict[str, list] = {}
    for value in [*graph.input, *graph.value_info, *graph.output]:
        shapes[value.name] = _dims(value)
    for init in graph.initializer:
        shapes[init.name] = list(init.dims)
    macs = 0
    for node in graph.node:
        macs += _node_macs(node, shapes)
    return int(2 * macs)


def _known(shape) -> bool:
    return shape is not None and all(isinstance(d, int) and d > 0 for d in shape)


def _node_macs(node, shapes) -> int:
    out = shapes.get(node.output[0]) if node.output else None
    if node.op_type in ("Conv", "ConvTranspose") and len(node.input) > 1:
        weight = shapes.get(node.input[1])
        if _known(out) and _known(weight):
            if node.op_type == "Conv":  # each output element: Cin/groups * kernel MACs
                return math.prod(out) * math.prod(weight[1:])
            source = shapes.get(node.input[0])
            return math.prod(source) * math.prod(weight[1:]) if _known(source) else 0
    if node.op_type in ("Gemm", "MatMul") and len(node.input) > 1:
        a = shapes.get(node.input[0])
        if _known(out) and _known(a) and a:
            transposed = node.op_type == "Gemm" and any(at.name == "transA" and at.i for at in node.attribute)
            inner = a[-2] if transposed and len(a) > 1 else a[-1]
            return math.prod(out) * inner
    return 0


def remove_onnx(path: Path) -> None:
    """Delete an ONNX file and its external-data file."""
    for candidate in (path, path.with_name(path.name + ".data")):
        candidate.unlink(missing_ok=True)


def save_onnx(model, path: Path) -> None:
    """Save a ``ModelProto`` with its weights in ``<name>.data`` beside it."""
    import onnx

    remove_onnx(path)
    onnx.save_model(model, str(path), save_as_external_data=True, location=path.name + ".data")


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




def onnx_precision(path: Path) -> dict[str, Any]:
    """The precision of an ONNX file, read from the file itself.

    Returns ``{"precision": label, "weights": {dtype: elements}, "inputs": [dtypes],
    "outputs": [dtypes]}``. The label is the dtype holding most initializer elements: ``fp32``,
    ``fp16``, ``bf16``, ``int8`` (int8/uint8 weights), else the dtype's name; a file without
    weights takes its inputs' float dtype.
    """
    import onnx
    from onnx import helper

    model = onnx.load(str(path), load_external_data=False)
    graph = model.graph
    weights: Counter = Counter()
    for init in graph.initializer:
        weights[helper.tensor_dtype_to_np_dtype(init.data_type).name if init.data_type != onnx.TensorProto.BFLOAT16
                else "bfloat16"] += math.prod(init.dims)
    initializers = {init.name for init in graph.initializer}
    io = lambda values: [_value(v)["dtype"] for v in values if v.name not in initializers]  # noqa: E731
    inputs, outputs = io(graph.input), io(graph.output)
    labels = {"float32": "fp32", "float16": "fp16", "bfloat16": "bf16", "int8": "int8", "uint8": "int8",
              "float64": "fp64"}
    dominant = weights.most_common(1)[0][0] if weights else next(
        (d for d in inputs if d.startswith(("float", "bfloat"))), "fp32")
    return {"precision": labels.get(dominant, dominant), "weights": dict(weights), "inputs": inputs,
            "outputs": outputs}


def match_inputs(names: list[str], named: list[tuple[str, Any]]) -> list[Any]:
    """The call's values in the order of the ONNX graph's inputs ``names``: by name where every
    name matches, else by position when the counts agree; raises ``ValueError`` otherwise."""
    by_name = dict(named)
    if all(name in by_name for name in names):
        return [by_name[name] for name in names]
    if len(named) == len(names):
        return [value for _, value in named]
    raise ValueError(f"the ONNX file has inputs {names} but the model was called with {[n for n, _ in named]}")
