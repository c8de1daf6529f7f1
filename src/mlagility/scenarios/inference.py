"""``inference``: one call on the build's saved inputs, timed again and again.

Timing method: one cold call (``first_inference_ms``), then warm-up calls (at least
``warmup_iterations`` and ``warmup_time`` s, capped at 10% of ``max_time``), then the timed loop
with one ``perf_counter`` pair per call, until at least ``iterations`` calls and ``min_time`` s,
or ``max_time`` s. Where the session has a ``reset`` (fresh copies of the call's mutable
arguments, e.g. a KV cache the model appends to), it runs before every call, outside the timed
window: every timed call starts from the same state. Pure Python + numpy.
"""

from __future__ import annotations

import time

from mlagility.common import system_info
from mlagility.runtimes.outputs import flatten_outputs
from mlagility.scenarios.base import Metric, Scenario, ScenarioResult, format_value, register


def utc_now() -> str:
    import datetime

    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


def measure(run, settings, reset=None) -> tuple[float, ScenarioResult]:
    """Time ``run``: one cold call, a warm-up, then the timed loop (one timer per call).

    Returns ``(first_ms, result)`` with the raw latencies in ``result.samples_ms`` (ms)."""
    clock = time.perf_counter
    prepare = reset or (lambda: None)
    load_average = system_info.load_average()
    started_at = utc_now()
    prepare()
    start = clock()
    run()
    first_ms = (clock() - start) * 1e3

    warmup_cap = max(settings.warmup_time, 0.1 * settings.max_time)
    warmups, begin = 0, clock()
    while warmups < settings.warmup_iterations or clock() - begin < settings.warmup_time:
        if clock() - begin >= warmup_cap:
            break
        prepare()
        run()
        warmups += 1
    warmup_s = clock() - begin

    latencies = []
    begin = clock()
    while True:
        elapsed = clock() - begin
        enough = len(latencies) >= settings.iterations and elapsed >= settings.min_time
        if enough or (latencies and elapsed >= settings.max_time):
            break
        prepare()
        t0 = clock()
        run()
        latencies.append((clock() - t0) * 1e3)
    return first_ms, ScenarioResult({}, latencies, warmups, warmup_s, clock() - begin, load_average, started_at,
                                    utc_now())


def statistics(latencies_ms: list[float]) -> dict[str, float]:
    """Mean, median, min, max, std (sample), p90/p95/p99 in ms, CV, throughput in inferences/s.

    Percentiles are numpy's default (linear interpolation between closest ranks)."""
    import numpy as np

    data = np.asarray(latencies_ms, dtype=float)
    mean = float(data.mean())
    return {
        "mean_ms": mean,
        "median_ms": float(np.median(data)),
        "min_ms": float(data.min()),
        "max_ms": float(data.max()),
        "std_ms": float(data.std(ddof=1)) if data.size > 1 else 0.0,
        "p90_ms": float(np.percentile(data, 90)),
        "p95_ms": float(np.percentile(data, 95)),
        "p99_ms": float(np.percentile(data, 99)),
        "throughput_ips": 1e3 / mean if mean > 0 else float("inf"),
        "cv": float(data.std(ddof=1) / mean) if data.size > 1 and mean > 0 else 0.0,
        "timed_iterations": int(data.size),
    }


@register
class InferenceScenario(Scenario):
    """One forward call timed again and again (MLAgility's workload)."""

    name = "inference"
    primary = "median_ms"
    throughput = "throughput_ips"
    whole_call = "median_ms"
    table = ("median_ms", "p90_ms", "throughput_ips")
    metrics = (
        Metric("median_ms", "ms", "median ms", True, "median latency of one call"),
        Metric("mean_ms", "ms", "mean ms", True, "mean latency"),
        Metric("p90_ms", "ms", "p90 ms", True, "90th percentile latency"),
        Metric("p95_ms", "ms", "p95 ms", True, "95th percentile latency"),
        Metric("p99_ms", "ms", "p99 ms", True, "99th percentile latency"),
        Metric("min_ms", "ms", "min ms", True, "fastest call"),
        Metric("max_ms", "ms", "max ms", True, "slowest call"),
        Metric("std_ms", "ms", "std ms", None, "sample standard deviation"),
        Metric("cv", "", "CV", None, "coefficient of variation (std / mean)"),
        Metric("throughput_ips", "inferences/s", "inferences/s", False, "1000 / mean_ms"),
        Metric("first_inference_ms", "ms", "first ms", True, "the first call after loading (cold)"),
        Metric("timed_iterations", "", "iterations", None, "timed calls achieved"),
    )

    @classmethod
    def describe(cls, m) -> list[str]:
        v = format_value

        load = "-" if m.load_time_s is None else f"{m.load_time_s:.3f} s"
        return [
            f"Median latency: {v(m.median_ms)} ms  (mean {v(m.mean_ms)}, p90 {v(m.p90_ms)}, p99 {v(m.p99_ms)}, "
            f"min {v(m.min_ms)}, max {v(m.max_ms)}, std {v(m.std_ms)} ms; {m.timed_iterations} iterations)",
            f"Throughput: {m.throughput_ips:,.1f} inferences/s   Load: {load}   "
            f"First inference: {v(m.first_inference_ms)} ms   Peak memory: {m.peak_memory_mib:,.0f} MiB",
        ]

    def run(self, session, settings) -> ScenarioResult:
        if session.run is None:
            raise TypeError("this runtime's session cannot run one call (no Session.run)")
        first_ms, result = measure(session.run, settings, session.reset)
        result.metrics = {**statistics(result.samples_ms), "first_inference_ms": first_ms}
        return result

    def outputs(self, session) -> list:
        """The outputs of one more call, for the correctness check (flattened arrays)."""
        if session.reset:
            session.reset()
        return flatten_outputs(session.run())
