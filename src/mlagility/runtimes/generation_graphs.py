"""What an ONNX runtime needs to run a generation, read from the build's files (the worker
process has no live model): the manifest the artifact rule named (``generation.json`` or
``generation-converted.json``, written by ``builds/generation_export.py``) and the saved prompt
(``generation.npz``).

``GenerationGraphs`` gives the two graphs' paths, their input and cache names (paired layer by
layer: prefill's present outputs -> decode's past inputs -> decode's present outputs), and the
step inputs of greedy decoding (``prefill_feeds``, ``decode_feeds``): ``input_ids``, the attention
mask grown by one column per token, and position ids as ``generate()`` computes them (the
mask's running sum minus one, padding at 1). A runtime keeps the cache in its own memory between
steps; only token ids and the mask go through numpy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


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
    optimized: dict | None = None  # the manifest's "optimized" entry: fused graphs' node counts

    @classmethod
    def read(cls, manifest_path: Path, prompt_path: Path, runtime: str) -> "GenerationGraphs":
        import numpy as np

        from mlagility.common.filesystem import read_regular

        manifest = json.loads(read_regular(manifest_path, "record").decode("utf-8"))
        mode = manifest.get("mode", "greedy")
        if mode != "greedy":
            raise NotSupported(f"not supported on {runtime}: greedy only (this generation is {mode})")
        graphs = manifest["graphs"]
        folder = Path(manifest_path).parent
        with np.load(prompt_path, allow_pickle=False) as saved:
            ids, mask = saved["input_ids"].astype(np.int64), saved["attention_mask"].astype(np.int64)
        return cls(
            prefill=folder / graphs["prefill"]["file"], decode=folder / graphs["decode"]["file"],
            prefill_inputs=graphs["prefill"]["inputs"], decode_inputs=graphs["decode"]["inputs"],
            prefill_cache_outputs=graphs["prefill"]["cache_outputs"],
            decode_cache_inputs=graphs["decode"]["cache_inputs"],
            decode_cache_outputs=graphs["decode"]["cache_outputs"],
            input_ids=ids, attention_mask=mask, new_tokens=int(manifest["new_tokens"]), mode=mode,
            optimized=manifest.get("optimized"),
        )

    @property
    def batch_size(self) -> int:
        return int(self.input_ids.shape[0])

    @property
    def prompt_tokens(self) -> int:
        return int(self.input_ids.shape[-1])

    def details(self) -> dict:
        """What the result records: batch, prompt and new tokens, the graphs, and whether they were
        fused for ONNX Runtime (``fused``: the fused ops and node counts, exported -> fused)."""
        details = {"batch_size": self.batch_size, "prompt_tokens": self.prompt_tokens, "new_tokens": self.new_tokens,
                   "graphs": f"{self.prefill.name}, {self.decode.name}"}
        if self.optimized:
            details["fused"] = "; ".join(
                f"{name} {graph['nodes_before']} -> {graph['nodes_after']} nodes ("
                + ", ".join(f"{op} {count}" for op, count in graph["fused_ops"].items()) + ")"
                for name, graph in self.optimized.items() if isinstance(graph, dict))
        else:
            details["fused"] = "no"
        return details

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


class NotSupported(RuntimeError):
    """A generation this runtime's loop does not run (the harness reports the reason)."""


def is_encoder_decoder(manifest_path: Path) -> bool:
    """Whether the manifest is an encoder-decoder's (encoder, prefill, decode graphs)."""
    from mlagility.common.filesystem import read_regular

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

        from mlagility.common.filesystem import read_regular

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
