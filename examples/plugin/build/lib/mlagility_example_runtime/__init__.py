"""A complete third-party runtime for mlagility: ONNX Runtime with the profiler-friendly "basic"
graph optimizations only, registered as ``--device x86 --runtime ort-basic``.

A runtime says what it runs (``needs``), its typed options (``options_class``) and how to load a
model into a ``Session``; mlagility's harness does the warm-up, timing, statistics, raw samples,
outputs for the correctness check and the child process. Install with ``pip install -e
examples/plugin`` (the entry point is in ``pyproject.toml``), then ``benchit --list-runtimes``.
"""

from dataclasses import dataclass

from mlagility.runtimes.base import ArtifactNeeds, LoadTarget, Runtime, RuntimeOptions, Session


@dataclass(frozen=True)
class BasicOrtOptions(RuntimeOptions):
    level: str = "ORT_ENABLE_BASIC"  # recorded with every result


class BasicOrtRuntime(Runtime):
    name = "ort-basic"
    device = "x86"
    needs = ArtifactNeeds(kind="onnx", ort_cpu_optimized=False, precisions=("fp32", "fp16"))
    options_class = BasicOrtOptions
    imports = ("onnxruntime",)

    @classmethod
    def version(cls) -> str:
        import onnxruntime

        return onnxruntime.__version__

    def load(self, target: LoadTarget, options: BasicOrtOptions) -> Session:
        import onnxruntime as ort

        session_options = ort.SessionOptions()
        session_options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, options.level)
        session_options.intra_op_num_threads = options.threads or 1
        session = ort.InferenceSession(str(target.model_path), session_options)
        feeds = target.feeds()
        return Session(run=lambda: session.run(None, feeds), threads=options.threads or 1)
