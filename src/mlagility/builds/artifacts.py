"""The one rule that names the artifact a runtime must run.

``artifact_for(build, needs)`` answers from the build's options and the runtime's declared needs
(``runtimes.base.ArtifactNeeds``); no runtime reads an artifact key itself:

1. The build's precision (``--precision``/``--quantize``) must be one the runtime can honour,
   else the runtime fails with a clear reason (never a silent fallback to another file).
2. A runtime that runs the live model (``kind="model"``) gets it; it cannot run a provided
   ``.onnx`` file.
3. An ONNX runtime gets the file of the build's precision: the **converted** file (fp16, int8)
   when the build asked for one (converted before exported), else the **exported** file; a build
   asked for fp16/int8 without a converted file is an error.
4. The ORT-CPU-**optimized** file replaces it only where the runtime accepts that file
   (``ort_cpu_optimized``) and the optimized file was made from that very file
   (``state.derived_from["optimized"]``).

5. A **generation** build (``options["scenario"] == "generation"``, ``builds/generation_export.py``)
   gives an ONNX runtime the manifest of its two graphs (prefill and decode) of the build's
   precision: ``generation-converted.json`` (fp16/int8, both graphs converted) else
   ``generation.json``, with the saved prompt ``generation.npz`` as its inputs; for a runtime that
   accepts ORT's CPU-optimized file, ``generation-optimized.json`` (both graphs fused for ORT's CPU
   provider) where it was made from those very graphs (``state.derived_from``). A generation the stage could not export (beam search, no exporter worked)
   is each ONNX runtime's "not supported" failure with the stage's reason.

The returned ``Artifact`` describes what runs: path, sha256 of the file, bytes (with its
external data) and the precision read from the file itself (``onnx_tools.onnx_precision``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlagility.analysis.hashing import weight_tensors
from mlagility.builds.generation_export import (GENERATION, GENERATION_CONVERTED, GENERATION_INPUTS,
                                                GENERATION_OPTIMIZED)
from mlagility.builds.onnx_tools import onnx_precision
from mlagility.common.exceptions import BenchmarkError
from mlagility.common.filesystem import file_sha256

if TYPE_CHECKING:
    from mlagility.builds.stage import BuildContext
    from mlagility.runtimes.base import ArtifactNeeds

EXPORTED, CONVERTED, OPTIMIZED, INPUTS, MODEL = "onnx", "converted", "optimized", "inputs", "model"


class ArtifactError(BenchmarkError):
    """The build has no artifact this runtime can honour (a per-runtime failure)."""


@dataclass
class Artifact:
    key: str  # onnx | converted | optimized | model
    path: Path | None
    inputs: Path | None
    record: dict[str, Any] = field(default_factory=dict)  # kept with the result


def requested_precision(options: dict[str, Any]) -> str:
    """fp32, fp16 or int8, from a build's options (``BuildOptions.identity()``)."""
    return options.get("quantize") or options.get("precision") or "fp32"


def artifact_for(context: "BuildContext", needs: "ArtifactNeeds", runtime: str) -> Artifact:
    """The artifact ``runtime`` must run for this build; raises ``ArtifactError`` with the reason."""
    state = context.state
    precision = requested_precision(state.options or {})
    if precision not in needs.precisions:
        raise ArtifactError(runtime, f"{runtime} cannot run a {precision} build (it runs "
                                     f"{', '.join(needs.precisions)}); drop it from --runtime for this precision")
    if needs.kind == MODEL:
        if context.model is None:
            raise ArtifactError(runtime, f"{runtime} needs the framework model; it cannot run a provided .onnx file")
        model_type = state.source.get("model_type", "pytorch")
        if model_type not in needs.model_types:
            raise ArtifactError(runtime, f"not supported: {runtime} runs {', '.join(needs.model_types)} models, not {model_type}")
        return Artifact(MODEL, None, None, {"file": None, "kind": "model", "precision": _model_precision(context.model)})
    if (state.options or {}).get("scenario") == "generation":
        return _generation_artifact(context, precision, runtime, needs.ort_cpu_optimized)
    key = CONVERTED if precision != "fp32" else EXPORTED
    base = context.path(key)
    if base is None:
        if key == CONVERTED:
            raise ArtifactError(runtime, f"the build has no {precision} file (its sequence has no conversion stage)")
        raise ArtifactError(runtime, f"{runtime} needs an ONNX file; the build has none")
    chosen = key
    if needs.ort_cpu_optimized and state.derived_from.get(OPTIMIZED) == key and context.path(OPTIMIZED):
        chosen = OPTIMIZED
    path, inputs = context.path(chosen), context.path(INPUTS)
    if inputs is None:
        raise ArtifactError(runtime, f"{runtime} needs saved inputs; run without --export-only")
    for needed in (path, inputs):
        if not needed.is_file():
            raise ArtifactError(runtime, f"artifact missing: {needed.name} (cleaned?); rebuild with --rebuild always")
    return Artifact(chosen, path, inputs, describe(path, context.dir, chosen))


def _generation_artifact(context: "BuildContext", precision: str, runtime: str, ort_cpu_optimized: bool) -> Artifact:
    """The manifest of a generation build's graphs at ``precision`` (rule 5)."""
    import json

    state = context.state
    unsupported = (state.generation or {}).get("unsupported")
    if unsupported:
        raise ArtifactError(runtime, f"not supported on {runtime}: {unsupported}")
    key = GENERATION_CONVERTED if precision != "fp32" else GENERATION
    path, inputs = context.path(key), context.path(GENERATION_INPUTS)
    if path is None or inputs is None:
        if context.path(GENERATION) is not None and key == GENERATION_CONVERTED:
            raise ArtifactError(runtime, f"the generation build has no {precision} graphs (no conversion stage ran)")
        raise ArtifactError(runtime, f"{runtime} needs the generation's ONNX graphs; the build has none "
                                     "(rebuild with --rebuild always)")
    if (ort_cpu_optimized and state.derived_from.get(GENERATION_OPTIMIZED) == key
            and context.path(GENERATION_OPTIMIZED) is not None):
        key, path = GENERATION_OPTIMIZED, context.path(GENERATION_OPTIMIZED)
    manifest = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    graphs = manifest.get("graphs", {})
    files = [path, inputs, *(path.parent / graph["file"] for graph in graphs.values())]
    for needed in files:
        if not needed.is_file():
            raise ArtifactError(runtime, f"artifact missing: {needed.name} (cleaned?); rebuild with --rebuild always")
    decode = graphs["decode"]

    facts = onnx_precision(path.parent / decode["file"])
    record = {"inputs": facts["inputs"], "outputs": facts["outputs"], "file": str(path.relative_to(context.dir)), "kind": key, "sha256": file_sha256(path),
              "bytes": sum(graph["bytes"] for graph in graphs.values()), "precision": decode["precision"],
              "graphs": {name: graph["file"] for name, graph in graphs.items()}}
    return Artifact(key, path, inputs, record)


def describe(path: Path, build_dir: Path, key: str) -> dict[str, Any]:
    """What a result records about the file it ran."""
    facts = onnx_precision(path)
    data = path.with_name(path.name + ".data")
    total = path.stat().st_size + (data.stat().st_size if data.is_file() else 0)
    try:
        shown = str(path.relative_to(build_dir))
    except ValueError:
        shown = str(path)
    return {"file": shown, "kind": key, "sha256": file_sha256(path), "bytes": total, **facts}


def _model_precision(model) -> str:
    from collections import Counter

    try:
        counts = Counter()
        for tensor in weight_tensors(model):
            counts[str(tensor.dtype).replace("torch.", "")] += tensor.numel()
        dominant = counts.most_common(1)[0][0] if counts else "float32"
    except Exception:  # a non-PyTorch model: its framework's own precision
        return "fp32"
    if dominant in ("qint8", "quint8"):  # torch.ao.quantization.quantize_dynamic
        return f"int8 (dynamic, {dominant} weights)"
    return {"float32": "fp32", "float16": "fp16", "bfloat16": "bf16"}.get(dominant, dominant)
