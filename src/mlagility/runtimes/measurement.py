"""``Measurement``: what one benchmark of one build on one runtime produced, in named units.

A common header (what ran where: device, runtime and version, the scenario, artifact, precision,
load time, peak memory, timestamps, the raw samples' file) plus ``metrics``: the numbers the
scenario declares (``scenarios/``: ``median_ms``... for ``inference``; ``ttft_ms``,
``tpot_ms``... for ``generation``), each with its unit in its name. A metric reads as an
attribute too (``measurement.median_ms``); ``to_dict`` writes the metrics beside the header (one
flat record, as build states and reports store it) and ``from_dict`` takes them back.

Latencies in milliseconds (``_ms``), durations in seconds (``_s``), memory in MiB (``_mib``).
``device_type`` is the ``--device`` family (x86, nvidia); ``device_name`` the hardware model.
``artifact`` is the file that ran (path relative to the build, sha256, bytes, and the precision
read from the file itself); ``runtime_options`` the runtime's options, as used.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from mlagility.common.records import Record
from mlagility.scenarios.base import metric_names, scenario


@dataclass
class Measurement(Record):
    device_type: str
    device_name: str
    runtime: str
    runtime_version: str
    load_time_s: float | None  # loading (or compiling) the model; None where it is nothing
    peak_memory_mib: float  # peak resident memory of the process that ran the model
    threads: int
    cores: int
    settings: dict[str, Any]
    scenario: str = "inference"
    metrics: dict[str, Any] = field(default_factory=dict)  # the scenario's declared metrics
    warmup_iterations: int = 0
    timed_s: float = 0.0  # the timed loop; warmup_s the warm-up before it
    timestamp: str = ""
    load_average: float | None = None  # 1-minute load average when timing started
    precision: str = "fp32"  # read from the artifact that ran
    artifact: dict[str, Any] = field(default_factory=dict)
    runtime_options: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    samples_file: str | None = None  # raw samples of the primary metric (samples.py), relative to the build dir
    started_at: str = ""  # the timed window, UTC ISO timestamps
    finished_at: str = ""
    warmup_s: float = 0.0

    def __getattr__(self, name: str) -> Any:
        metrics = self.__dict__.get("metrics")
        if metrics is not None and name in metrics:
            return metrics[name]

        if name in metric_names():  # declared by another scenario: not measured here
            return None
        raise AttributeError(f"Measurement has no attribute {name!r}")

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        metrics = data.pop("metrics")
        return {**data, **metrics}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Measurement":
        known = {f.name for f in dataclasses.fields(cls)}
        values = {key: value for key, value in data.items() if key in known and key != "metrics"}
        declared = scenario(data.get("scenario") or "inference").metrics
        values["metrics"] = {m.name: data[m.name] for m in declared if m.name in data}
        return cls(**values)
