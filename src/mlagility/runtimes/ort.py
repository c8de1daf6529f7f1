"""ONNX Runtime on the CPU (``x86/ort``), timed in a child process by the harness.

Runs the ORT-CPU-optimized file where the build has one (made from the file of the build's
precision), else that file itself; sequential execution, full graph optimization, one intra-op
thread per physical core (``session_options``, also used by ``bench/fidelity.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from mlagility.runtimes.base import ArtifactNeeds, LoadTarget, Runtime, RuntimeOptions, Session


@dataclass(frozen=True)
class OrtOptions(RuntimeOptions):
    """``threads``: intra-op threads (default: physical cores). ``graph_optimization``: ORT level."""

    graph_optimization: str = "ORT_ENABLE_ALL"


def session_options(threads: int, graph_optimization: str = "ORT_ENABLE_ALL"):
    """The options a user would pick for CPU inference."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, graph_optimization)
    options.intra_op_num_threads = threads
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
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
            str(target.model_path), session_options(threads, options.graph_optimization),
            providers=["CPUExecutionProvider"],
        )
        feeds = target.feeds()
        return Session(run=lambda: session.run(None, feeds), threads=threads,
                       details={"providers": session.get_providers()})
