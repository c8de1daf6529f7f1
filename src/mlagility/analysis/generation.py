"""Generations: a ``generate()`` call of a transformers model, found as one model with its
prefill and decode steps grouped under it (never one invocation per token).

``GenerationMixin.generate`` is wrapped while discovery is active (``discovery.ModelDiscovery``
installs ``patched_generate`` and removes it on exit). A top-level ``generate()`` of the script
records a ``GenerationInfo`` (batch, prompt length, new tokens, decoding mode, cache class) and a
``GenerationCall``: what benchit needs to run the same generation again, taken *before* the
script's call (deep copies of every argument, including a cache object the script passed, and
torch's RNG state), so that no run benchit makes touches the script's objects or its random
numbers (``fresh()`` hands out new copies for every run).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from mlagility.analysis import hashing
from mlagility.analysis.copies import fresh_copy
from mlagility.analysis.model_info import InputSpec, Invocation
from mlagility.analysis.torch_state import clean_context

# generate() keywords benchit never passes on when it runs the generation again: they act
# outside the computation (a streamer prints to the script's stdout).
NOT_REPEATED = ("streamer",)


@dataclass
class GenerationInfo:
    """What a generation is, as shown in the tree and recorded with the build."""

    batch_size: int
    prompt_tokens: int
    new_tokens: int
    mode: str  # greedy, sampling, beam search (4 beams)
    cache: str  # the cache class the model was called with: DynamicCache, StaticCache, none
    use_cache: bool
    model_calls: int  # forward calls of the model inside the generation (prefill + decode steps)
    encoder_decoder: bool = False
    precision: str = "float32"  # what the script's generation computed in (script_precision)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def summary(self) -> str:
        cache = self.cache if self.use_cache else "no KV cache (use_cache=False)"
        precision = "" if self.precision == "float32" else f", {self.precision}"
        return (f"batch {self.batch_size}, prompt {self.prompt_tokens} tokens, {self.new_tokens} new tokens, "
                f"{self.mode}, {cache}, {self.model_calls} model calls{precision}")


@dataclass
class GenerationCall:
    """The script's ``generate()`` call, kept to run it again (in memory only).

    ``args``/``kwargs``: deep copies taken before the script's call. ``rng_state``: torch's CPU RNG
    state before it (sampling draws the same numbers). ``tokens``: the new token ids the script got
    (batch x new tokens), the reference of the correctness check.
    """

    model: Any
    args: tuple
    kwargs: dict
    rng_state: Any
    tokens: Any = None
    info: GenerationInfo | None = None
    overrides: dict = field(default_factory=dict)  # --new-tokens ...: synthetic runs
    precision: str = "float32"  # what the script's call computed in (script_precision)

    def fresh(self) -> tuple[tuple, dict]:
        """New copies of the call's arguments (a cache object the script passed included)."""
        kwargs = {k: v for k, v in self.kwargs.items() if k not in NOT_REPEATED}
        args, kwargs = fresh_copy((self.args, kwargs))
        return args, {**kwargs, **self.overrides}

    def run(self, model, arguments, on_token, details: dict, logits: list | None = None):
        """One generation on ``arguments`` (from ``fresh()``), ``on_token()`` called right after
        each new token is selected (a stopping criterion that stops nothing); returns the new
        token ids (batch x new tokens). Sampling draws what the script's call drew (torch's RNG
        set to its state before that call). With ``logits`` (a list; the check's untimed run
        only), each step's raw next-token logits (batch x vocab, float32 numpy, transformers'
        ``output_logits``) are appended to it."""
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList

        class TokenStamp(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                on_token()
                return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)

        args, kwargs = arguments
        criteria = StoppingCriteriaList([*(kwargs.pop("stopping_criteria", None) or []), TokenStamp()])
        kwargs["return_dict_in_generate"] = True
        if logits is not None:
            kwargs["output_logits"] = True
        torch.set_rng_state(self.rng_state)
        output = model.generate(*args, stopping_criteria=criteria, **kwargs)
        if logits is not None:
            logits.extend(step.detach().float().cpu().numpy() for step in (getattr(output, "logits", None) or ()))
        cache = getattr(output, "past_key_values", None)
        if cache is not None:
            details["kv_cache_mib"] = cache_mib(cache)
        return new_token_ids(model, self, output)


def max_positions(model) -> int | None:
    """The longest sequence (prompt + new tokens) the model's config declares it takes:
    ``max_position_embeddings`` or GPT-2's ``n_positions`` (its learned position table); None
    where the config declares neither."""
    config = getattr(model, "config", None)
    config = getattr(config, "get_text_config", lambda: config)() if config is not None else None
    for name in ("max_position_embeddings", "n_positions"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def synthetic_calls(call: GenerationCall, prompt_lengths, new_tokens, batch_sizes, warn=None) -> list[GenerationCall]:
    """The script's generation at other sizes (``--prompt-lengths``, ``--new-tokens``,
    ``--batch-sizes``: llama-bench's pp/tg table): token ids drawn with a fixed seed (no padding),
    exactly N new tokens (``min_new_tokens = max_new_tokens``: the end-of-sequence token does not
    stop it), the other keywords as the script gave them. One call per combination, the script's
    own size excluded; its ``tokens`` (the reference of the check) come from one run of the
    framework's own ``generate()``, made here outside the script's autocast
    (``torch_state.clean_context``, what the runtimes run in). Only for prompts of token ids (not
    audio or image features): ``[]`` otherwise. A size longer than the model's positions
    (``max_positions``) is left out, with one line through ``warn(text)`` saying so."""
    import itertools

    import torch

    info, prompt = call.info, main_input(call.args, call.kwargs)
    if info is None or prompt is None or prompt.is_floating_point() or prompt.dim() != 2:
        return []
    vocab = int(getattr(getattr(call.model, "config", None), "vocab_size", 0) or int(prompt.max()) + 1)
    calls = []
    combos = itertools.product(batch_sizes or [info.batch_size], prompt_lengths or [info.prompt_tokens],
                               new_tokens or [info.new_tokens])
    for batch, length, new in combos:
        if (batch, length, new) == (info.batch_size, info.prompt_tokens, info.new_tokens) and not new_tokens:
            continue
        limit = max_positions(call.model)
        if limit is not None and length + new > limit:
            if warn is not None:
                what = f"prompt length {length}" if length > limit else f"prompt length {length} + {new} new tokens"
                warn(f"{what} exceeds the model's max_position_embeddings/n_positions {limit}; "
                     f"choose prompt length + new tokens <= {limit} (batch {batch}, prompt {length}, "
                     f"new {new} not run)")
            continue
        generator = torch.Generator().manual_seed(1000 * batch + length)
        ids = torch.randint(0, vocab, (batch, length), generator=generator)
        kwargs = {k: v for k, v in call.kwargs.items()
                  if k not in ("inputs", "input_ids", "attention_mask", "max_length", "min_length")}
        overrides = {"input_ids": ids, "attention_mask": torch.ones_like(ids), "max_new_tokens": new,
                     "min_new_tokens": new}
        synthetic = GenerationCall(call.model, (), kwargs, call.rng_state, overrides=overrides)
        with clean_context():
            fork = torch.random.fork_rng()
            with fork:
                torch.set_rng_state(call.rng_state)
                args, fresh_kwargs = synthetic.fresh()
                fresh_kwargs["return_dict_in_generate"] = True
                output = call.model.generate(*args, **fresh_kwargs)
            synthetic.precision = script_precision(call.model)
        synthetic.tokens = output.sequences[:, -new:] if not info.encoder_decoder else output.sequences[:, 1:]
        synthetic.info = GenerationInfo(batch, length, new, info.mode, info.cache, info.use_cache,
                                        new, info.encoder_decoder, synthetic.precision)
        calls.append(synthetic)
    return calls


def synthetic_invocations(invocation, prompt_lengths, new_tokens, batch_sizes, warn=None) -> list:
    """``Invocation``s of the synthetic sizes of a ``generate()`` invocation (``synthetic_calls``),
    each with its own hash (a build and a result of its own), shown as the same model. A
    hand-written decode loop (``DecodeLoopCall``) is replayed as the script made its calls, never
    at other sizes: ``warn(text)`` gets one line saying so. ``warn(text)`` also gets each size
    left out (``synthetic_calls``)."""
    if not (prompt_lengths or new_tokens or batch_sizes):
        return []
    if isinstance(invocation.call, DecodeLoopCall):
        if warn is not None:
            warn("--prompt-lengths/--new-tokens/--batch-sizes not applied: its generation is a hand-written "
                 "decode loop, which benchit replays call by call as the script made it (only generate() is "
                 "run at other sizes)")
        return []
    if not isinstance(invocation.call, GenerationCall):
        return []
    if invocation.call.overrides:  # a synthetic one itself
        return []
    found = []
    for call in synthetic_calls(invocation.call, prompt_lengths, new_tokens, batch_sizes, warn):
        info = call.info
        signature = (f"{invocation.signature}|synthetic batch={info.batch_size} prompt={info.prompt_tokens} "
                     f"new={info.new_tokens}")
        specs = [InputSpec("input_ids", (info.batch_size, info.prompt_tokens), "int64")]
        found.append(Invocation(hash=hashing.invocation_hash(invocation.model.model_hash, signature),
                                model=invocation.model, inputs=specs, signature=signature,
                                constants=[("synthetic", "True"), ("min_new_tokens", str(info.new_tokens))],
                                generation=info, call=call))
    return found


CACHE_ARGUMENTS = ("past_key_values", "cache")  # transformers 5 accepts both names


def cache_argument(kwargs: dict) -> tuple[str | None, Any]:
    """The keyword and the cache object a model call was given (None, None without one)."""
    for name in CACHE_ARGUMENTS:
        if kwargs.get(name) is not None:
            return name, kwargs[name]
    return None, None


def returned_cache(result) -> Any:
    """The cache a model call returned (``output.past_key_values``), or None."""
    return getattr(result, "past_key_values", None) if not isinstance(result, (tuple, list)) else None


def last_token(result):
    """The greedy next token of a causal LM's call (batch,), or None when it has no logits."""
    logits = getattr(result, "logits", None)
    if logits is None or logits.dim() != 3:
        return None
    return logits[:, -1].argmax(-1)


@dataclass
class DecodeLoopCall:
    """A hand-written decode loop: the script called the same model again with the cache it
    returned. Kept as the prefill call (its cache argument put back as it was before the call:
    emptied, or cropped to its earlier length) and each decode step's other arguments; run again
    by replaying the same calls on a fresh cache (``run``). ``tokens``: the greedy next token of
    each of the script's calls (batch x calls), the reference of the check."""

    prefill_args: tuple
    prefill_kwargs: dict
    cache_key: str
    steps: list = field(default_factory=list)  # (args, kwargs) of each decode step, without the cache
    tokens: Any = None
    info: GenerationInfo | None = None
    model: Any = None
    precision: str = "float32"  # what the script's calls computed in (script_precision)
    _tokens: list = field(default_factory=list, repr=False)

    def fresh(self):
        return fresh_copy((self.prefill_args, self.prefill_kwargs, self.steps))

    def run(self, model, arguments, on_token, details: dict):
        """Replay: the prefill, then each decode step with the cache the previous call returned."""
        import torch

        args, kwargs, steps = arguments
        output = model(*args, **kwargs)
        on_token()
        tokens = [last_token(output)]
        cache = returned_cache(output) or kwargs.get(self.cache_key)
        for step_args, step_kwargs in steps:
            output = model(*step_args, **{**step_kwargs, self.cache_key: cache})
            on_token()
            tokens.append(last_token(output))
            cache = returned_cache(output) or cache
        details["kv_cache_mib"] = cache_mib(cache)
        return torch.stack(tokens, dim=-1) if all(t is not None for t in tokens) else torch.zeros(0)


def initial_cache(cache, query_length: int):
    """A copy of ``cache`` as it was before a call that added ``query_length`` positions to it
    (``reset()`` to empty, else ``crop``); None when that cannot be done."""
    copied = fresh_copy(cache)
    try:
        before = int(copied.get_seq_length()) - query_length
        if before <= 0:
            copied.reset()
        elif getattr(copied, "is_croppable", True):
            copied.crop(before)
        else:
            return None
    except Exception:
        return None
    return copied


def snapshot(model, args: tuple, kwargs: dict) -> GenerationCall:
    """A ``GenerationCall`` of the call about to run (copies, RNG state)."""
    import torch

    kwargs = {k: v for k, v in kwargs.items() if k not in NOT_REPEATED}
    args, kwargs = fresh_copy((args, kwargs))
    return GenerationCall(model, args, kwargs, torch.get_rng_state(), precision=script_precision(model))


def script_precision(model) -> str:
    """What a call of ``model`` made now computes in: ``"<dtype> autocast"`` where autocast is on
    for the device of the model's parameters (``"bfloat16 autocast"``), else the dtype of its
    floating-point parameters (``"float32"``, ``"bfloat16"``, ``"float16"``). The runtimes run
    outside the script's autocast (``torch_state.clean_context``), so a generation made under it is
    checked against tokens computed at another precision (``api/pipeline.py`` says so)."""
    import torch

    parameter = next((p for p in model.parameters() if p.is_floating_point()), None) \
        if isinstance(model, torch.nn.Module) else None
    device = parameter.device.type if parameter is not None else "cpu"
    try:
        if torch.is_autocast_enabled(device):
            return f"{str(torch.get_autocast_dtype(device)).removeprefix('torch.')} autocast"
    except (RuntimeError, TypeError):  # a device type autocast does not know
        pass
    return str(parameter.dtype).removeprefix("torch.") if parameter is not None else "float32"


def main_input(args: tuple, kwargs: dict):
    """The prompt tensor: ``input_ids`` / ``inputs`` / ``input_features`` / the first argument."""
    for name in ("input_ids", "inputs", "input_features", "input_values", "pixel_values", "inputs_embeds"):
        if kwargs.get(name) is not None:
            return kwargs[name]
    return args[0] if args else None


def decoding_mode(model, kwargs: dict) -> str:
    config = kwargs.get("generation_config") or getattr(model, "generation_config", None)
    beams = kwargs.get("num_beams", getattr(config, "num_beams", 1) or 1)
    sample = kwargs.get("do_sample", getattr(config, "do_sample", False))
    if beams and beams > 1:
        return f"beam {'sampling' if sample else 'search'} ({beams} beams)"
    return "sampling" if sample else "greedy"


def new_token_ids(model, call: GenerationCall, output):
    """The new token ids (batch x new tokens) of a ``generate()`` output (a tensor or a
    ``GenerateOutput`` with ``sequences``)."""
    sequences = getattr(output, "sequences", output)
    if getattr(getattr(model, "config", None), "is_encoder_decoder", False):
        return sequences[:, 1:]
    prompt = main_input(call.args, {**call.kwargs, **call.overrides})
    length = prompt.shape[-1] if hasattr(prompt, "shape") and prompt.dim() >= 2 and not prompt.is_floating_point() else 0
    return sequences[:, length:]


def describe(model, call: GenerationCall, output, cache_class: str | None, use_cache: bool | None,
             model_calls: int) -> GenerationInfo:
    prompt = main_input(call.args, call.kwargs)
    shape = tuple(prompt.shape) if hasattr(prompt, "shape") else (1, 0)
    tokens = new_token_ids(model, call, output)
    encoder_decoder = bool(getattr(getattr(model, "config", None), "is_encoder_decoder", False))
    return GenerationInfo(
        batch_size=int(shape[0]) if shape else 1,
        prompt_tokens=int(shape[-1]) if len(shape) >= 2 else 0,
        new_tokens=int(tokens.shape[-1]),
        mode=decoding_mode(model, call.kwargs),
        cache=cache_class or "none",
        use_cache=bool(use_cache) if use_cache is not None else cache_class is not None,
        model_calls=model_calls,
        encoder_decoder=encoder_decoder,
        precision=call.precision,
    )


def cache_mib(cache) -> float | None:
    """The size of a KV cache object's tensors in MiB (walks its attributes, lists, tuples)."""
    import torch

    seen: set[int] = set()
    total = 0

    def walk(value, depth: int) -> None:
        nonlocal total
        if depth > 6 or id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, torch.Tensor):
            total += value.numel() * value.element_size()
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item, depth + 1)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item, depth + 1)
        elif hasattr(value, "__dict__") and type(value).__module__.startswith("transformers"):
            for item in vars(value).values():
                walk(item, depth + 1)

    if cache is None:
        return None
    walk(cache, 0)
    return total / 2**20


def generation_mixin():
    """transformers' ``GenerationMixin`` if transformers is imported, else None."""
    import sys

    module = sys.modules.get("transformers.generation.utils")
    return getattr(module, "GenerationMixin", None)
