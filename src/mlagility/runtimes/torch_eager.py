"""PyTorch eager on the CPU (``x86/torch-eager``): the live model, in-process, under
``torch.inference_mode()``, at the precision the script made it (fp32 builds only: an fp16 or
int8 build is an ONNX conversion this runtime cannot run).

Scenarios: ``inference`` (the recorded call, on fresh copies of its mutable arguments every
time) and ``generation`` (``generation_session``: the script's ``generate()`` run again as it was
called, on fresh copies of its arguments and with torch's RNG as it was, each token stamped by a
stopping criterion that stops nothing).
"""

from __future__ import annotations

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

    from mlagility.analysis.copies import fresh_copy

    current: dict = {}

    def reset():
        current["call"] = fresh_copy((args, kwargs))

    def run():
        call_args, call_kwargs = current.pop("call", None) or fresh_copy((args, kwargs))
        return model(*call_args, **call_kwargs)

    return Session(run=run, threads=torch.get_num_threads(), context=torch.inference_mode, reset=reset)


def generation_session(call, model) -> Session:
    """``Session.generate`` for the script's ``generate()`` call (``analysis/generation.py``)."""
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    from mlagility.analysis.generation import cache_mib, new_token_ids

    class TokenStamp(StoppingCriteria):
        """Called by ``generate()`` right after each new token is selected; stops nothing."""

        def __init__(self, on_token):
            self.on_token = on_token

        def __call__(self, input_ids, scores, **kwargs):
            self.on_token()
            return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)

    info = call.info
    details = {"batch_size": info.batch_size, "prompt_tokens": info.prompt_tokens, "decoding": info.mode,
               "cache": info.cache, "kv_cache_mib": None}
    current: dict = {}

    def reset():
        current["call"] = call.fresh()

    def generate(on_token):
        args, kwargs = current.pop("call", None) or call.fresh()
        criteria = StoppingCriteriaList([*(kwargs.pop("stopping_criteria", None) or []), TokenStamp(on_token)])
        kwargs["return_dict_in_generate"] = True
        torch.set_rng_state(call.rng_state)  # sampling draws what the script's call drew
        output = model.generate(*args, stopping_criteria=criteria, **kwargs)
        cache = getattr(output, "past_key_values", None)
        if cache is not None:
            details["kv_cache_mib"] = cache_mib(cache)
        return new_token_ids(model, call, output)

    return Session(run=None, generate=generate, reset=reset, threads=torch.get_num_threads(),
                   context=torch.inference_mode, details=details)
