"""What the API returns: one ``InvocationResult`` per model invocation, in a ``BenchmarkResults``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from mlagility.analysis.model_info import Invocation, ModelInfo
from mlagility.api.performance import MeasuredPerformance


@dataclass
class InvocationResult:
    """The outcome for one distinct invocation of one model.

    ``status`` is one of: found, analyzed, exported, built, benchmarked, failed.
    ``performance`` maps runtime name to its ``MeasuredPerformance``.
    """

    script: str
    model: ModelInfo
    invocation: Invocation
    build_name: str | None = None
    build_dir: str | None = None
    status: str = "found"
    activity: str = ""
    error: str | None = None
    failed_stage: str | None = None
    log: str | None = None
    exporter: str | None = None
    opset: int | None = None
    reused: bool = False
    rebuild_reasons: list[str] = field(default_factory=list)
    performance: dict[str, MeasuredPerformance] = field(default_factory=dict)
    runtime_errors: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def fail(self, stage: str, reason: str, log: str | None = None) -> None:
        self.status, self.failed_stage, self.error, self.log, self.activity = "failed", stage, reason, log, ""


class BenchmarkResults(list):
    """A list of ``InvocationResult`` plus the errors of scripts that raised."""

    def __init__(self, items=()):
        super().__init__(items)
        self.script_errors: dict[str, str] = {}

    @property
    def succeeded(self) -> bool:
        return not self.script_errors and not any(result.failed for result in self)


class Reporter(Protocol):
    """Receives progress events; the CLI's live status tree is one implementation."""

    def script_started(self, script: str) -> None: ...

    def changed(self, result: InvocationResult) -> None: ...

    def script_finished(self, script: str, error: str | None) -> None: ...


class QuietReporter:
    def script_started(self, script: str) -> None:
        pass

    def changed(self, result: InvocationResult) -> None:
        pass

    def script_finished(self, script: str, error: str | None) -> None:
        pass
