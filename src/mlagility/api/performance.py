"""``MeasuredPerformance``: the public result of benchmarking one build on one runtime.

A view over the ``Measurement`` (``runtimes/measurement.py``, the one result vocabulary: a
common header plus the metrics its scenario declares, ``scenarios/``) that keeps MLAgility's
names as properties: ``throughput`` (inferences/s), ``mean_latency`` (ms),
``device`` (the hardware's name, as MLAgility used it), ``device_type`` (x86, nvidia),
``runtime``, ``runtime_version``, ``build_name``. Every field of the measurement is also
readable under its own name (``median_ms``, ``p90_ms``, ``peak_memory_mib``, ``precision``,
``artifact``...).
"""

from __future__ import annotations

from typing import Any

from mlagility.runtimes.measurement import Measurement
from mlagility.scenarios.base import scenario


class MeasuredPerformance:
    """The result of one benchmark (latencies in ms, throughput in inferences/s, times in s).

    ``check``: the comparison of this runtime's outputs with the framework's own (``ok``,
    ``tolerance``, per-output ``max_abs_error``/``max_rel_error``); None when not checked.
    """

    latency_units = "milliseconds (ms)"
    throughput_units = "inferences per second (IPS)"

    def __init__(self, measurement: Measurement, build_name: str, check: dict | None = None):
        self.measurement = measurement
        self.build_name = build_name
        self.check = check

    # MLAgility's names
    @property
    def throughput(self) -> float:
        return self.measurement.throughput_ips

    @property
    def mean_latency(self) -> float:
        return self.measurement.mean_ms

    @property
    def device(self) -> str:
        """The hardware's name (MLAgility's ``device``); see ``device_type`` for x86/nvidia."""
        return self.measurement.device_name

    # the same style, for the statistics MLAgility did not have
    median_latency = property(lambda self: self.measurement.median_ms)
    min_latency = property(lambda self: self.measurement.min_ms)
    max_latency = property(lambda self: self.measurement.max_ms)
    std_latency = property(lambda self: self.measurement.std_ms)
    p90_latency = property(lambda self: self.measurement.p90_ms)
    p95_latency = property(lambda self: self.measurement.p95_ms)
    p99_latency = property(lambda self: self.measurement.p99_ms)
    first_inference_latency = property(lambda self: self.measurement.first_inference_ms)
    load_time = property(lambda self: self.measurement.load_time_s)

    @property
    def scenario_class(self):
        """The scenario (``scenarios/``) that measured it, with its declared metrics."""
        return scenario(self.measurement.scenario)

    @property
    def requested_iterations(self) -> int:
        """The minimum number of timed runs asked for (``--iterations``)."""
        return int(self.measurement.settings.get("iterations", 0))

    def __getattr__(self, name: str) -> Any:
        if name == "measurement":  # not set yet (e.g. during unpickling)
            raise AttributeError(name)
        try:
            return getattr(self.measurement, name)
        except AttributeError:
            raise AttributeError(f"MeasuredPerformance has no attribute {name!r}") from None

    def __repr__(self) -> str:
        m, cls = self.measurement, self.scenario_class
        primary, speed = cls.metric(cls.primary), cls.metric(cls.throughput)
        return (f"MeasuredPerformance({self.build_name!r}, {m.device_type}/{m.runtime} {m.precision}, {cls.name}: "
                f"{primary.name} {getattr(m, primary.name)!r}, {speed.name} {getattr(m, speed.name)!r})")

    def to_dict(self) -> dict[str, Any]:
        return {"build_name": self.build_name, "check": self.check, "measurement": self.measurement.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MeasuredPerformance":
        """The inverse of ``to_dict``; keys this version does not know are ignored."""
        return cls(Measurement.from_dict(data["measurement"]), data["build_name"], data.get("check"))
