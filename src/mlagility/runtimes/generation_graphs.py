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

    @classmethod
    def read(cls, manifest_path: Path, prompt_path: Path, runtime: str) -> "GenerationGraphs":
        import numpy as np

        from mlagility.common.filesystem import read_regular

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
        )

    @property
    def batch_size(self) -> int:
        return int(self.input_ids.shape[0])

    @property
    def prompt_tokens(self) -> int:
        return int(self.input_ids.shape[-1])

    def details(self) -> dict:
        details = {"batch_size": self.batch_size, "prompt_tokens": self.prompt_tokens,
                   "new_tokens": self.new_tokens, "graphs": f"{self.prefill.name}, {self.decode.name}",
                   "cache": f"KV cache as graph inputs/outputs (script: {self.decoding.get('script_cache', 'DynamicCache')})"}
        details["decoding"] = self.decoding.get("label", "greedy (argmax of each step's logits)")
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
