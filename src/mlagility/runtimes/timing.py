"""The timing method shared by every runtime: cold call, warm-up, stop rule, statistics.

Pure Python + numpy (no torch) so that runtime child processes stay light.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable

from mlagility.common import system_info
from mlagility.common.exceptions import UsageError


@dataclass(frozen=True)
class BenchmarkSettings:
    """At least ``iterations`` timed runs and at least ``min_time`` s, capped by ``max_time`` s."""

    iterations: int = 100
    min_time: float = 1.0
    max_time: float = 60.0
    warmup_iterations: int = 10
    warmup_time: float = 0.25

    def __post_init__(self):
        if self.iterations < 1:
            raise UsageError(f"--iterations must be at least 1 (got {self.iterations})")
        if self.min_time < 0:
            raise UsageError(f"--min-time must be >= 0 seconds (got {self.min_time})")
        if self.max_time <= 0 or self.max_time < self.min_time:
            raise UsageError(
                f"--max-time must be > 0 and >= --min-time (got {self.max_time} < {self.min_time})"
            )

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Timings:
    first_ms: float
    warmup_iterations: int
    latencies_ms: list[float] = field(default_factory=list)
    total_s: float = 0.0
    load_average: float | None = None  # 1-minute load average when timing started


def measure(run: Callable[[], object], settings: BenchmarkSettings) -> Timings:
    """Time ``run``: one cold call, a warm-up, then the timed loop (one timer per call)."""
    clock = time.perf_counter
    load_average = system_info.load_average()
    start = clock()
    run()
    first_ms = (clock() - start) * 1e3

    warmup_cap = max(settings.warmup_time, 0.1 * settings.max_time)
    warmups, begin = 0, clock()
    while warmups < settings.warmup_iterations or clock() - begin < settings.warmup_time:
        if clock() - begin >= warmup_cap:
            break
        run()
        warmups += 1

    latencies = []
    begin = clock()
    while True:
        elapsed = clock() - begin
        enough = len(latencies) >= settings.iterations and elapsed >= settings.min_time
        if enough or (latencies and elapsed >= settings.max_time):
            break
        t0 = clock()
        run()
        latencies.append((clock() - t0) * 1e3)
    return Timings(first_ms, warmups, latencies, clock() - begin, load_average)


def statistics(latencies_ms: list[float]) -> dict[str, float]:
    """Mean, median, min, max, std (sample), p90/p95/p99 in ms, throughput in inferences/s."""
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
        "iterations": int(data.size),
    }
