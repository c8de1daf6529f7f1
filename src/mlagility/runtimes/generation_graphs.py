"""What an ONNX runtime needs to run a generation, read from the build's files (the worker
process has no live model): the manifest the artifact rule named (``generation.json`` or
``generation-converted.json``, written by ``builds/generation_export.py``) and the saved prompt
(``generation.npz``).

``GenerationGraphs`` gives the two graphs' paths, their input and cache names (paired layer by
layer: prefill's present outputs -> decode's past inputs -> decode's present outputs), and the
step inputs of the decoding (``prefill_feeds``, ``decode_feeds``): ``input_ids``, the attention
mask grown by one column per token, and position ids as ``generate()`` computes them (the
mask's running sum minus one, padding at 1). A runtime keeps the cache in its own memory between
steps; only token ids and the mask go through numpy.

``TokenPicker`` is the one place where the ONNX runtimes' loops turn a step's logits into the next
token (``ort`` and ``openvino`` call it instead of an ``argmax``): greedy, seeded sampling, or a
hand-written decode loop's own tokens fed back (teacher forcing), as the manifest's ``decoding``
says (``builds/generation_export.py: decoding_of``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlagility.common.filesystem import read_regular


@dataclass
class GenerationGraphs:
    prefill: Path
    decode: Path
    prefill_inputs: list[str]
    decode_inputs: list[str]
    prefill_cache_outputs: list[str]
    decode_cache_inputs: list[str]
    decode_cache_outputs: list[str]
    input_ids: Any  # numpy int64 (batch x prompt)
    attention_mask: Any
    new_tokens: int
    mode: str
    decoding: dict = field(default_factory=dict)  # the manifest's "decoding" (TokenPicker)
    rng_state: Any = None  # numpy uint8: torch's CPU RNG state when the script called generate()
    forced_tokens: Any = None  # numpy int64 (batch x decode steps): a decode loop's own step tokens
    optimized: dict | None = None  # the manifest's "optimized" entry: fused graphs' node counts

    @classmethod
    def read(cls, manifest_path: Path, prompt_path: Path, runtime: str) -> "GenerationGraphs":
        import numpy as np

        manifest = json.loads(read_regular(manifest_path, "record").decode("utf-8"))
        mode = manifest.get("mode", "greedy")
        decoding = manifest.get("decoding") or {"picker": "greedy"}
        if decoding.get("picker") not in PICKERS:
            raise NotSupported(f"not supported on {runtime}: {decoding.get('picker')} decoding "
                               f"(this generation is {mode})")
        graphs = manifest["graphs"]
        folder = Path(manifest_path).parent
        with np.load(prompt_path, allow_pickle=False) as saved:
            ids, mask = saved["input_ids"].astype(np.int64), saved["attention_mask"].astype(np.int64)
            rng_state = saved["rng_state"].astype(np.uint8) if "rng_state" in saved.files else None
            forced = saved["forced_tokens"].astype(np.int64) if "forced_tokens" in saved.files else None
        return cls(
            prefill=folder / graphs["prefill"]["file"], decode=folder / graphs["decode"]["file"],
            prefill_inputs=graphs["prefill"]["inputs"], decode_inputs=graphs["decode"]["inputs"],
            prefill_cache_outputs=graphs["prefill"]["cache_outputs"],
            decode_cache_inputs=graphs["decode"]["cache_inputs"],
            decode_cache_outputs=graphs["decode"]["cache_outputs"],
            input_ids=ids, attention_mask=mask, new_tokens=int(manifest["new_tokens"]), mode=mode,
            decoding=decoding, rng_state=rng_state, forced_tokens=forced,
            optimized=manifest.get("optimized"),
        )

    @property
    def batch_size(self) -> int:
        return int(self.input_ids.shape[0])

    @property
    def prompt_tokens(self) -> int:
        return int(self.input_ids.shape[-1])

    def details(self) -> dict:
        """What the result records: batch, prompt and new tokens, the graphs, whether they were
        fused for ONNX Runtime (``fused``: the fused ops and node counts, exported -> fused), the
        cache the script used and how each token is picked (``decoding``)."""
        details = {"batch_size": self.batch_size, "prompt_tokens": self.prompt_tokens, "new_tokens": self.new_tokens,
                   "graphs": f"{self.prefill.name}, {self.decode.name}",
                   "cache": f"KV cache as graph inputs/outputs (script: {self.decoding.get('script_cache', 'DynamicCache')})",
                   "decoding": self.decoding.get("label", "greedy (argmax of each step's logits)")}
        if self.optimized:
            details["fused"] = "; ".join(
                f"{name} {graph['nodes_before']} -> {graph['nodes_after']} nodes ("
                + ", ".join(f"{op} {count}" for op, count in graph["fused_ops"].items()) + ")"
                for name, graph in self.optimized.items() if isinstance(graph, dict))
        else:
            details["fused"] = "no"
        return details

    def picker(self) -> "TokenPicker":
        """The token picker of this generation (one per session; ``start()`` before each generation)."""
        return TokenPicker(self)

    def prefill_feeds(self) -> dict:
        """The prefill's non-cache inputs (those its graph takes)."""
        import numpy as np

        mask = self.attention_mask
        positions = np.where(mask == 0, 1, np.cumsum(mask, axis=-1) - 1).astype(np.int64)
        values = {"input_ids": self.input_ids, "attention_mask": mask, "position_ids": positions,
                  "cache_position": np.arange(self.prompt_tokens, dtype=np.int64)}
        return {name: values[name] for name in self.prefill_inputs if name in values}

    def decode_feeds(self, token, mask, step: int) -> tuple[dict, Any]:
        """The decode step's non-cache inputs for ``token`` (batch,) after ``step`` tokens (1-based),
        and the grown attention mask (batch x prompt + step)."""
        import numpy as np

        mask = np.concatenate([mask, np.ones((mask.shape[0], 1), dtype=np.int64)], axis=-1)
        position = (mask.sum(axis=-1, keepdims=True) - 1).astype(np.int64)
        values = {"input_ids": token.reshape(-1, 1).astype(np.int64), "attention_mask": mask,
                  "position_ids": position,
                  "cache_position": np.array([self.prompt_tokens + step - 1], dtype=np.int64)}
        return {name: values[name] for name in self.decode_inputs if name in values}, mask

    def decode_steps(self) -> tuple[list[str], Any]:
        """``(names, feeds)``: the decode step's non-cache inputs that its graph takes, and
        ``feeds(token, step) -> [array]`` in that order for ``token`` (batch,) after ``step`` tokens
        (1-based), the values ``decode_feeds`` computes, without its per-step work: the mask is a
        view of one buffer filled at the start (batch x prompt + new tokens; contiguous for batch
        1) and the positions are the prompt's mask sum - 1 plus ``step``. One call per generation."""
        import numpy as np

        prompt = self.prompt_tokens
        mask = np.ones((self.batch_size, prompt + self.new_tokens), dtype=np.int64)
        mask[:, :prompt] = self.attention_mask
        last = (self.attention_mask.sum(axis=-1, keepdims=True) - 1).astype(np.int64)
        makers = {
            "input_ids": lambda token, step: token.reshape(-1, 1).astype(np.int64, copy=False),
            "attention_mask": lambda token, step: np.ascontiguousarray(mask[:, :prompt + step]),
            "position_ids": lambda token, step: last + step,
            "cache_position": lambda token, step: np.array([prompt + step - 1], dtype=np.int64),
        }
        names = [name for name in self.decode_inputs if name in makers]
        chosen = [makers[name] for name in names]

        def feeds(token, step: int) -> list:
            return [make(token, step) for make in chosen]

        return names, feeds


PICKERS = ("greedy", "sampling", "teacher forcing")


class TokenPicker:
    """Turns each step's last-position logits (numpy, batch x vocab) into the token fed to the next
    step, as the script's decoding did; ``tokens()`` gives the tokens the check compares (batch x
    new tokens).

    * ``greedy``: argmax; ``sampling``: ``torch.multinomial`` of the softmax of the processed scores.
      Both run the scores through transformers' own ``LogitsProcessorList``, built by
      ``GenerationMixin._get_logits_processor`` from the script's effective ``GenerationConfig``
      (saved in the manifest: temperature, top-k, top-p, repetition penalty, min new tokens...),
      and write the pad token after a sequence's end-of-sequence token, as ``GenerationMixin._sample``
      does (transformers/generation/utils.py). Sampling draws from a ``torch.Generator`` set to
      torch's CPU RNG state as it was when the script called ``generate()`` (saved as uint8 in the
      prompt file), so with logits equal to float tolerance the tokens are the script's; torch's
      global RNG is not touched. Greedy with no processor stays a numpy argmax (torch not imported).
    * ``teacher forcing`` (a hand-written decode loop): the loop's own step tokens are fed back;
      the tokens checked are each step's argmax, as the script's calls' were recorded.
    """

    def __init__(self, graphs: GenerationGraphs):
        self.graphs = graphs
        self.kind = graphs.decoding.get("picker", "greedy")
        self.processors = None
        self.eos = self.pad = None
        config = graphs.decoding.get("generation_config")
        if config is not None:
            self._prepare(config)
        if self.kind == "sampling" and config is None:
            raise NotSupported("sampling needs the script's generation config (not in the build)")
        if self.kind == "sampling" and graphs.rng_state is None:
            raise NotSupported("sampling needs torch's RNG state of the script's call (not in the build)")
        if self.kind == "teacher forcing" and graphs.forced_tokens is None:
            raise NotSupported("the decode loop's step tokens are not in the build")

    def _prepare(self, config: dict) -> None:
        """transformers' processors from the saved generation config (no model needed: a
        ``GenerationMixin`` with a decoder-only config stands in for it)."""
        import types

        import numpy as np
        import torch
        from transformers import GenerationConfig
        from transformers.generation.utils import GenerationMixin

        class Decoder(GenerationMixin):
            def __init__(self):
                self.config = types.SimpleNamespace(is_encoder_decoder=False)

        generation_config = GenerationConfig.from_dict(dict(config))
        owner, ids = Decoder(), torch.from_numpy(self.graphs.input_ids)
        owner._prepare_special_tokens(generation_config, True, device="cpu", batch_size=self.graphs.batch_size)
        self.processors = owner._get_logits_processor(
            generation_config, input_ids_seq_length=self.graphs.prompt_tokens, encoder_input_ids=ids, device="cpu",
            model_kwargs={"attention_mask": torch.from_numpy(self.graphs.attention_mask)})
        if generation_config._eos_token_tensor is not None:
            self.eos = generation_config._eos_token_tensor.numpy().reshape(-1)
            self.pad = int(generation_config._pad_token_tensor)
        if not len(self.processors) and self.kind == "greedy":
            self.processors = None  # a plain argmax: numpy only
        self._torch, self._np = torch, np

    def start(self) -> None:
        """Before each generation: the prompt as the sequence so far, the RNG as the script's call found it."""
        import numpy as np

        self.sequence = self.graphs.input_ids
        self.unfinished = np.ones(self.graphs.batch_size, dtype=bool)
        self.picked: list = []
        self.generator = None
        if self.kind == "sampling":
            import torch

            self.generator = torch.Generator()
            self.generator.set_state(torch.from_numpy(self.graphs.rng_state.copy()))

    def __call__(self, logits):
        """The token (batch,) fed to the next step, from the step's logits (batch x vocab)."""
        import numpy as np

        step = len(self.picked)
        if self.kind == "teacher forcing":
            self.picked.append(logits.argmax(-1))
            forced = self.graphs.forced_tokens
            return forced[:, step] if step < forced.shape[-1] else self.picked[-1]
        if self.processors is None and self.kind == "greedy":
            token = logits.argmax(-1)
        else:
            torch = self._torch
            scores = torch.from_numpy(np.ascontiguousarray(logits, dtype=np.float32))
            if self.processors is not None:
                scores = self.processors(torch.from_numpy(self.sequence), scores)
            if self.kind == "sampling":
                probs = torch.nn.functional.softmax(scores, dim=-1)
                token = torch.multinomial(probs, num_samples=1, generator=self.generator).squeeze(1).numpy()
            else:
                token = scores.argmax(-1).numpy()
        token = token.astype(np.int64)
        if self.eos is not None:
            token = np.where(self.unfinished, token, self.pad)
            self.unfinished &= ~np.isin(token, self.eos)
        if self.processors is not None:
            self.sequence = np.concatenate([self.sequence, token[:, None]], axis=-1)
        self.picked.append(token)
        return token

    def tokens(self):
        """The new tokens of this generation (batch x new tokens), for the check."""
        import numpy as np

        return np.stack(self.picked, axis=-1)


class NotSupported(RuntimeError):
    """A generation this runtime's loop does not run (the harness reports the reason)."""


def is_encoder_decoder(manifest_path: Path) -> bool:
    """Whether the manifest is an encoder-decoder's (encoder, prefill, decode graphs)."""
    return "encoder_decoder" in json.loads(read_regular(manifest_path, "record").decode("utf-8"))


@dataclass
class EncoderDecoderGraphs:
    """An encoder-decoder's graphs (``builds/encoder_decoder_export.py``): the encoder, the
    decoder's first step (``prefill``: start tokens, no past; returns the self- and the
    cross-attention caches) and the decoder with past (``decode``: one token; returns the
    self-attention cache; the cross-attention cache is the prefill's, bound again each step).

    ``pick`` chooses each new token as ``generate()``'s greedy search does under the script's
    generation config (``rules``: suppressed tokens, forced first/last tokens, ``min_new_tokens``,
    rows finished at an end-of-sequence token continued with ``pad_token_id``); transformers'
    logits processors (``SuppressTokensLogitsProcessor``, ``SuppressTokensAtBeginLogitsProcessor``,
    ``ForcedBOSTokenLogitsProcessor``, ``ForcedEOSTokenLogitsProcessor``,
    ``MinNewTokensLengthLogitsProcessor``) are the source of each rule."""

    encoder: Path
    prefill: Path
    decode: Path
    encoder_inputs: list[str]
    prefill_inputs: list[str]
    decode_inputs: list[str]
    prefill_cache_outputs: list[str]
    prefill_cross_outputs: list[str]
    decode_cache_inputs: list[str]
    decode_cross_inputs: list[str]
    decode_cache_outputs: list[str]
    prompt: dict  # the encoder's inputs, numpy
    rules: dict
    new_tokens: int
    mode: str

    @classmethod
    def read(cls, manifest_path: Path, prompt_path: Path, runtime: str) -> "EncoderDecoderGraphs":
        import numpy as np

        manifest = json.loads(read_regular(manifest_path, "record").decode("utf-8"))
        mode = manifest.get("mode", "greedy")
        if mode != "greedy":
            raise NotSupported(f"not supported on {runtime}: greedy only (this generation is {mode})")
        graphs, rules = manifest["graphs"], manifest["encoder_decoder"]
        folder = Path(manifest_path).parent
        with np.load(prompt_path, allow_pickle=False) as saved:
            prompt = {name: saved[name].astype(np.float32 if name == "input_features" else np.int64)
                      for name in rules["encoder_inputs"]}
        encoder, prefill, decode = graphs["encoder"], graphs["prefill"], graphs["decode"]
        return cls(
            encoder=folder / encoder["file"], prefill=folder / prefill["file"], decode=folder / decode["file"],
            encoder_inputs=encoder["inputs"], prefill_inputs=prefill["inputs"], decode_inputs=decode["inputs"],
            prefill_cache_outputs=prefill["cache_outputs"], prefill_cross_outputs=prefill["cross_cache_outputs"],
            decode_cache_inputs=decode["cache_inputs"], decode_cross_inputs=decode["cross_cache_inputs"],
            decode_cache_outputs=decode["cache_outputs"], prompt=prompt, rules=rules,
            new_tokens=int(manifest["new_tokens"]), mode=mode)

    @property
    def batch_size(self) -> int:
        return int(next(iter(self.prompt.values())).shape[0])

    def details(self) -> dict:
        main = self.prompt.get("input_ids", self.prompt.get("input_features"))
        return {"batch_size": self.batch_size, "prompt_tokens": int(main.shape[-1]), "new_tokens": self.new_tokens,
                "graphs": f"{self.encoder.name}, {self.prefill.name}, {self.decode.name}"}

    def encoder_feeds(self) -> dict:
        return {name: self.prompt[name] for name in self.encoder_inputs if name in self.prompt}

    def encoder_mask(self):
        """The encoder's attention mask (text encoders), else None."""
        return self.prompt.get("attention_mask")

    def start_ids(self):
        import numpy as np

        return np.asarray(self.rules["decoder_input_ids"], dtype=np.int64)

    def pick(self, logits, index: int, finished):
        """The new token (batch,) at new-token ``index`` (0-based) from the last position's
        ``logits`` (batch x vocabulary), and the rows finished after it (``finished``: batch bool,
        updated in place)."""
        import numpy as np

        rules = self.rules
        scores = np.array(logits, dtype=np.float32, copy=True)
        suppressed = list(rules["suppress_tokens"]) + (list(rules["begin_suppress_tokens"]) if index == 0 else [])
        if index < rules["min_new_tokens"]:
            suppressed += rules["eos_token_id"]
        if suppressed:
            scores[:, suppressed] = -np.inf
        forced = rules["forced_bos_token_id"] if index == 0 else None
        if rules["forced_eos_token_id"] is not None and index == rules["max_new_tokens"] - 1:
            forced = rules["forced_eos_token_id"]
        token = np.full(scores.shape[0], forced, dtype=np.int64) if forced is not None else scores.argmax(-1)
        if rules["pad_token_id"] is not None:
            token = np.where(finished, rules["pad_token_id"], token)
        if rules["eos_token_id"]:
            finished |= np.isin(token, rules["eos_token_id"])
        return token.astype(np.int64)
