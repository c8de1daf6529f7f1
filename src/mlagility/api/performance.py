"""``MeasuredPerformance``: the public result of benchmarking one build on one runtime."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from mlagility.runtimes.measurement import Measurement


@dataclass
class MeasuredPerformance:
    """MLAgility's fields (``throughput``, ``mean_latency``, ``device``...) plus full statistics.

    Latencies are in milliseconds, throughput in inferences per second, times in seconds.
    ``check``: the comparison of this runtime's outputs with PyTorch eager's (``ok``,
    ``tolerance``, per-output ``max_abs_error``/``max_rel_error``); None when not checked.
    """

    throughput: float
    mean_latency: float
    device: str
    device_type: str
    runtime: str
    runtime_version: str
    build_name: str
    median_latency: float
    min_latency: float
    max_latency: float
    std_latency: float
    p90_latency: float
    p95_latency: float
    p99_latency: float
    iterations: int
    first_inference_latency: float
    load_time: float | None
    peak_memory_mb: float
    threads: int
    cores: int
    cv: float = 0.0
    load_average: float | None = None
    check: dict | None = None
    latency_units: str = "milliseconds (ms)"
    throughput_units: str = "inferences per second (IPS)"

    @classmethod
    def from_measurement(cls, measurement: Measurement, build_name: str) -> "MeasuredPerformance":
        m = measurement
        return cls(
            throughput=m.throughput_ips,
            mean_latency=m.mean_ms,
            device=m.device_name,
            device_type=m.device,
            runtime=m.runtime,
            runtime_version=m.runtime_version,
            build_name=build_name,
            median_latency=m.median_ms,
            min_latency=m.min_ms,
            max_latency=m.max_ms,
            std_latency=m.std_ms,
            p90_latency=m.p90_ms,
            p95_latency=m.p95_ms,
            p99_latency=m.p99_ms,
            iterations=m.iterations,
            first_inference_latency=m.first_inference_ms,
            load_time=m.load_time_s,
            peak_memory_mb=m.peak_memory_mb,
            threads=m.threads,
            cores=m.cores,
            cv=m.cv,
            load_average=m.load_average,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MeasuredPerformance":
        """The inverse of ``to_dict``; keys this version does not know are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
