"""Generation builds for the ONNX runtimes: the model exported with its KV cache as a prefill and a
decode graph, the prompt saved, and (``--precision fp16`` / ``--quantize int8``) both graphs
converted.

``ExportGeneration`` uses the field's exporters, in order, each failure noted and the next one
tried (never a tracer of our own):

1. ``transformers.exporters``: ``OnnxExporter().export_for_generation(model, prompt,
   OnnxConfig(dynamic=True))``, which runs ``generate()`` for two tokens to capture the prefill
   and decode calls and exports each with dynamic sequence and past lengths;
2. ``torch.onnx.export(dynamo=True)`` of the prefill call and of one decode call (cache given as a
   ``DynamicCache``), after ``transformers.integrations.executorch.
   register_dynamic_cache_export_support()``.

Both register cache classes as torch pytree nodes; those registrations are undone when the stage
ends (``pytree_registrations``), so the script that goes on runs with torch as it found it.

What it writes (build directory):

* ``prefill.onnx`` / ``decode.onnx`` (+ ``.data``): the graphs;
* ``generation.json``: the manifest a runtime reads (``GenerationGraphs``): the graphs' files and
  each graph's input/output names, its cache names paired (prefill's present outputs, decode's
  past inputs and present outputs, layer by layer), new tokens and decoding mode;
* ``generation.npz``: the prompt (``input_ids``, ``attention_mask``) the script passed, and what the
  token picker needs (``decoding_of``): torch's RNG state at a sampling ``generate()`` call
  (``rng_state``, uint8) or a hand-written decode loop's own step tokens (``forced_tokens``);
* the manifest's ``decoding``: greedy, sampling (with the script's effective ``GenerationConfig``)
  or teacher forcing, and the cache class the script used (a ``StaticCache`` generation is exported
  and run with the cache as graph inputs/outputs: the class is PyTorch's memory layout of the same
  keys and values);
* ``ConvertGeneration`` (fp16 / int8): ``prefill-converted.onnx`` / ``decode-converted.onnx`` and
  ``generation-converted.json``.

The state records it in ``state.generation`` (exporter, opset, cache names and bytes of each
graph) and ``state.exporter``/``state.opset``. An encoder-decoder is exported as an encoder, a
first decoder step and a decoder with past (``builds/encoder_decoder_export.py``). A generation
the ONNX runtimes cannot run (beam search, a model no exporter can export) does not fail the
build: the stage records why in ``state.generation["unsupported"]`` and the build's artifact rule
(``builds/artifacts.py``) turns it into each ONNX runtime's "not supported" outcome, while the
PyTorch runtimes still measure the generation.
"""

from __future__ import annotations

import contextlib
import json
import traceback
from pathlib import Path
from typing import Any

from mlagility.analysis.generation import DecodeLoopCall, main_input
from mlagility.analysis.torch_state import clean_context, preserved_state
from mlagility.builds import encoder_decoder_export as seq2seq
from mlagility.builds.onnx_tools import onnx_opset, onnx_precision, remove_onnx, save_onnx
from mlagility.builds.stage import BuildContext, Sequence, Stage
from mlagility.common.exceptions import StageError, one_line, root_cause
from mlagility.common.filesystem import atomic_write_bytes, file_sha256, write_json

MANIFEST_FILE = "generation.json"
CONVERTED_MANIFEST_FILE = "generation-converted.json"
OPTIMIZED_MANIFEST_FILE = "generation-optimized.json"
PROMPT_FILE = "generation.npz"
GRAPHS = ("prefill", "decode")
# artifact keys
GENERATION, GENERATION_CONVERTED, GENERATION_INPUTS = "generation", "generation_converted", "generation_inputs"
GENERATION_OPTIMIZED = "generation_optimized"
# graph inputs that are not the cache: the loop feeds them itself
STEP_INPUTS = ("input_ids", "attention_mask", "position_ids", "cache_position")
LOGITS = "logits"
HF_EXPORTER, DYNAMO_EXPORTER = "transformers.exporters", "torch.onnx dynamo (DynamicCache)"


class ExportGeneration(Stage):
    """Export a ``generate()``'s model as a prefill and a decode graph with the KV cache."""

    name = "export_generation"
    description = "Exporting prefill and decode graphs with the KV cache"
    produces = (GENERATION, GENERATION_INPUTS)

    def run(self, ctx: BuildContext) -> None:
        ctx.state.generation = {}
        reason = unsupported_reason(ctx)
        if reason:
            print(f"--- not exported: {reason}")
            ctx.state.generation = {"unsupported": reason}
            return
        if ctx.generation.info.encoder_decoder:
            _export_encoder_decoder(ctx)
            return
        prompt = prompt_of(ctx.generation)
        try:
            decoding, arrays = decoding_of(ctx)
        except Exception as error:  # a setting not saved or not run: the ONNX runtimes' outcome
            traceback.print_exc()
            detail = str(error) if isinstance(error, NotRun) else one_line(error)
            reason = f"the generation's decoding settings are not run on the ONNX runtimes: {detail}"
            ctx.state.generation = {"unsupported": reason}
            return
        failures: dict[str, str] = {}
        for exporter, export in ((HF_EXPORTER, _export_transformers), (DYNAMO_EXPORTER, _export_dynamo)):
            _remove_graphs(ctx.dir, "")
            try:
                print(f"--- exporting prefill and decode graphs with {exporter}", flush=True)
                with _clean(ctx.model), pytree_registrations():
                    export(ctx.model, prompt, ctx.dir, ctx.options.onnx_opset)
                manifest = describe_graphs(ctx.dir, "", ctx.generation.info)
            except Exception as error:  # any exporter failure: note it and try the next one
                traceback.print_exc()
                failures[exporter] = one_line(root_cause(error))
                continue
            manifest["decoding"] = decoding
            _save_prompt(ctx.dir / PROMPT_FILE, {**prompt, **arrays})

            write_json(ctx.dir / MANIFEST_FILE, manifest)
            ctx.state.exporter = exporter
            ctx.state.exporter_notes = {k: f"failed: {v}" for k, v in failures.items()}
            ctx.state.opset = manifest["graphs"]["decode"]["opset"]
            ctx.state.artifacts[GENERATION] = MANIFEST_FILE
            ctx.state.artifacts[GENERATION_INPUTS] = PROMPT_FILE
            for name in GRAPHS:  # listed, so that staleness checks them too
                ctx.state.artifacts[f"generation_{name}"] = f"{name}.onnx"
            ctx.state.generation = {"exporter": exporter, "graphs": {
                name: {**graph, "exporter": exporter} for name, graph in manifest["graphs"].items()}}
            return
        _remove_graphs(ctx.dir, "")
        ctx.state.exporter_notes = {k: f"failed: {v}" for k, v in failures.items()}
        ctx.state.generation = {"unsupported": "no exporter could export the model with its KV cache: " + "; ".join(
            f"{k}: {v}" for k, v in failures.items())}


class ConvertGeneration(Stage):
    """Both graphs of a generation build at the requested precision: fp16 weights and compute
    (fp32 inputs, outputs and cache kept), or ONNX Runtime's dynamic int8 quantization."""

    name = "convert_generation"
    description = "Converting the generation graphs"
    needs = ()  # a generation the export stage could not export has no graphs: nothing to convert
    produces = (GENERATION_CONVERTED,)

    def run(self, ctx: BuildContext) -> None:
        if ctx.path(GENERATION) is None:  # nothing exported: the reason is in state.generation
            return
        precision = ctx.options.quantize or ctx.options.precision
        base = json.loads((ctx.dir / MANIFEST_FILE).read_text(encoding="utf-8"))
        names = list(base["graphs"])  # prefill, decode (and the encoder of an encoder-decoder)
        for name in names:
            source, target = ctx.dir / f"{name}.onnx", ctx.dir / f"{name}-converted.onnx"
            remove_onnx(target)
            if precision == "fp16":
                import onnx
                from onnxruntime.transformers.float16 import convert_float_to_float16

                model = onnx.load(str(source))
                save_onnx(convert_float_to_float16(model, keep_io_types=True, disable_shape_infer=True), target)
            elif precision == "int8":
                from onnxruntime.quantization import QuantType, quantize_dynamic

                quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, use_external_data_format=True)
            else:
                raise StageError(self.name, f"generation builds convert to fp16 or int8, not {precision}")
        info = ctx.generation.info if ctx.generation else None
        if "encoder_decoder" in base:
            manifest = seq2seq.describe_encoder_decoder(ctx.dir, "-converted", info, base=base)
        else:
            manifest = describe_graphs(ctx.dir, "-converted", info, base=base)

        write_json(ctx.dir / CONVERTED_MANIFEST_FILE, manifest)
        ctx.state.artifacts[GENERATION_CONVERTED] = CONVERTED_MANIFEST_FILE
        for name in names:
            ctx.state.artifacts[f"generation_{name}_converted"] = f"{name}-converted.onnx"
        ctx.state.derived_from[GENERATION_CONVERTED] = GENERATION
        ctx.state.generation["converted"] = {
            name: {"file": graph["file"], "bytes": graph["bytes"], "precision": graph["precision"]}
            for name, graph in manifest["graphs"].items()}


def _export_encoder_decoder(ctx: BuildContext) -> None:
    """An encoder-decoder's encoder, first decoder step and decoder with past
    (``builds/encoder_decoder_export.py``); a failure is recorded as "not supported"."""
    model, call = ctx.model, ctx.generation
    prompt = seq2seq.encoder_prompt(model, call)
    rules = seq2seq.logits_rules(model, call)
    notes = {HF_EXPORTER: seq2seq.HF_EXPORTER_SKIPPED}
    exporter = seq2seq.DYNAMO_ENCODER_DECODER
    for name in seq2seq.ENCODER_DECODER_GRAPHS:
        remove_onnx(ctx.dir / f"{name}.onnx")
    try:
        print(f"--- exporting encoder, first decoder step and decoder with past with {exporter}", flush=True)
        with _clean(model), pytree_registrations():
            seq2seq.export_encoder_decoder(model, {k: v.clone() for k, v in prompt.items()},
                                           rules["decoder_input_ids"], ctx.dir, ctx.options.onnx_opset)
        manifest = seq2seq.describe_encoder_decoder(ctx.dir, "", call.info, rules=rules, encoder_inputs=list(prompt))
    except Exception as error:  # the exporter's failure: recorded, the PyTorch runtimes still run it
        traceback.print_exc()
        notes[exporter] = f"failed: {one_line(root_cause(error))}"
        for name in seq2seq.ENCODER_DECODER_GRAPHS:
            remove_onnx(ctx.dir / f"{name}.onnx")
        ctx.state.exporter_notes = notes
        ctx.state.generation = {"unsupported": "no exporter could export the encoder-decoder with its caches: "
                                               + "; ".join(f"{k}: {v}" for k, v in notes.items())}
        return
    _save_prompt(ctx.dir / PROMPT_FILE, prompt)
    write_json(ctx.dir / MANIFEST_FILE, manifest)
    ctx.state.exporter = exporter
    ctx.state.exporter_notes = notes
    ctx.state.opset = manifest["graphs"]["decode"]["opset"]
    ctx.state.artifacts[GENERATION] = MANIFEST_FILE
    ctx.state.artifacts[GENERATION_INPUTS] = PROMPT_FILE
    for name in seq2seq.ENCODER_DECODER_GRAPHS:
        ctx.state.artifacts[f"generation_{name}"] = f"{name}.onnx"
    ctx.state.generation = {"exporter": exporter, "encoder_decoder": True, "graphs": {
        name: {**graph, "exporter": exporter} for name, graph in manifest["graphs"].items()}}


class OptimizeGeneration(Stage):
    """Both fp32 graphs fused into ONNX Runtime's CPU ops, for ``ort`` only (its
    ``ort_cpu_optimized`` artifact): ``transformers.exporters.onnxruntime_fusions.
    fuse_for_onnxruntime(model, "cpu")``, what ``OnnxConfig(ort_fusions="cpu")`` runs on an
    export (onnxscript's ORT fusions: SimplifiedLayerNormalization, SkipSimplifiedLayerNormalization,
    GroupQueryAttention over the cache with the rotary embedding folded in), applied to the saved graphs so that the
    other ONNX runtimes keep the portable ones.

    Writes ``prefill-optimized.onnx`` / ``decode-optimized.onnx`` and ``generation-optimized.json``
    (its ``optimized`` entry: node counts before and after, the fused ops). Where the fusion fails,
    or the fused graphs drop the attention mask while the prompt is padded (GroupQueryAttention
    then reads no padding), it records why in ``state.generation["optimized"]`` and produces
    nothing: ``ort`` runs the exported graphs."""

    name = "optimize_generation"
    description = "Fusing the generation graphs for ONNX Runtime"
    needs = ()  # a generation the export stage could not export has no graphs: nothing to fuse
    produces = (GENERATION_OPTIMIZED,)

    def run(self, ctx: BuildContext) -> None:
        if ctx.path(GENERATION) is None:  # nothing exported: the reason is in state.generation
            return
        if ctx.state.generation.get("encoder_decoder"):  # its three graphs are run as exported
            ctx.state.generation["optimized"] = {"fused": False, "reason": "not fused: an encoder-decoder's graphs"}
            return
        _remove_graphs(ctx.dir, "-optimized")
        try:
            counts = {name: _fuse_for_ort_cpu(ctx.dir / f"{name}.onnx", ctx.dir / f"{name}-optimized.onnx")
                      for name in GRAPHS}
            manifest = describe_graphs(ctx.dir, "-optimized", ctx.generation.info if ctx.generation else None,
                                       base=json.loads((ctx.dir / MANIFEST_FILE).read_text(encoding="utf-8")))
            _check_mask(manifest, ctx.dir / PROMPT_FILE)
        except Exception as error:  # an optimization only ort uses never blocks the other runtimes
            traceback.print_exc()
            _remove_graphs(ctx.dir, "-optimized")
            note = f"not fused (ONNX Runtime CPU fusions: {one_line(root_cause(error))})"
            print(f"--- {note}; ort runs the exported graphs")
            ctx.state.generation["optimized"] = {"fused": False, "reason": note}
            return
        fused = {name: {"nodes_before": before, "nodes_after": after, "fused_ops": ops}
                 for name, (before, after, ops) in counts.items()}
        manifest["optimized"] = {"fusions": "transformers.exporters fuse_for_onnxruntime cpu", **fused}

        write_json(ctx.dir / OPTIMIZED_MANIFEST_FILE, manifest)
        ctx.state.artifacts[GENERATION_OPTIMIZED] = OPTIMIZED_MANIFEST_FILE
        for name in GRAPHS:
            ctx.state.artifacts[f"generation_{name}_optimized"] = f"{name}-optimized.onnx"
        ctx.state.derived_from[GENERATION_OPTIMIZED] = GENERATION
        ctx.state.generation["optimized"] = {"fused": True, **fused}
        print("--- fused for ONNX Runtime's CPU provider: " + "; ".join(
            f"{name} {f['nodes_before']} -> {f['nodes_after']} nodes" for name, f in fused.items()))


def _fuse_for_ort_cpu(source: Path, target: Path) -> tuple[int, int, dict[str, int]]:
    """Fuse ``source`` into ``target`` (weights in ``<target>.data``); (nodes before, nodes after,
    {fused op: count})."""
    import collections

    import onnx_ir as ir
    from transformers.exporters.onnxruntime_fusions import fuse_for_onnxruntime

    model = ir.load(str(source))
    before = sum(1 for _ in model.graph.all_nodes())
    fuse_for_onnxruntime(model, "cpu")
    ops = collections.Counter(node.op_type for node in model.graph.all_nodes() if node.domain == "com.microsoft")
    after = sum(1 for _ in model.graph.all_nodes())
    ir.save(model, str(target), external_data=target.name + ".data")
    return before, after, dict(sorted(ops.items()))


def _check_mask(manifest: dict, prompt_path: Path) -> None:
    """Raise where the fused graphs no longer take the attention mask and the prompt is padded."""
    import numpy as np

    if all("attention_mask" in graph["inputs"] for graph in manifest["graphs"].values()):
        return
    with np.load(prompt_path, allow_pickle=False) as saved:
        if (saved["attention_mask"] == 0).any():
            raise ValueError("the fused graphs drop the attention mask and the prompt is padded")


def generation_sequence(options) -> Sequence:
    """The build of a generation for the ONNX runtimes: export [-> fp16 | int8] [-> fused for ORT's
    CPU provider (fp32 builds)]."""
    stages: list[Stage] = [ExportGeneration()]
    if not options.export_only and (options.precision == "fp16" or options.quantize == "int8"):
        stages.append(ConvertGeneration())
    elif not options.export_only:
        stages.append(OptimizeGeneration())
    return Sequence("generation", stages)


def unsupported_reason(ctx: BuildContext) -> str | None:
    """Why the ONNX runtimes cannot run this generation, or None."""
    call = ctx.generation
    info = getattr(call, "info", None)
    if call is None or info is None or ctx.model is None:
        return "the generate() call is not available to the build (a provided .onnx file?)"

    if info.mode.startswith("beam"):
        return f"beam search is not run on ONNX runtimes yet (this generation is {info.mode})"
    if not info.use_cache:
        return "the generation runs without a KV cache (use_cache=False)"
    if info.encoder_decoder:
        if isinstance(call, DecodeLoopCall) or info.mode != "greedy":
            return f"greedy generate() only for an encoder-decoder (this generation is {info.mode})"
        if info.cache not in ("EncoderDecoderCache", "DynamicCache", "none"):
            return f"the ONNX graphs carry an EncoderDecoderCache of DynamicCaches; this generation uses a {info.cache}"
        return seq2seq.unsupported_reason(ctx.model, call)
    if info.cache not in CACHES:
        return f"the ONNX graphs carry the KV cache as graph inputs/outputs; this generation uses a {info.cache}"
    if prompt_of(call) is None:
        return "the generation's prompt is not token ids (input_ids)"
    if isinstance(call, DecodeLoopCall):
        forced = _forced_tokens(call)
        return forced if isinstance(forced, str) else None
    for name in ("logits_processor", "prefix_allowed_tokens_fn", "negative_prompt_ids", "assistant_model"):
        if call.kwargs.get(name) is not None:
            return f"the script passes {name} to generate(): not saved for the ONNX runtimes"
    return None


# cache classes whose generation the exported graphs (a dynamic cache as graph inputs/outputs) compute:
# a StaticCache is a PyTorch memory layout (preallocated, written in place) of the same keys and values
CACHES = ("DynamicCache", "StaticCache", "none")


def _forced_tokens(call):
    """A decode loop's own step tokens (batch x steps, the input of each decode call), or the reason
    they cannot be fed back (a string)."""
    import torch

    tokens = []
    for args, kwargs in call.steps:
        ids = main_input(args, kwargs)
        if not isinstance(ids, torch.Tensor) or ids.is_floating_point() or ids.dim() != 2 or ids.shape[-1] != 1:
            shape = tuple(ids.shape) if isinstance(ids, torch.Tensor) else type(ids).__name__
            return f"a decode step of the loop is not one token id per sequence (input {shape})"
        tokens.append(ids.detach().long())
    return torch.cat(tokens, dim=-1)


class NotRun(ValueError):
    """A decoding setting the ONNX runtimes' token picker does not reproduce."""


def decoding_of(ctx: BuildContext) -> tuple[dict, dict]:
    """How the ONNX runtimes pick each token (the manifest's ``decoding``, read by
    ``runtimes/generation_graphs.py: TokenPicker``) and the arrays it needs (saved with the prompt):

    * a ``generate()``: the script's effective ``GenerationConfig`` (the model's merged with the
      call's keywords by transformers' ``GenerationMixin._prepare_generation_config``), from which
      the runtime builds transformers' own logits processors; for sampling, torch's CPU RNG state
      when the script called ``generate()`` (``rng_state``, uint8);
    * a hand-written decode loop: teacher forcing, the loop's own step tokens (``forced_tokens``,
      int64 batch x steps).

    Raises ``NotRun`` for classifier-free guidance (``guidance_scale``: the processor runs the model
    itself) and ``num_return_sequences`` > 1, and transformers' own error for a config it cannot
    read back from JSON.
    """
    import json

    call, info = ctx.generation, ctx.generation.info
    script_cache = info.cache if info.cache != "none" else "DynamicCache"
    if isinstance(call, DecodeLoopCall):
        return ({"picker": "teacher forcing", "script_cache": script_cache,
                 "label": "teacher forcing: the decode loop's own step tokens fed; tokens checked: each step's "
                          "argmax, as recorded from the script's calls"},
                {"forced_tokens": _forced_tokens(call).numpy()})
    kwargs = {k: v for k, v in {**call.kwargs, **call.overrides}.items()
              if k not in ("inputs", "input_ids", "attention_mask", "past_key_values", "cache", "streamer")}
    generation_config, _ = ctx.model._prepare_generation_config(kwargs.pop("generation_config", None), **kwargs)
    config = json.loads(json.dumps(generation_config.to_dict()))
    type(generation_config).from_dict(dict(config))  # what the worker will read back
    if generation_config.guidance_scale not in (None, 1, 1.0):
        raise NotRun(f"guidance_scale={generation_config.guidance_scale} runs the model again for each token")
    if (generation_config.num_return_sequences or 1) > 1:
        raise NotRun(f"num_return_sequences={generation_config.num_return_sequences}")
    sampling = bool(generation_config.do_sample)
    decoding = {"picker": "sampling" if sampling else "greedy", "script_cache": script_cache,
                "generation_config": config}
    if sampling:
        settings = ", ".join(f"{k}={config[k]}" for k in ("temperature", "top_k", "top_p", "min_p",
                                                          "repetition_penalty") if config.get(k) is not None)
        decoding["label"] = (f"sampling ({settings}): transformers' logits processors from the script's generation "
                             "config, torch.multinomial from torch's RNG state at the script's generate() call")
        return decoding, {"rng_state": call.rng_state.numpy()}
    decoding["label"] = ("greedy: argmax (after transformers' logits processors from the script's generation config, "
                         "where it sets any)")
    return decoding, {}


def prompt_of(call) -> dict | None:
    """``{"input_ids", "attention_mask"}`` of the script's call (a copy), or None."""
    import torch

    if isinstance(call, DecodeLoopCall):
        args, kwargs = call.prefill_args, call.prefill_kwargs
    else:  # a synthetic size (--prompt-lengths...) gives its prompt in overrides
        args, kwargs = call.args, {**call.kwargs, **(getattr(call, "overrides", None) or {})}
    ids = main_input(args, kwargs)
    if not isinstance(ids, torch.Tensor) or ids.is_floating_point() or ids.dim() != 2:
        return None
    mask = kwargs.get("attention_mask")
    mask = torch.ones_like(ids) if mask is None else mask
    return {"input_ids": ids.detach().clone().long(), "attention_mask": mask.detach().clone().long()}


def _save_prompt(path: Path, prompt: dict) -> None:
    import io

    import numpy as np

    buffer = io.BytesIO()
    np.savez(buffer, **{name: tensor if isinstance(tensor, np.ndarray) else tensor.numpy()
                        for name, tensor in prompt.items()})
    atomic_write_bytes(path, buffer.getvalue())


@contextlib.contextmanager
def _clean(model):
    """The script's autocast, inference mode or default dtype never reach the exporter; the model's
    parameters, buffers and flags are left as they were."""
    import torch

    with preserved_state(model, clone_parameters=False), clean_context(), torch.no_grad():
        yield


@contextlib.contextmanager
def pytree_registrations():
    """Undo, on exit, the pytree node registrations made inside (the exporters register transformers'
    cache classes globally)."""
    import torch.fx._pytree as fx_pytree
    import torch.utils._pytree as pytree

    before = set(pytree.SUPPORTED_NODES)
    fx_before = set(getattr(fx_pytree, "SUPPORTED_NODES", {}))
    try:
        yield
    finally:
        import sys

        optree = sys.modules.get("optree")  # torch's C++ pytree registers the same classes
        for cls in set(pytree.SUPPORTED_NODES) - before:
            with contextlib.suppress(Exception):
                pytree._deregister_pytree_node(cls)
            if optree is not None:
                with contextlib.suppress(Exception):
                    optree.unregister_pytree_node(cls, namespace="torch")
        fx_nodes = getattr(fx_pytree, "SUPPORTED_NODES", None)
        if isinstance(fx_nodes, dict):
            for cls in set(fx_nodes) - fx_before:
                fx_nodes.pop(cls, None)


def _export_transformers(model, prompt: dict, folder: Path, opset: int | None) -> None:
    """transformers' own exporter: prefill and decode graphs, every axis dynamic."""
    from transformers.exporters import OnnxConfig, OnnxExporter

    exporter = OnnxExporter()
    config = OnnxConfig(dynamic=True, **({"opset_version": opset} if opset else {}))
    exported = exporter.export_for_generation(model, {k: v.clone() for k, v in prompt.items()}, config)
    missing = set(GRAPHS) - set(exported.components)
    if missing:
        raise ValueError(f"the exporter made {sorted(exported.components)}, not a prefill and a decode graph")
    for name in GRAPHS:
        exporter.save_program(exported.components[name].program, folder / f"{name}.onnx")


def _export_dynamo(model, prompt: dict, folder: Path, opset: int | None) -> None:
    """``torch.onnx.export(dynamo=True)`` of the prefill call and of one decode call, the cache a
    ``DynamicCache`` made exportable by transformers' ``register_dynamic_cache_export_support``."""
    import torch
    from transformers import DynamicCache
    from transformers.integrations.executorch import register_dynamic_cache_export_support

    register_dynamic_cache_export_support()
    ids, mask = prompt["input_ids"], prompt["attention_mask"]
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    layers = int(getattr(model.config, "num_hidden_layers", 0) or getattr(model.config, "n_layer", 0))
    if not layers:
        raise ValueError("the model's config names no number of layers")
    present = [name for i in range(layers) for name in (f"present.{i}.key", f"present.{i}.value")]
    past = [name.replace("present", "past") for name in present]

    class Prefill(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, position_ids):
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                             cache=DynamicCache(config=self.model.config), use_cache=True)
            cache = out.past_key_values
            return (out.logits, *[t for layer in cache.layers for t in (layer.keys, layer.values)])

    class Decode(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, position_ids, *past_tensors):
            cache = DynamicCache(config=self.model.config)
            for i in range(len(past_tensors) // 2):
                cache.update(past_tensors[2 * i], past_tensors[2 * i + 1], i)
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                             cache=cache, use_cache=True)
            return (out.logits, *[t for layer in out.past_key_values.layers for t in (layer.keys, layer.values)])

    seq = past_len = torch.export.Dim.AUTO  # torch.export infers how they relate (total = past + 1)
    out = Prefill()(ids, mask, positions)
    torch.onnx.export(Prefill().eval(), (ids, mask, positions), str(folder / "prefill.onnx"), dynamo=True,
                      opset_version=opset, external_data=True, verbose=False,
                      input_names=["input_ids", "attention_mask", "position_ids"], output_names=[LOGITS, *present],
                      dynamic_shapes=({1: seq}, {1: seq}, {1: seq}))
    token = out[0][:, -1:].argmax(-1)
    step_mask = torch.cat([mask, torch.ones_like(token)], dim=-1)
    step_positions = positions[:, -1:] + 1
    total = torch.export.Dim.AUTO
    torch.onnx.export(Decode().eval(), (token, step_mask, step_positions, *out[1:]), str(folder / "decode.onnx"),
                      dynamo=True, opset_version=opset, external_data=True, verbose=False,
                      input_names=["input_ids", "attention_mask", "position_ids", *past],
                      output_names=[LOGITS, *present],
                      dynamic_shapes=(None, {1: total}, None, tuple({2: past_len} for _ in past)))


def _remove_graphs(folder: Path, suffix: str) -> None:
    for name in GRAPHS:
        remove_onnx(folder / f"{name}{suffix}.onnx")


def _io(path: Path) -> tuple[list[str], list[str]]:
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    initializers = {init.name for init in model.graph.initializer}
    return ([v.name for v in model.graph.input if v.name not in initializers], [v.name for v in model.graph.output])


def describe_graphs(folder: Path, suffix: str, info, base: dict | None = None) -> dict[str, Any]:
    """The manifest of the graphs ``<prefill|decode><suffix>.onnx`` in ``folder``: files, names,
    the cache names paired layer by layer, opset, bytes and precision of each; checked: the
    decode graph's past inputs match the prefill's present outputs one to one."""
    graphs: dict[str, Any] = {}
    for name in GRAPHS:
        path = folder / f"{name}{suffix}.onnx"
        inputs, outputs = _io(path)
        if LOGITS not in outputs:
            raise ValueError(f"the {name} graph has no {LOGITS!r} output (outputs: {outputs})")
        data = path.with_name(path.name + ".data")
        graphs[name] = {
            "file": path.name, "opset": onnx_opset(path), "inputs": inputs, "outputs": outputs,
            "cache_inputs": [n for n in inputs if n not in STEP_INPUTS],
            "cache_outputs": [n for n in outputs if n != LOGITS],
            "bytes": path.stat().st_size + (data.stat().st_size if data.is_file() else 0),
            "sha256": file_sha256(path), "precision": onnx_precision(path)["precision"],
        }
    prefill, decode = graphs["prefill"], graphs["decode"]
    if "input_ids" not in prefill["inputs"] or "input_ids" not in decode["inputs"]:
        raise ValueError("the graphs take no input_ids")
    if prefill["cache_inputs"]:
        raise ValueError(f"the prefill graph takes a cache ({prefill['cache_inputs']}); a prefill starts from none")
    if not (len(prefill["cache_outputs"]) == len(decode["cache_inputs"]) == len(decode["cache_outputs"]) > 0):
        raise ValueError(f"the cache names do not pair: prefill returns {prefill['cache_outputs']}, decode takes "
                         f"{decode['cache_inputs']} and returns {decode['cache_outputs']}")
    manifest = dict(base or {})
    manifest["graphs"] = graphs
    if info is not None:
        manifest.update(new_tokens=int(info.new_tokens), mode=info.mode, batch_size=int(info.batch_size),
                        prompt_tokens=int(info.prompt_tokens))
    return manifest
