"""``generation``: a whole ``generate()`` timed token by token (TTFT, TPOT, tokens/s).

Each timed generation starts from the call as the script made it (``Session.reset``: fresh
copies of its prompt and of any cache object it passed, outside the timed window), so every
decode step is measured at a known past length and no latency includes a cache grown by earlier
runs. ``Session.generate(on_token)`` calls ``on_token()`` right after each new token is selected;
from those instants:

* ``ttft_ms``: time to first token: from the call to the first token's selection (prefill plus
  the first token, and ``generate()``'s own set-up, as a user waits for it);
* ``tpot_ms``: time per output token after the first: the time between two tokens; decode step
  ``k`` (1-based, making token ``k + 1``) runs with a past of ``prompt_tokens + k - 1`` tokens;
* ``e2e_ms``: the whole call;
* ``output_tokens_per_s`` = batch x (new tokens - 1) / decode time (the median over the timed
  generations of each one's e2e - its TTFT, not the difference of the two medians), and
  ``prefill_tokens_per_s`` = batch x prompt tokens / TTFT, at the medians (optimum-benchmark's
  decode and prefill throughputs; llama-bench's ``tg`` and ``pp`` t/s for batch 1).

At least ``iterations`` timed generations and ``min_time`` s, capped by ``max_time`` s, after
warm-up generations (at least ``warmup_iterations`` capped at 10% of ``max_time``, at least one).
The raw samples kept are the TPOT samples (the primary metric ``benchit compare`` compares); the
median TPOT by past length is recorded in the details.
"""

from __future__ import annotations

import time

from mlagility.common import system_info
from mlagility.scenarios.base import Metric, Scenario, ScenarioResult, format_value, register
from mlagility.scenarios.inference import utc_now


def _median(values: list[float]) -> float | None:
    import numpy as np

    return float(np.median(values)) if values else None


def _percentile(values: list[float], q: float) -> float | None:
    import numpy as np

    return float(np.percentile(values, q)) if values else None


@register
class GenerationScenario(Scenario):
    """A ``generate()`` call (or a decode loop) of one model, as the script made it."""

    name = "generation"
    primary = "tpot_ms"
    throughput = "output_tokens_per_s"
    whole_call = "e2e_ms"
    table = ("ttft_ms", "tpot_ms", "output_tokens_per_s")
    metrics = (
        Metric("ttft_ms", "ms", "TTFT ms", True, "time to first token (median)"),
        Metric("ttft_p90_ms", "ms", "TTFT p90 ms", True, "time to first token, 90th percentile"),
        Metric("tpot_ms", "ms", "TPOT ms", True, "time per output token after the first (median)"),
        Metric("tpot_p90_ms", "ms", "TPOT p90 ms", True, "time per output token, 90th percentile"),
        Metric("e2e_ms", "ms", "e2e ms", True, "the whole generation (median)"),
        Metric("output_tokens_per_s", "tokens/s", "output tok/s", False,
               "decode throughput: batch x (new tokens - 1) / (e2e - TTFT)"),
        Metric("prefill_tokens_per_s", "tokens/s", "prefill tok/s", False,
               "prefill throughput: batch x prompt tokens / TTFT"),
        Metric("kv_cache_mib", "MiB", "KV cache MiB", None, "the KV cache's size at the end of a generation"),
        Metric("batch_size", "", "batch", None, "sequences generated at once"),
        Metric("prompt_tokens", "", "prompt", None, "prompt length (encoder input length for an encoder-decoder)"),
        Metric("new_tokens", "", "new tokens", None, "tokens generated per sequence"),
        Metric("timed_generations", "", "generations", None, "timed generations achieved"),
    )

    @classmethod
    def describe(cls, m) -> list[str]:
        v = format_value

        load = "-" if m.load_time_s is None else f"{m.load_time_s:.3f} s"
        kv = "-" if m.kv_cache_mib is None else f"{m.kv_cache_mib:,.2f} MiB"
        return [
            f"TTFT: {v(m.ttft_ms)} ms (p90 {v(m.ttft_p90_ms)})   TPOT: {v(m.tpot_ms)} ms (p90 {v(m.tpot_p90_ms)})   "
            f"e2e: {v(m.e2e_ms)} ms   ({m.timed_generations} generations of {m.new_tokens} tokens, "
            f"batch {m.batch_size}, prompt {m.prompt_tokens})",
            f"Output: {v(m.output_tokens_per_s)} tokens/s   Prefill: {v(m.prefill_tokens_per_s)} tokens/s   "
            f"KV cache: {kv}   Load: {load}   Peak memory: {m.peak_memory_mib:,.0f} MiB",
        ]

    def run(self, session, settings) -> ScenarioResult:
        if session.generate is None:
            raise TypeError("this runtime's session cannot generate (no Session.generate)")
        clock = time.perf_counter
        prepare = session.reset or (lambda: None)

        def one() -> tuple[float, list[float], float]:
            prepare()
            stamps: list[float] = []
            start = clock()
            session.generate(lambda: stamps.append(clock()))
            end = clock()
            return start, stamps, end

        load_average = system_info.load_average()
        started_at = utc_now()
        warmup_cap = max(settings.warmup_time, 0.1 * settings.max_time)
        warmups, begin = 0, clock()
        while warmups < 1 or (warmups < settings.warmup_iterations and clock() - begin < warmup_cap):
            one()
            warmups += 1
        warmup_s = clock() - begin

        ttft, e2e, decode, tpot = [], [], [], []
        by_past: dict[int, list[float]] = {}
        prompt = int(session.details.get("prompt_tokens") or 0)
        begin = clock()
        while True:
            elapsed = clock() - begin
            enough = len(e2e) >= settings.iterations and elapsed >= settings.min_time
            if enough or (e2e and elapsed >= settings.max_time):
                break
            start, stamps, end = one()
            if not stamps:
                raise RuntimeError("the generation produced no token")
            ttft.append((stamps[0] - start) * 1e3)
            e2e.append((end - start) * 1e3)
            decode.append((end - stamps[0]) * 1e3)
            for step, (before, after) in enumerate(zip(stamps, stamps[1:]), start=1):
                sample = (after - before) * 1e3
                tpot.append(sample)
                by_past.setdefault(prompt + step - 1, []).append(sample)
        timed_s = clock() - begin
        new_tokens = len(stamps)
        batch = int(session.details.get("batch_size") or 1)
        ttft_median, decode_median = _median(ttft), _median(decode)
        metrics = {
            "ttft_ms": ttft_median,
            "ttft_p90_ms": _percentile(ttft, 90),
            "tpot_ms": _median(tpot),
            "tpot_p90_ms": _percentile(tpot, 90),
            "e2e_ms": _median(e2e),
            "output_tokens_per_s": (batch * (new_tokens - 1) / (decode_median / 1e3)
                                    if new_tokens > 1 and decode_median else None),
            "prefill_tokens_per_s": batch * prompt / (ttft_median / 1e3) if ttft_median and prompt else None,
            "kv_cache_mib": session.details.get("kv_cache_mib"),
            "batch_size": batch,
            "prompt_tokens": prompt,
            "new_tokens": new_tokens,
            "timed_generations": len(e2e),
        }
        details = {"tpot_ms_by_past_length": {str(k): round(float(_median(v)), 6) for k, v in sorted(by_past.items())},
                   "ttft_samples_ms": [round(v, 6) for v in ttft]}
        return ScenarioResult(metrics, tpot or ttft, warmups, warmup_s, timed_s, load_average, started_at,
                              utc_now(), details)

    def outputs(self, session) -> list:
        """The new token ids of one more generation (batch x new tokens), for the check; with a
        session that keeps them (``Session.keeps_logits``), each step's next-token logits too
        (steps x batch x vocab, float32): where the tokens diverge from the reference, the check
        compares the logits at the first divergent step. This run is not timed."""
        import numpy as np

        if session.reset:
            session.reset()
        logits: list = []
        tokens = session.generate(lambda: None, logits=logits) if session.keeps_logits else session.generate(lambda: None)
        outputs = [np.asarray(tokens.detach().cpu().numpy() if hasattr(tokens, "detach") else tokens)]
        if logits:
            outputs.append(np.stack([np.asarray(row, dtype=np.float32) for row in logits]))
        return outputs
