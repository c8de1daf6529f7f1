"""What the API returns: one ``InvocationResult`` per model invocation, in a ``BenchmarkResults``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Protocol

from mlagility.analysis.generation import GenerationInfo
from mlagility.analysis.model_info import InputSpec, Invocation, ModelInfo
from mlagility.api.performance import MeasuredPerformance


@dataclass
class InvocationResult:
    """The outcome for one distinct invocation of one model.

    ``status`` is one of: found, analyzed, skipped, exported, built, benchmarked, not supported
    (no runtime asked for supports it, none failed), failed, interrupted.
    ``performance`` maps runtime name to its ``MeasuredPerformance``; ``runtime_errors`` and
    ``unsupported`` map runtime name to its failure / its "not supported..." reason (every
    runtime's outcome is kept, in the order they ran).
    """

    script: str
    model: ModelInfo
    invocation: Invocation
    build_name: str | None = None
    build_dir: str | None = None
    status: str = "found"  # found, analyzed, skipped, exported, built, benchmarked, not supported, failed, interrupted
    activity: str = ""
    error: str | None = None
    failed_stage: str | None = None
    log: str | None = None
    exporter: str | None = None
    opset: int | None = None
    flops: int | None = None
    reused: bool = False
    rebuild_reasons: list[str] = field(default_factory=list)
    performance: dict[str, MeasuredPerformance] = field(default_factory=dict)
    runtime_errors: dict[str, str] = field(default_factory=dict)
    unsupported: dict[str, str] = field(default_factory=dict)  # runtime -> "not supported...: <why>"
    checks: dict[str, dict] = field(default_factory=dict)  # runtime -> comparison with PyTorch eager

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def fail(self, stage: str, reason: str, log: str | None = None) -> None:
        self.status, self.failed_stage, self.error, self.log, self.activity = "failed", stage, reason, log, ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (used to pass results from an isolated child process to its parent)."""
        inv = self.invocation
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("model", "invocation")}
        data["model"] = asdict(self.model)
        data["invocation"] = {
            "hash": inv.hash, "inputs": [spec.to_dict() for spec in inv.inputs], "signature": inv.signature,
            "executions": inv.executions, "parent_invocation": inv.parent_invocation,
            "constants": [list(pair) for pair in inv.constants],
            "generation": inv.generation.to_dict() if inv.generation is not None else None,
        }
        data["performance"] = {name: perf.to_dict() for name, perf in self.performance.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "InvocationResult":
        data = dict(data)
        model = ModelInfo(**data.pop("model"))
        inv = data.pop("invocation")
        invocation = Invocation(
            inv["hash"], model, [InputSpec.from_dict(s) for s in inv["inputs"]], inv["signature"],
            inv["executions"], inv["parent_invocation"],
            constants=[tuple(pair) for pair in inv.get("constants", [])],
            generation=GenerationInfo(**inv["generation"]) if inv.get("generation") else None,
        )
        data["performance"] = {k: MeasuredPerformance.from_dict(v) for k, v in data["performance"].items()}
        known = {f.name for f in fields(cls)}
        return cls(model=model, invocation=invocation, **{k: v for k, v in data.items() if k in known})


class BenchmarkResults(list):
    """A list of ``InvocationResult``, plus what happened to each script of the sweep.

    ``script_errors``: script -> why it failed as a whole (raised, crashed, timed out, unknown
    hash); ``skipped``: script -> why it was not run (label filter, ``--resume``);
    ``scripts_run``: scripts actually run; ``interrupted``: Ctrl-C stopped the sweep.
    """

    def __init__(self, items=()):
        super().__init__(items)
        self.script_errors: dict[str, str] = {}
        self.skipped: dict[str, str] = {}
        self.scripts_run: list[str] = []
        self.interrupted: str | None = None  # what stopped the sweep: "Ctrl-C" or "SIGTERM"
        self.elapsed_s = 0.0
        self.slurm_job: str | None = None  # --use-slurm: the job array's id
        self.detached = False  # --detach: submitted, not waited for

    @property
    def succeeded(self) -> bool:
        return not self.script_errors and not self.interrupted and not any(r.failed for r in self)


class Reporter(Protocol):
    """Receives progress events; the CLI's live status tree is one implementation."""

    def script_started(self, script: str) -> None: ...

    def changed(self, result: InvocationResult) -> None: ...

    def script_finished(self, script: str, error: str | None, traceback_text: str | None = None) -> None:
        """The script ended; ``error`` is its one-line failure, ``traceback_text`` the script's
        own traceback (None when it did not raise)."""

    def warn(self, message: str) -> None: ...


class QuietReporter:
    def warn(self, message: str) -> None:
        pass

    def script_started(self, script: str) -> None:
        pass

    def changed(self, result: InvocationResult) -> None:
        pass

    def script_finished(self, script: str, error: str | None, traceback_text: str | None = None) -> None:
        pass
