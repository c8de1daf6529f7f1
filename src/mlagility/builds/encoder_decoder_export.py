"""Encoder-decoder generations (T5, BART-like, Marian, Whisper) for the ONNX runtimes: the encoder,
the decoder's first step and the decoder with its past as three graphs, the way optimum's
seq2seq exports split them (``encoder_model.onnx``, ``decoder_model.onnx``,
``decoder_with_past_model.onnx``), made here with ``torch.onnx.export(dynamo=True)`` after
``transformers.integrations.executorch.register_dynamic_cache_export_support()``, the cache an
``EncoderDecoderCache`` of two ``DynamicCache``s.

Graphs (build directory), batch fixed (one build per prompt shape), every length dynamic:

* ``encoder.onnx``: ``input_ids`` + ``attention_mask`` (text) or ``input_features`` (audio:
  Whisper) -> ``encoder_hidden_states`` (batch x source x d_model);
* ``prefill.onnx`` (the decoder's first step, no past): ``decoder_input_ids`` (batch x start
  tokens), ``encoder_hidden_states``, ``encoder_attention_mask`` (text) -> ``logits``,
  ``present.<i>.decoder.key|value`` (self-attention) and ``present.<i>.encoder.key|value``
  (cross-attention, batch x heads x source x head size: computed once);
* ``decode.onnx`` (one token with the past): ``decoder_input_ids`` (batch x 1), the same encoder
  inputs where the graph still takes them, ``past_key_values.<i>.decoder.*`` and
  ``past_key_values.<i>.encoder.*`` -> ``logits``, ``present.<i>.decoder.*`` (the cross-attention
  cache is not returned: the loop binds the prefill's again every step).

Tried first: ``transformers.exporters`` (``OnnxExporter.export_for_generation``) is *not* used for
encoder-decoders: measured with transformers 5.24.0 on T5, it exports the decoder only (its
"prefill" takes ``encoder_outputs.last_hidden_state``: no encoder graph), and its decode graph's
self-attention past length is specialized to 1 (the capture's single decode step), so it cannot
run a third token. The reason is recorded in ``state.exporter_notes``.

The manifest (``generation.json``) adds to the decoder-only one: the ``encoder`` graph,
``encoder_decoder`` (the encoder's input names, the decoder's start tokens and the token rules of
the script's generation config: ``logits_rules``) and each graph's ``cross_cache_inputs`` /
``cross_cache_outputs``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlagility.analysis.generation import main_input
from mlagility.builds.onnx_tools import onnx_graph_inputs, onnx_opset, onnx_precision
from mlagility.common.filesystem import file_sha256

ENCODER_DECODER_GRAPHS = ("encoder", "prefill", "decode")
HIDDEN = "encoder_hidden_states"
ENCODER_MASK = "encoder_attention_mask"
DECODER_IDS = "decoder_input_ids"
LOGITS = "logits"
DYNAMO_ENCODER_DECODER = "torch.onnx dynamo (EncoderDecoderCache)"
HF_EXPORTER_SKIPPED = ("not used for encoder-decoders: with transformers 5.24.0 it exports no encoder graph and its "
                       "decode graph's self-attention past length is fixed at 1")

# generation-config settings that change greedy search's tokens and that the loop does not run
# (transformers' logits processors and other decoding strategies), with their neutral values; a
# generation with any other value is "not supported" on the ONNX runtimes. The loop runs the
# others it honours itself (``logits_rules``); sampling-only settings do nothing under greedy search.
NOT_RUN = {
    "repetition_penalty": (None, 1.0), "encoder_repetition_penalty": (None, 1.0),
    "no_repeat_ngram_size": (None, 0), "encoder_no_repeat_ngram_size": (None, 0), "bad_words_ids": (None, []),
    "sequence_bias": (None, {}, []), "force_words_ids": (None, []), "constraints": (None, []),
    "exponential_decay_length_penalty": (None,), "forced_decoder_ids": (None, []), "guidance_scale": (None, 1.0),
    "watermarking_config": (None,), "penalty_alpha": (None, 0.0), "dola_layers": (None,),
    "return_timestamps": (None, False),
}
# generate() keywords that add logits processors or constraints of the script's own
NOT_RUN_KEYWORDS = ("prefix_allowed_tokens_fn", "negative_prompt_ids", "assistant_model")


def encoder_input_name(model) -> str:
    """``input_ids`` (text encoders) or ``input_features`` (Whisper): the model's ``main_input_name``."""
    return str(getattr(model, "main_input_name", "input_ids") or "input_ids")


def unsupported_reason(model, call) -> str | None:
    """Why the ONNX loop cannot reproduce this encoder-decoder generation's tokens, or None."""
    name = encoder_input_name(model)
    if name not in ("input_ids", "input_features"):
        return f"an encoder-decoder whose encoder takes {name} is not exported (input_ids or input_features are)"
    if encoder_prompt(model, call) is None:
        return f"the generation's {name} is not a batch tensor"
    try:
        rules = logits_rules(model, call)
    except ValueError as error:
        return str(error)
    return None if rules else "the generation config could not be read"


def encoder_prompt(model, call) -> dict | None:
    """The encoder's inputs of the script's call (copies): ``input_ids`` + ``attention_mask`` or
    ``input_features``, or None."""
    import torch

    args, kwargs = call.args, {**call.kwargs, **(getattr(call, "overrides", None) or {})}
    main = main_input(args, kwargs)
    if not isinstance(main, torch.Tensor):
        return None
    if encoder_input_name(model) == "input_features":
        if not main.is_floating_point() or main.dim() != 3:
            return None
        return {"input_features": main.detach().clone().float()}
    if main.is_floating_point() or main.dim() != 2:
        return None
    mask = kwargs.get("attention_mask")
    mask = torch.ones_like(main) if mask is None else mask
    return {"input_ids": main.detach().clone().long(), "attention_mask": mask.detach().clone().long()}


def logits_rules(model, call) -> dict[str, Any]:
    """What ``generate()`` does to the decoder's logits and tokens under the generation config the
    script's call used (the model's ``generation_config`` updated with the call's keywords, as
    ``GenerationMixin._prepare_generation_config`` does): start tokens, suppressed tokens (always /
    at the first new token), forced first / last tokens, end-of-sequence tokens (a finished row gets
    ``pad_token_id``), ``min_new_tokens``, ``max_new_tokens``. Raises ValueError naming a setting
    the loop does not run."""
    import copy

    import torch
    kwargs = {**call.kwargs, **(getattr(call, "overrides", None) or {})}
    config = kwargs.get("generation_config")
    config = copy.deepcopy(config if config is not None else model.generation_config)
    for key, value in kwargs.items():
        if hasattr(config, key) and key != "generation_config":
            setattr(config, key, value)
    for key, neutral in NOT_RUN.items():
        value = getattr(config, key, None)
        if value not in neutral:
            raise ValueError(f"the generate() setting {key}={value!r} is not run by the ONNX loop")
    for key in NOT_RUN_KEYWORDS:
        if kwargs.get(key):
            raise ValueError(f"generate()'s {key} is not run by the ONNX loop")
    suppress, begin_suppress = list(config.suppress_tokens or []), list(config.begin_suppress_tokens or [])
    for processor in kwargs.get("logits_processor") or []:  # Whisper's generate() passes these two
        kind = type(processor).__name__
        if kind == "SuppressTokensLogitsProcessor":
            suppress += [int(t) for t in processor.suppress_tokens.tolist()]
        elif kind == "SuppressTokensAtBeginLogitsProcessor":
            begin_suppress += [int(t) for t in processor.begin_suppress_tokens.tolist()]
        else:
            raise ValueError(f"generate()'s logits processor {kind} is not run by the ONNX loop")
    if config.num_beams not in (None, 1) or config.do_sample:
        raise ValueError("greedy only")
    batch = int(next(iter(encoder_prompt(model, call).values())).shape[0])
    start = kwargs.get("decoder_input_ids")
    if isinstance(start, torch.Tensor):
        start_ids = start.detach().long().tolist()
    else:
        token = config.decoder_start_token_id
        token = token[0] if isinstance(token, (list, tuple)) else token
        if token is None:
            raise ValueError("the generation config names no decoder_start_token_id")
        start_ids = [[int(token)]] * batch
    prefix = len(start_ids[0])
    if config.max_new_tokens is not None:
        max_new = int(config.max_new_tokens)
    else:
        max_new = int(config.max_length) - prefix
    min_new = int(config.min_new_tokens) if config.min_new_tokens else max(0, int(config.min_length or 0) - prefix)
    eos = config.eos_token_id
    eos = [] if eos is None else [int(t) for t in (eos if isinstance(eos, (list, tuple)) else [eos])]
    return {
        "decoder_input_ids": start_ids, "max_new_tokens": max_new, "min_new_tokens": min_new,
        "suppress_tokens": [int(t) for t in suppress], "begin_suppress_tokens": [int(t) for t in begin_suppress],
        "forced_bos_token_id": None if config.forced_bos_token_id is None else int(config.forced_bos_token_id),
        "forced_eos_token_id": None if config.forced_eos_token_id is None else int(config.forced_eos_token_id),
        "eos_token_id": eos,
        "pad_token_id": None if config.pad_token_id is None else int(config.pad_token_id),
    }


def decoder_layers(model) -> int:
    config = model.config
    for key in ("decoder_layers", "num_decoder_layers", "num_layers", "num_hidden_layers"):
        value = getattr(config, key, None)
        if isinstance(value, int) and value > 0:
            return value
    raise ValueError("the model's config names no number of decoder layers")


def cache_names(layers: int, prefix: str, kind: str) -> list[str]:
    """``<prefix>.<i>.<kind>.key|value`` for each layer (kind: decoder = self-attention, encoder =
    cross-attention; optimum's names)."""
    return [f"{prefix}.{i}.{kind}.{part}" for i in range(layers) for part in ("key", "value")]


def export_encoder_decoder(model, prompt: dict, start_ids: list, folder: Path, opset: int | None) -> None:
    """``encoder.onnx``, ``prefill.onnx`` and ``decode.onnx`` with ``torch.onnx.export(dynamo=True)``."""
    import torch
    from transformers import DynamicCache, EncoderDecoderCache
    from transformers.integrations.executorch import register_dynamic_cache_export_support
    from transformers.modeling_outputs import BaseModelOutput

    register_dynamic_cache_export_support()
    audio = "input_features" in prompt
    layers = decoder_layers(model)
    self_present, cross_present = cache_names(layers, "present", "decoder"), cache_names(layers, "present", "encoder")
    self_past, cross_past = (cache_names(layers, "past_key_values", "decoder"),
                             cache_names(layers, "past_key_values", "encoder"))
    encoder = model.get_encoder()

    class Encoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask):
            return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    class AudioEncoder(Encoder):  # Whisper: log-mel features, no mask
        def forward(self, input_features):
            return self.encoder(input_features=input_features).last_hidden_state

    def flat(cache, part):
        layers_of = getattr(cache, part).layers
        return [t for layer in layers_of for t in (layer.keys, layer.values)]

    class Prefill(torch.nn.Module):  # the decoder's first step: no past; returns both caches
        def __init__(self):
            super().__init__()
            self.model = model

        def step(self, decoder_input_ids, encoder_hidden_states, mask):
            cache = EncoderDecoderCache(DynamicCache(config=self.model.config), DynamicCache(config=self.model.config))
            out = self.model(encoder_outputs=BaseModelOutput(last_hidden_state=encoder_hidden_states),
                             attention_mask=mask, decoder_input_ids=decoder_input_ids,
                             past_key_values=cache, use_cache=True)
            cache = out.past_key_values
            return (out.logits, *flat(cache, "self_attention_cache"), *flat(cache, "cross_attention_cache"))

        def forward(self, decoder_input_ids, encoder_hidden_states, encoder_attention_mask):
            return self.step(decoder_input_ids, encoder_hidden_states, encoder_attention_mask)

    class AudioPrefill(Prefill):
        def forward(self, decoder_input_ids, encoder_hidden_states):
            return self.step(decoder_input_ids, encoder_hidden_states, None)

    class Decode(torch.nn.Module):  # one token with the past; returns the self-attention cache only
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, decoder_input_ids, encoder_hidden_states, mask, *past):
            own, cross = DynamicCache(config=self.model.config), DynamicCache(config=self.model.config)
            for i in range(layers):
                own.update(past[2 * i], past[2 * i + 1], i)
                cross.update(past[2 * layers + 2 * i], past[2 * layers + 2 * i + 1], i)
            out = self.model(encoder_outputs=BaseModelOutput(last_hidden_state=encoder_hidden_states),
                             attention_mask=None if audio else mask, decoder_input_ids=decoder_input_ids,
                             past_key_values=EncoderDecoderCache(own, cross), use_cache=True)
            return (out.logits, *flat(out.past_key_values, "self_attention_cache"))

    auto = torch.export.Dim.AUTO
    common = dict(dynamo=True, opset_version=opset, external_data=True, verbose=False)
    # the encoder
    encoder_args = (prompt["input_features"],) if audio else (prompt["input_ids"], prompt["attention_mask"])
    encoder_names = ["input_features"] if audio else ["input_ids", "attention_mask"]
    encoder_class, prefill_class = (AudioEncoder, AudioPrefill) if audio else (Encoder, Prefill)
    hidden = encoder_class()(*encoder_args)
    torch.onnx.export(encoder_class().eval(), encoder_args, str(folder / "encoder.onnx"), input_names=encoder_names,
                      output_names=[HIDDEN], dynamic_shapes=({2: auto},) if audio else ({1: auto}, {1: auto}), **common)
    # the first decoder step: a sample of two start tokens, so that torch.export keeps the length
    # dynamic (a sample of length 1 is specialized to 1)
    start = torch.tensor(start_ids, dtype=torch.long)
    sample = start if start.shape[-1] > 1 else torch.cat([start, start], dim=-1)
    mask = () if audio else (prompt["attention_mask"],)
    prefill_names = [DECODER_IDS, HIDDEN, *([] if audio else [ENCODER_MASK])]
    torch.onnx.export(prefill_class().eval(), (sample, hidden, *mask), str(folder / "prefill.onnx"),
                      input_names=prefill_names, output_names=[LOGITS, *self_present, *cross_present],
                      dynamic_shapes=({1: auto}, {1: auto}, *({1: auto} for _ in mask)), **common)
    # one decode step with a past of two tokens (again, not 1)
    out = prefill_class()(sample, hidden, *mask)
    token = out[0][:, -1:].argmax(-1)
    past = out[1:]
    mask_arg = prompt["attention_mask"] if not audio else torch.ones(hidden.shape[:2], dtype=torch.long)
    torch.onnx.export(Decode().eval(), (token, hidden, mask_arg, *past), str(folder / "decode.onnx"),
                      input_names=[DECODER_IDS, HIDDEN, ENCODER_MASK, *self_past, *cross_past],
                      output_names=[LOGITS, *self_present],
                      dynamic_shapes=(None, {1: auto}, {1: auto}, tuple({2: auto} for _ in past)), **common)


def describe_encoder_decoder(folder: Path, suffix: str, info, base: dict | None = None,
                             rules: dict | None = None, encoder_inputs: list | None = None) -> dict[str, Any]:
    """The manifest of ``encoder``/``prefill``/``decode<suffix>.onnx``: as ``describe_graphs`` per
    graph, plus the self-attention (``cache_inputs``/``cache_outputs``) and cross-attention
    (``cross_cache_inputs``/``cross_cache_outputs``) names; checked: the decode graph's past
    inputs pair with the prefill's present outputs, layer by layer."""
    import onnx

    graphs: dict[str, Any] = {}
    for name in ENCODER_DECODER_GRAPHS:
        path = folder / f"{name}{suffix}.onnx"
        inputs = [value.name for value in onnx_graph_inputs(path)]
        outputs = [value.name for value in onnx.load(str(path), load_external_data=False).graph.output]
        data = path.with_name(path.name + ".data")
        graphs[name] = {
            "file": path.name, "opset": onnx_opset(path), "inputs": inputs, "outputs": outputs,
            "cache_inputs": [n for n in inputs if ".decoder." in n],
            "cache_outputs": [n for n in outputs if ".decoder." in n],
            "cross_cache_inputs": [n for n in inputs if ".encoder." in n],
            "cross_cache_outputs": [n for n in outputs if ".encoder." in n],
            "bytes": path.stat().st_size + (data.stat().st_size if data.is_file() else 0),
            "sha256": file_sha256(path), "precision": onnx_precision(path)["precision"],
        }
    encoder, prefill, decode = (graphs[n] for n in ENCODER_DECODER_GRAPHS)
    if HIDDEN not in encoder["outputs"]:
        raise ValueError(f"the encoder graph has no {HIDDEN!r} output (outputs: {encoder['outputs']})")
    for name in ("prefill", "decode"):
        if LOGITS not in graphs[name]["outputs"] or DECODER_IDS not in graphs[name]["inputs"]:
            raise ValueError(f"the {name} graph lacks {DECODER_IDS!r} or {LOGITS!r}")
    pairs = ((prefill["cache_outputs"], decode["cache_inputs"]), (decode["cache_inputs"], decode["cache_outputs"]),
             (prefill["cross_cache_outputs"], decode["cross_cache_inputs"]))
    for left, right in pairs:
        if not left or [n.split(".", 1)[1] for n in left] != [n.split(".", 1)[1] for n in right]:
            raise ValueError(f"the cache names do not pair: {left} / {right}")
    manifest = dict(base or {})
    manifest["graphs"] = graphs
    if rules is not None:
        manifest["encoder_decoder"] = {"encoder_inputs": list(encoder_inputs or []), **rules}
    if info is not None:
        manifest.update(new_tokens=int(info.new_tokens), mode=info.mode, batch_size=int(info.batch_size),
                        prompt_tokens=int(info.prompt_tokens))
    return manifest
