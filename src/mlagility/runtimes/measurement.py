"""``Measurement``: what one benchmark of one build on one runtime produced, in named units.

Latencies in milliseconds (``_ms``), durations in seconds (``_s``), memory in MiB (``_mib``).
``timed_iterations`` is what was achieved; the requested minimum is ``settings["iterations"]``.
``device_type`` is the ``--device`` family (x86, nvidia); ``device_name`` the hardware model.
``artifact`` is the file that ran (path relative to the build, sha256, bytes, and the precision
read from the file itself); ``runtime_options`` the runtime's options, as used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mlagility.common.records import Record


@dataclass
class Measurement(Record):
    device_type: str
    device_name: str
    runtime: str
    runtime_version: str
    timed_iterations: int
    mean_ms: float
    median_ms: float
    min_ms: float
    max_ms: float
    std_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    cv: float  # coefficient of variation of the latencies (std / mean)
    throughput_ips: float  # inferences per second, 1000 / mean_ms
    first_inference_ms: float
    load_time_s: float | None  # loading (or compiling) the model; None where it is nothing
    warmup_iterations: int
    timed_s: float  # the timed loop; warmup_s the warm-up before it
    peak_memory_mib: float  # peak resident memory of the process that ran the model
    threads: int
    cores: int
    settings: dict[str, Any]
    timestamp: str = ""
    load_average: float | None = None  # 1-minute load average when timing started
    precision: str = "fp32"  # read from the artifact that ran
    artifact: dict[str, Any] = field(default_factory=dict)
    runtime_options: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    samples_file: str | None = None  # raw latencies (samples.py), relative to the build dir
    started_at: str = ""  # the timed window, UTC ISO timestamps
    finished_at: str = ""
    warmup_s: float = 0.0
