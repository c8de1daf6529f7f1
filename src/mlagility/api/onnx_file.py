"""Benchmarking an ``.onnx`` file given on the command line, as it is."""

from __future__ import annotations

from pathlib import Path

from mlagility.analysis.hashing import invocation_hash
from mlagility.analysis.model_info import InputSpec, Invocation, ModelInfo
from mlagility.api.pipeline import run_invocation
from mlagility.api.request import BenchmarkRequest
from mlagility.api.results import InvocationResult, Reporter
from mlagility.builds.cache import derive_build_name
from mlagility.builds.onnx_tools import onnx_signature
from mlagility.builds.stages import onnx_file_sequence
from mlagility.common.exceptions import one_line
from mlagility.common.filesystem import file_sha256


def _file_hash(path: Path) -> str:
    return file_sha256(path)[:8]


def describe_onnx_file(path: Path) -> tuple[ModelInfo, Invocation]:
    import math

    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    params = sum(math.prod(init.dims) for init in graph.initializer)
    file_hash = _file_hash(path)
    info = ModelInfo(
        name=path.stem,
        class_name="ONNX file",
        qualified_class="onnx.ModelProto",
        file=str(path.resolve()),
        line=0,
        params=params,
        size_mb=path.stat().st_size / 1e6,
        model_hash=file_hash,
        model_type="onnx",
    )
    specs = [InputSpec(s["name"], tuple(s["shape"]), s["dtype"]) for s in onnx_signature(path)]
    signature = "|".join(f"{s.name}:{s.shape}:{s.dtype}" for s in specs)
    return info, Invocation(invocation_hash(file_hash, signature), info, specs, signature)


def benchmark_onnx_file(path: Path, request: BenchmarkRequest, reporter: Reporter) -> list[InvocationResult]:
    try:
        info, invocation = describe_onnx_file(path)
    except Exception as error:
        info = ModelInfo(path.stem, "ONNX file", "onnx.ModelProto", str(path), 0, 0, 0.0, "--------", model_type="onnx")
        result = InvocationResult(str(path), info, Invocation("--------", info, [], ""))
        result.fail("load_onnx", f"cannot read {path.name}: {one_line(error)}")
        reporter.changed(result)
        return [result]
    result = InvocationResult(str(path), info, invocation, build_name=derive_build_name(path.stem, "", invocation.hash))
    reporter.changed(result)
    if request.analyze_only:
        result.status = "analyzed"
        reporter.changed(result)
        return [result]
    run_invocation(result, request, reporter, onnx_file_sequence(request.options),
                   source={"script": str(path.resolve())}, weights_hash=info.model_hash, onnx_source=path)
    return [result]
