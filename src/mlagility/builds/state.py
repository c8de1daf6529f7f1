"""``BuildState``: what happened to a build, persisted as a versioned YAML file (safe_dump)."""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlagility.common import filesystem
from mlagility.common.records import Record
from mlagility.version import __version__

STATE_FILE = "mlagility_build.yaml"
SCHEMA_VERSION = 1


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).astimezone().isoformat(timespec="seconds")


@dataclass
class BuildState(Record):
    build_name: str
    schema_version: int = SCHEMA_VERSION
    status: str = "new"  # new | building | built | failed
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
    derived_from: dict[str, str] = field(default_factory=dict)  # artifact key -> the key it was made from
    exporter: str | None = None
    exporter_notes: dict[str, str] = field(default_factory=dict)
    opset: int | None = None
    onnx_inputs: list[str] = field(default_factory=list)
    call_overrides: dict[str, Any] = field(default_factory=dict)  # e.g. use_cache: false for export
    onnx_stats: dict[str, Any] = field(default_factory=dict)  # ops, sizes, inputs/outputs, flops
    cleaned: str | None = None  # when heavy artifacts were removed (clean, --lean-cache)
    failed_stage: str | None = None
    error: str | None = None
    log: str | None = None
    package_versions: dict[str, str] = field(default_factory=dict)
    benchmarks: dict[str, dict[str, Any]] = field(default_factory=dict)  # "device/runtime" -> result

    def stage_done(self, name: str) -> bool:
        return self.stages.get(name, {}).get("status") == "done"

    def save(self, build_dir: Path) -> None:
        self.updated = now()
        filesystem.write_yaml(Path(build_dir) / STATE_FILE, self.to_dict())

    @classmethod
    def load(cls, build_dir: Path) -> "BuildState | None":
        path = Path(build_dir) / STATE_FILE
        if not path.is_file():
            return None
        try:
            return cls.from_dict(filesystem.read_yaml(path))
        except Exception:  # a corrupt or foreign file is treated as no build at all
            return None
