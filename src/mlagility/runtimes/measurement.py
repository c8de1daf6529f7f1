"""``Measurement``: what one benchmark of one build on one runtime produced."""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from typing import Any

from mlagility.runtimes.timing import BenchmarkSettings, Timings, statistics


@dataclass
class Measurement:
    device: str
    device_name: str
    runtime: str
    runtime_version: str
    iterations: int
    mean_ms: float
    median_ms: float
    min_ms: float
    max_ms: float
    std_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    throughput_ips: float
    first_inference_ms: float
    load_time_s: float | None
    warmup_iterations: int
    timed_seconds: float
    peak_memory_mb: float
    threads: int
    cores: int
    settings: dict[str, Any]
    timestamp: str = ""
    cv: float = 0.0  # coefficient of variation of the latencies (std / mean)
    load_average: float | None = None  # 1-minute load average when timing started

    @classmethod
    def from_timings(
        cls, timings: Timings, settings: BenchmarkSettings, **fields: Any
    ) -> "Measurement":
        return cls(
            **statistics(timings.latencies_ms),
            first_inference_ms=timings.first_ms,
            warmup_iterations=timings.warmup_iterations,
            timed_seconds=timings.total_s,
            settings=settings.to_dict(),
            load_average=timings.load_average,
            timestamp=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            **fields,
        )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Measurement":
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
