"""PyTorch eager on the CPU (``x86/torch-eager``): the live model, in-process, under
``torch.inference_mode()``, at the precision the script made it (fp32 builds only: an fp16 or
int8 build is an ONNX conversion this runtime cannot run).

Scenarios: ``inference`` (the recorded call, on fresh copies of its arguments every time) and
``generation`` (``generation_session``: the script's ``generate()`` run again as it was called,
or its hand-written decode loop replayed, on fresh copies of its arguments).
"""

from __future__ import annotations

from mlagility.analysis.copies import fresh_copy
from mlagility.analysis.generation import GenerationCall
from mlagility.runtimes.base import EagerRuntime, LoadTarget, RuntimeOptions, Session


class TorchEagerRuntime(EagerRuntime):
    name = "torch-eager"
    imports = ("torch",)
    scenarios = ("inference", "generation")

    @classmethod
    def default_threads(cls) -> int:
        import torch

        return torch.get_num_threads()

    def load(self, target: LoadTarget, options: RuntimeOptions) -> Session:
        import torch

        if target.generation is not None:
            return generation_session(target.generation, target.model)
        return call_session(target.model, target.args, target.kwargs)


def call_session(model, args: tuple, kwargs: dict) -> Session:
    """One call of ``model``; each run gets fresh copies of the call's arguments (``reset``,
    outside the timed window), so a cache object it appends to, a list it grows or a tensor it
    writes into in place is the same for every run."""
    import torch

    current: dict = {}

    def reset():
        current["call"] = fresh_copy((args, kwargs))

    def run():
        call_args, call_kwargs = current.pop("call", None) or fresh_copy((args, kwargs))
        return model(*call_args, **call_kwargs)

    return Session(run=run, threads=torch.get_num_threads(), context=torch.inference_mode, reset=reset)


def generation_session(call, model) -> Session:
    """``Session.generate`` for the script's generation (``analysis/generation.py``: a
    ``generate()`` call run again as called, or a decode loop replayed), on fresh copies of its
    arguments for every run (``reset``, outside the timed window)."""
    import torch

    info = call.info
    # the sequences generated at once: the prompt's batch x num_return_sequences, read from the
    # script's own tokens (batch x new tokens) where they are known
    tokens = getattr(call, "tokens", None)
    batch = int(tokens.shape[0]) if tokens is not None and tokens.dim() == 2 else info.batch_size
    details = {"batch_size": batch, "prompt_tokens": info.prompt_tokens, "decoding": info.mode,
               "cache": info.cache, "kv_cache_mib": None}
    current: dict = {}

    def reset():
        current["arguments"] = call.fresh()

    def generate(on_token, logits: list | None = None):
        arguments = current.pop("arguments", None) or call.fresh()
        if logits is None:
            return call.run(model, arguments, on_token, details)
        return call.run(model, arguments, on_token, details, logits=logits)

    return Session(run=None, generate=generate, reset=reset, threads=torch.get_num_threads(),
                   context=torch.inference_mode, details=details,
                   keeps_logits=isinstance(call, GenerationCall))  # generate() gives them; a replayed loop does not
