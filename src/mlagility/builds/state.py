"""``BuildState``: what happened to a build, persisted as a versioned YAML file (safe_dump).

A state file is validated when read back (``BuildState.load``): a missing file is ``None``; a
file that cannot be parsed, or whose fields have the wrong types or values, is an
``UnreadableState`` carrying the reason, which staleness turns into a rebuild and reports into a
row with status ``unreadable``. Nothing downstream ever sees a half-valid state.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlagility.common import filesystem
from mlagility.common.records import InvalidRecord, Record, check_number, check_value, from_record
from mlagility.version import __version__

STATE_FILE = "mlagility_build.yaml"
SCHEMA_VERSION = 1
STATUSES = ("new", "building", "built", "failed")

# Fields that hold numbers (shown, sorted, charted and computed with as numbers): a state where
# one holds text, a bool or a NaN is unreadable, never passed on. In a benchmark entry (and a
# stage entry) every key with a unit suffix is a number too.
NUMBER_SUFFIXES = ("_ms", "_s", "_mib", "_mb", "_bytes", "_ips")
SOURCE_NUMBERS = ("params",)
ONNX_NUMBERS = ("params", "flops", "file_bytes", "nodes", "opset", "ir_version")
BENCHMARK_NUMBERS = ("timed_iterations", "warmup_iterations", "cv", "threads", "cores", "load_average", "workers",
                     "pid", "slurm_restarts")
CHECK_NUMBERS = ("max_abs_error", "max_rel_error", "tolerance")  # NaN/inf allowed: outputs may hold them
BENCHMARK_TEXT = ("runtime_version", "device_name", "samples_file", "error", "log", "timestamp", "precision")


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).astimezone().isoformat(timespec="seconds")


@dataclass
class BuildState(Record):
    build_name: str
    schema_version: int = SCHEMA_VERSION
    status: str = "new"  # new | building | built | failed (see STATUSES)
    mlagility_version: str = __version__
    created: str = field(default_factory=now)
    updated: str = field(default_factory=now)
    # what was built
    source: dict[str, Any] = field(default_factory=dict)  # script, model name, class, location...
    model_hash: str | None = None
    weights_hash: str | None = None
    invocation_hash: str | None = None
    inputs: list[dict[str, Any]] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    # how it went
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    artifacts: dict[str, str] = field(default_factory=dict)  # key -> path relative to build dir
    artifact_bytes: dict[str, int] = field(default_factory=dict)  # relative path -> size when built
    derived_from: dict[str, str] = field(default_factory=dict)  # artifact key -> the key it was made from
    exporter: str | None = None
    exporter_notes: dict[str, str] = field(default_factory=dict)
    opset: int | None = None
    onnx_inputs: list[str] = field(default_factory=list)
    call_overrides: dict[str, Any] = field(default_factory=dict)  # e.g. use_cache: false for export
    onnx_stats: dict[str, Any] = field(default_factory=dict)  # ops, sizes, inputs/outputs, flops
    # a generation build for the ONNX runtimes (builds/generation_export.py): exporter, and per graph
    # (prefill, decode) its file, exporter, opset, cache input/output names, bytes; or "unsupported"
    generation: dict[str, Any] = field(default_factory=dict)
    cleaned: str | None = None  # when heavy artifacts were removed (clean, --lean-cache)
    failed_stage: str | None = None
    error: str | None = None
    log: str | None = None
    package_versions: dict[str, str] = field(default_factory=dict)
    # "device/runtime" -> result; {"status": "running", "pid": ...} while it is being measured
    benchmarks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def stage_done(self, name: str) -> bool:
        return self.stages.get(name, {}).get("status") == "done"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "BuildState":
        """A validated state; raises ``InvalidRecord`` with the reason for anything else."""
        return validate_state(from_record(cls, data))

    def save(self, build_dir: Path) -> None:
        self.updated = now()
        filesystem.write_yaml(Path(build_dir) / STATE_FILE, self.to_dict())

    def benchmark_running(self, key: str, build_dir: Path) -> None:
        """Record that ``key`` ("device/runtime") is being measured now, before timing starts.

        Replaced by the result when it ends; a ``running`` entry left by a dead process is shown
        as ``incomplete`` by ``cache list`` and reports.
        """
        import os

        self.benchmarks[key] = {"status": "running", "pid": os.getpid(), "timestamp": now()}
        self.save(build_dir)

    @classmethod
    def load(cls, build_dir: Path) -> "BuildState | UnreadableState | None":
        """The state of ``build_dir``: None without a state file, ``UnreadableState`` if invalid."""
        path = Path(build_dir) / STATE_FILE
        if not path.exists() and not path.is_symlink():
            return None
        if path.is_symlink() or not path.is_file():
            return UnreadableState("the state file is not a regular file", Path(build_dir).name)
        try:
            return cls.from_dict(filesystem.read_yaml(path))
        except (OSError, UnicodeDecodeError, ValueError) as error:  # InvalidRecord is a ValueError
            reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
            return UnreadableState(reason or type(error).__name__, Path(build_dir).name)


@dataclass
class UnreadableState:
    """A state file that exists but cannot be trusted; ``reason`` says why."""

    reason: str
    build_name: str
    status: str = "unreadable"

    @property
    def description(self) -> str:
        return f"state unreadable ({self.reason})"


def validate_state(state: BuildState) -> BuildState:
    """Check what types alone do not: known status, schema, names, input specs, entries."""
    import re

    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", state.build_name) or ".." in state.build_name:
        raise InvalidRecord(f"field 'build_name' is not a valid build name: {state.build_name!r}")
    if state.schema_version > SCHEMA_VERSION:
        raise InvalidRecord(f"schema version {state.schema_version} is newer than this mlagility's ({SCHEMA_VERSION})")
    if state.status not in STATUSES:
        raise InvalidRecord(f"field 'status' is {state.status!r}, not one of {', '.join(STATUSES)}")
    for index, spec in enumerate(state.inputs):
        check_value(spec.get("name"), str, f"inputs[{index}]['name']")
        check_value(spec.get("shape"), list[int], f"inputs[{index}]['shape']")
        check_value(spec.get("dtype"), str, f"inputs[{index}]['dtype']")
    for name, stage in state.stages.items():
        check_value(stage.get("status"), str, f"stages[{name!r}]['status']")
    for key, bench in state.benchmarks.items():
        check_value(bench.get("status"), str, f"benchmarks[{key!r}]['status']")
        _check_numbers(bench, BENCHMARK_NUMBERS, f"benchmarks[{key!r}]")
        for name in BENCHMARK_TEXT:
            check_value(bench.get(name), str | None, f"benchmarks[{key!r}][{name!r}]")
        for name in ("runtime_options", "artifact", "check"):
            check_value(bench.get(name), dict[str, Any] | None, f"benchmarks[{key!r}][{name!r}]")
        check = bench.get("check") or {}
        check_value(check.get("outputs"), list[dict[str, Any]] | None, f"benchmarks[{key!r}]['check']['outputs']")
        for index, output in enumerate(check.get("outputs") or []):
            for name in CHECK_NUMBERS:
                check_number(output.get(name), f"benchmarks[{key!r}]['check']['outputs'][{index}][{name!r}]", finite=False)
    for name, stage in state.stages.items():
        _check_numbers(stage, (), f"stages[{name!r}]")
    for name in SOURCE_NUMBERS:
        check_number(state.source.get(name), f"source[{name!r}]")
    for name in ("script", "model_name", "class", "model_type", "location"):
        check_value(state.source.get(name), str | None, f"source[{name!r}]")
    check_value(state.source.get("labels"), dict[str, list[str]] | None, "source['labels']")
    for name in ONNX_NUMBERS:
        check_number(state.onnx_stats.get(name), f"onnx_stats[{name!r}]")
    if state.options.get("sequence") is not None:
        check_value(state.options["sequence"], list[str], "options['sequence']")
    return state


def _check_numbers(entry: dict[str, Any], names: tuple[str, ...], where: str) -> None:
    """Every key of ``entry`` named in ``names`` or ending in a unit suffix holds a finite number."""
    for name, value in entry.items():
        if name in names or (isinstance(name, str) and name.endswith(NUMBER_SUFFIXES)):
            check_number(value, f"{where}[{name!r}]")
