"""ONNX Runtime on the CPU (``x86/ort``), timed in a child process by the harness.

Runs the ORT-CPU-optimized file where the build has one (made from the file of the build's
precision), else that file itself; by default sequential execution, full graph optimization, one intra-op
thread per physical core (``OrtOptions``, settable with ``--runtime-option ort.KEY=VALUE``;
``session_options``, also used by the nvidia runtimes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mlagility.runtimes.base import ArtifactNeeds, LoadTarget, Runtime, RuntimeOptions, Session


@dataclass(frozen=True)
class OrtOptions(RuntimeOptions):
    """ONNX Runtime's session options (``--runtime-option ort.KEY=VALUE``).

    ``threads``: intra-op threads (default: one per physical core).
    ``graph_optimization_level``: how far ORT rewrites the graph when it loads it (ORT_DISABLE_ALL,
    ORT_ENABLE_BASIC: constant folding and redundant-node removal, ORT_ENABLE_EXTENDED: also
    fusions, ORT_ENABLE_ALL: also layout optimizations). ``execution_mode``: ORT_SEQUENTIAL runs
    one node at a time (each with the intra-op threads), ORT_PARALLEL runs independent branches
    at once. ``inter_op_threads``: threads running branches at once with ORT_PARALLEL (default:
    ORT's).
    """

    graph_optimization_level: Literal["ORT_DISABLE_ALL", "ORT_ENABLE_BASIC", "ORT_ENABLE_EXTENDED",
                                      "ORT_ENABLE_ALL"] = "ORT_ENABLE_ALL"
    execution_mode: Literal["ORT_SEQUENTIAL", "ORT_PARALLEL"] = "ORT_SEQUENTIAL"
    inter_op_threads: int | None = None

    def __post_init__(self):
        super().__post_init__()
        if self.inter_op_threads is not None and self.inter_op_threads < 1:
            raise ValueError(f"inter_op_threads must be at least 1 (got {self.inter_op_threads})")


def session_options(threads: int, graph_optimization_level: str = "ORT_ENABLE_ALL",
                    execution_mode: str = "ORT_SEQUENTIAL", inter_op_threads: int | None = None):
    """The options a user would pick for CPU inference (``OrtOptions``' defaults)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, graph_optimization_level)
    options.intra_op_num_threads = threads
    options.execution_mode = getattr(ort.ExecutionMode, execution_mode)
    if inter_op_threads is not None:
        options.inter_op_num_threads = inter_op_threads
    return options


class OrtRuntime(Runtime):
    name = "ort"
    needs = ArtifactNeeds(kind="onnx", ort_cpu_optimized=True)
    imports = ("onnxruntime",)
    options_class = OrtOptions

    def load(self, target: LoadTarget, options: OrtOptions) -> Session:
        import onnxruntime as ort

        threads = options.threads
        session = ort.InferenceSession(
            str(target.model_path),
            session_options(threads, options.graph_optimization_level, options.execution_mode,
                            options.inter_op_threads),
            providers=["CPUExecutionProvider"],
        )
        feeds = target.feeds()
        return Session(run=lambda: session.run(None, feeds), threads=threads,
                       details={"providers": session.get_providers()})
