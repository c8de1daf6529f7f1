"""ONNX Runtime on the CPU (``x86/ort``), timed in a child process by the harness.

Runs the ORT-CPU-optimized file where the build has one (made from the file of the build's
precision), else that file itself; by default sequential execution, full graph optimization, one intra-op
thread per physical core (``OrtOptions``, settable with ``--runtime-option ort.KEY=VALUE``;
``session_options``, also used by the nvidia runtimes).

The ``generation`` scenario runs the build's prefill and decode graphs (``generation_session``):
decoding (each token chosen by ``generation_graphs.TokenPicker``: greedy, seeded sampling or a
decode loop's own tokens), each step's present outputs (OrtValues that ORT allocated) passed as the next
step's past inputs (``run_with_ortvaluevector``), so the KV cache never leaves ORT's memory; only
the next token's logits are read back to pick the token. On an fp32 build the graphs are the ones fused
for ORT's CPU provider (``OptimizeGeneration``: GroupQueryAttention with the rotary embedding
and packed Q/K/V, SkipSimplifiedLayerNormalization), recorded in the result's ``fused`` detail.
An encoder-decoder (``encoder_decoder_session``) runs its encoder once, the decoder's first step,
then the decoder with past, the encoder's output and the cross-attention cache computed once and
bound again, as OrtValues, at every step (I/O binding).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mlagility.runtimes.base import ArtifactNeeds, LoadTarget, Runtime, RuntimeOptions, Session
from mlagility.runtimes.generation_graphs import EncoderDecoderGraphs, GenerationGraphs, is_encoder_decoder


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
    """Decoding on the prefill and decode graphs, the cache kept as OrtValues, each next token
    chosen by the generation's ``TokenPicker`` (greedy, seeded sampling or a decode loop's own tokens).

    Each step is one ``InferenceSession.run_with_ortvaluevector`` (ONNX Runtime's run "with
    minimal C++/Python conversion overhead", the one ORT's training front end uses): the step's
    inputs wrapped as OrtValues (borrowing the arrays' memory), the previous step's present OrtValues as the past,
    outputs allocated by ORT on the CPU; then the token read from the logits. Per step this costs
    about a third of the Python time of an I/O binding made or re-bound per step.

    The result's details say which graphs ran and whether they were fused for ORT (``fused``)."""
    import numpy as np
    import onnxruntime as ort
    from onnxruntime.capi import _pybind_state as ort_c  # the OrtValue types run_with_ortvaluevector takes

    if is_encoder_decoder(target.model_path):
        return encoder_decoder_session(target, options)
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
             cache_index: list, kept: list | None):
        feeds = ort_c.OrtValueVector()
        for array in arrays:  # the arrays live until the run ends (the OrtValues borrow their memory)
            feeds.push_back(value(array, cpu))
        for cached in past:
            feeds.push_back(cached)
        results = ort_c.OrtValueVector()
        session.run_with_ortvaluevector(run_options, names, feeds, outputs, results, devices)
        last = results[logits_index].numpy()[:, -1]
        if kept is not None:  # the check's run only: each step's next-token logits
            kept.append(last.astype(np.float32))
        return pick(last), [results[i] for i in cache_index]

    pick = graphs.picker()
    step_names, _ = graphs.decode_steps()
    decode_names = step_names + graphs.decode_cache_inputs

    def generate(on_token, logits: list | None = None):
        pick.start()
        prompt = graphs.prefill_feeds()  # inside the timed call, as a user's loop makes them
        token, past = step(prefill, list(prompt), [np.ascontiguousarray(a) for a in prompt.values()], [],
                           prefill_outputs, prefill_devices, prefill_logits, prefill_cache, logits)
        on_token()
        _, decode_feeds = graphs.decode_steps()
        for index in range(1, graphs.new_tokens):
            token, past = step(decode, decode_names, decode_feeds(token, index), past, decode_outputs, decode_devices,
                               decode_logits, decode_cache, logits)
            on_token()
        details["kv_cache_mib"] = sum(int(np.prod(v.shape())) * (2 if "16" in v.data_type() else 4)
                                      for v in past) / 2**20
        return pick.tokens()

    details = {"providers": prefill.get_providers(), **graphs.details()}
    return Session(run=None, threads=options.threads, generate=generate, details=details, keeps_logits=True)


def encoder_decoder_session(target: LoadTarget, options: OrtOptions) -> Session:
    """Greedy decoding of an encoder-decoder (``EncoderDecoderGraphs``): the encoder once, the
    decoder's first step (the first token: the encoder's time is counted in it, as in
    ``generate()``, which runs the encoder before its first decoder call), then one decoder step
    per token. The encoder's output, the cross-attention cache and the self-attention cache stay
    OrtValues in ORT's memory (I/O binding); only each step's last logits are read back."""
    import numpy as np
    import onnxruntime as ort

    graphs = EncoderDecoderGraphs.read(target.model_path, target.inputs_path, "ort")
    settings = session_options(options.threads, options.graph_optimization_level, options.execution_mode,
                               options.inter_op_threads)
    providers = ["CPUExecutionProvider"]
    encoder, prefill, decode = (ort.InferenceSession(str(path), settings, providers=providers)
                                for path in (graphs.encoder, graphs.prefill, graphs.decode))
    value = ort.OrtValue.ortvalue_from_numpy

    def run(session, feeds: dict, bound: dict) -> dict:
        """One call; ``feeds`` numpy, ``bound`` OrtValues; returns every output as an OrtValue."""
        binding = session.io_binding()
        names = [i.name for i in session.get_inputs()]
        for name, array in feeds.items():
            if name in names:
                binding.bind_ortvalue_input(name, value(np.ascontiguousarray(array)))
        for name, ortvalue in bound.items():
            if name in names:
                binding.bind_ortvalue_input(name, ortvalue)
        outputs = [o.name for o in session.get_outputs()]
        for name in outputs:
            binding.bind_output(name, "cpu")
        session.run_with_iobinding(binding)
        return dict(zip(outputs, binding.get_outputs()))

    def generate(on_token, logits: list | None = None):
        mask = graphs.encoder_mask()
        encoder_feeds = {} if mask is None else {"encoder_attention_mask": mask}
        hidden = run(encoder, graphs.encoder_feeds(), {})["encoder_hidden_states"]
        first = run(prefill, {"decoder_input_ids": graphs.start_ids(), **encoder_feeds},
                    {"encoder_hidden_states": hidden})
        finished = np.zeros(graphs.batch_size, dtype=bool)
        last = first["logits"].numpy()[:, -1]
        if logits is not None:  # the check's run only: each step's next-token logits
            logits.append(last.astype(np.float32))
        token = graphs.pick(last, 0, finished)
        on_token()
        tokens = [token]
        cross = {name: first[out] for name, out in zip(graphs.decode_cross_inputs, graphs.prefill_cross_outputs)}
        past = [first[name] for name in graphs.prefill_cache_outputs]
        bound = {"encoder_hidden_states": hidden, **cross}
        for index in range(1, graphs.new_tokens):
            step = run(decode, {"decoder_input_ids": token.reshape(-1, 1), **encoder_feeds},
                       {**bound, **dict(zip(graphs.decode_cache_inputs, past))})
            last = step["logits"].numpy()[:, -1]
            if logits is not None:
                logits.append(last.astype(np.float32))
            token = graphs.pick(last, index, finished)
            on_token()
            tokens.append(token)
            past = [step[name] for name in graphs.decode_cache_outputs]
        details["kv_cache_mib"] = sum(int(np.prod(v.shape())) * (2 if "16" in v.data_type() else 4)
                                      for v in [*past, *cross.values()]) / 2**20
        return np.stack(tokens, axis=-1)

    details = {"providers": decode.get_providers(), **graphs.details()}
    return Session(run=None, threads=options.threads, generate=generate, details=details, keeps_logits=True)
