"""ONNX Runtime on the CPU (``x86/ort``), timed in a child process by the harness.

Runs the ORT-CPU-optimized file where the build has one (made from the file of the build's
precision), else that file itself; by default sequential execution, full graph optimization, one intra-op
thread per physical core (``OrtOptions``, settable with ``--runtime-option ort.KEY=VALUE``;
``session_options``, also used by the nvidia runtimes).

The ``generation`` scenario runs the build's prefill and decode graphs (``generation_session``):
greedy decoding, each step's present outputs (OrtValues that ORT allocated) passed as the next
step's past inputs (``run_with_ortvaluevector``), so the KV cache never leaves ORT's memory; only
the next token's logits are read back to pick the token. On an fp32 build the graphs are the ones fused
for ORT's CPU provider (``OptimizeGeneration``: GroupQueryAttention with the rotary embedding
and packed Q/K/V, SkipSimplifiedLayerNormalization), recorded in the result's ``fused`` detail.
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

    scenarios = ("inference", "generation")

    def load(self, target: LoadTarget, options: OrtOptions) -> Session:
        import onnxruntime as ort

        if target.generation is not None or _is_generation(target):
            return generation_session(target, options)
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


def _is_generation(target: LoadTarget) -> bool:
    """A generation build's artifact (the worker knows it by the manifest the artifact rule named)."""
    return target.model_path is not None and target.model_path.suffix == ".json"


def generation_session(target: LoadTarget, options: OrtOptions) -> Session:
    """Greedy decoding on the prefill and decode graphs, the cache kept as OrtValues.

    Each step is one ``InferenceSession.run_with_ortvaluevector`` (ONNX Runtime's run "with
    minimal C++/Python conversion overhead", the one ORT's training front end uses): the step's
    inputs wrapped as OrtValues (borrowing the arrays' memory), the previous step's present OrtValues as the past,
    outputs allocated by ORT on the CPU; then the token read from the logits. Per step this costs
    about a third of the Python time of an I/O binding made or re-bound per step.

    The result's details say which graphs ran and whether they were fused for ORT (``fused``)."""
    import numpy as np
    import onnxruntime as ort
    from onnxruntime.capi import _pybind_state as ort_c  # the OrtValue types run_with_ortvaluevector takes

    from mlagility.runtimes.generation_graphs import GenerationGraphs

    graphs = GenerationGraphs.read(target.model_path, target.inputs_path, "ort")
    settings = session_options(options.threads, options.graph_optimization_level, options.execution_mode,
                               options.inter_op_threads)
    providers = ["CPUExecutionProvider"]
    prefill = ort.InferenceSession(str(graphs.prefill), settings, providers=providers)
    decode = ort.InferenceSession(str(graphs.decode), settings, providers=providers)
    prefill_outputs = [o.name for o in prefill.get_outputs()]
    decode_outputs = [o.name for o in decode.get_outputs()]
    prefill_cache = [prefill_outputs.index(n) for n in graphs.prefill_cache_outputs]
    decode_cache = [decode_outputs.index(n) for n in graphs.decode_cache_outputs]
    prefill_logits, decode_logits = prefill_outputs.index("logits"), decode_outputs.index("logits")
    cpu = ort_c.OrtDevice(ort_c.OrtDevice.cpu(), ort_c.OrtDevice.default_memory(), 0)
    prefill_devices, decode_devices = [cpu] * len(prefill_outputs), [cpu] * len(decode_outputs)
    value, run_options = ort_c.OrtValue.ortvalue_from_numpy, ort.RunOptions()

    def step(session, names: list, arrays: list, past: list, outputs: list, devices: list, logits_index: int,
             cache_index: list):
        feeds = ort_c.OrtValueVector()
        for array in arrays:  # the arrays live until the run ends (the OrtValues borrow their memory)
            feeds.push_back(value(array, cpu))
        for cached in past:
            feeds.push_back(cached)
        results = ort_c.OrtValueVector()
        session.run_with_ortvaluevector(run_options, names, feeds, outputs, results, devices)
        token = results[logits_index].numpy()[:, -1].argmax(-1)
        return token, [results[i] for i in cache_index]

    step_names, _ = graphs.decode_steps()
    decode_names = step_names + graphs.decode_cache_inputs

    def generate(on_token):
        tokens = []
        prompt = graphs.prefill_feeds()  # inside the timed call, as a user's loop makes them
        token, past = step(prefill, list(prompt), [np.ascontiguousarray(a) for a in prompt.values()], [],
                           prefill_outputs, prefill_devices, prefill_logits, prefill_cache)
        on_token()
        tokens.append(token)
        _, decode_feeds = graphs.decode_steps()
        for index in range(1, graphs.new_tokens):
            token, past = step(decode, decode_names, decode_feeds(token, index), past, decode_outputs, decode_devices,
                               decode_logits, decode_cache)
            on_token()
            tokens.append(token)
        details["kv_cache_mib"] = sum(int(np.prod(v.shape())) * (2 if "16" in v.data_type() else 4)
                                      for v in past) / 2**20
        return np.stack(tokens, axis=-1)

    details = {"providers": prefill.get_providers(), **graphs.details()}
    return Session(run=None, threads=options.threads, generate=generate, details=details)
