"""OpenVINO on the CPU (``x86/openvino``), timed in a child process by the harness.

Runs the ONNX file of the build's precision (never ``model-opt.onnx``: ONNX Runtime's optimized
file holds ORT-only contrib ops), compiled for "CPU" with ``compile_config`` (``OpenVinoOptions``, settable with
``--runtime-option openvino.KEY=VALUE``). ``load_time_s`` is
the model read + compile time.

The ``generation`` scenario runs the build's prefill and decode graphs (``generation_session``):
decoding (each token chosen by ``generation_graphs.TokenPicker``: greedy, seeded sampling or a
decode loop's own tokens), each step's present outputs (OpenVINO tensors) set as the next step's past
inputs without a copy; two decode requests take turns, so a request never writes over the
tensors it is reading. An encoder-decoder (``encoder_decoder_session``) runs its encoder once, the
decoder's first step, then the decoder with past, the encoder's output and the cross-attention
cache (OpenVINO tensors from the first step) set again at every step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mlagility.runtimes.base import LoadTarget, Runtime, RuntimeOptions, Session
from mlagility.runtimes.generation_graphs import EncoderDecoderGraphs, GenerationGraphs, is_encoder_decoder


@dataclass(frozen=True)
class OpenVinoOptions(RuntimeOptions):
    """The CPU plugin's settings (``--runtime-option openvino.KEY=VALUE``).

    ``threads``: ``INFERENCE_NUM_THREADS`` (default: one per physical core).
    ``performance_hint``: LATENCY (one request as fast as possible) or THROUGHPUT (the plugin
    splits the cores into streams for requests in flight; benchit times one request at a time).
    ``num_streams``: ``NUM_STREAMS``, parallel inference streams (default: what the hint picks).
    ``inference_precision``: the CPU plugin's compute precision hint (f32 by default: see
    ``compile_config``; bf16/f16 only where the CPU has them).
    """

    performance_hint: Literal["LATENCY", "THROUGHPUT"] = "LATENCY"
    num_streams: int | None = None
    inference_precision: Literal["f32", "bf16", "f16"] = "f32"

    def __post_init__(self):
        super().__post_init__()
        if self.num_streams is not None and self.num_streams < 1:
            raise ValueError(f"num_streams must be at least 1 (got {self.num_streams})")


def compile_config(threads: int, hint: str = "LATENCY", inference_precision: str = "f32",
                   num_streams: int | None = None) -> dict:
    """The CPU plugin settings (also used by bench/runtimes.py).

    ``INFERENCE_PRECISION_HINT`` is pinned to f32: left alone, the CPU plugin silently runs in
    bf16 on CPUs with bf16 instructions (AVX512_BF16, AMX), which would make OpenVINO's latency
    depend on the CPU's instruction set and not comparable with the other (fp32) x86 runtimes.
    """
    config = {
        "PERFORMANCE_HINT": hint,
        "INFERENCE_NUM_THREADS": threads,
        "INFERENCE_PRECISION_HINT": inference_precision,
    }
    if num_streams is not None:
        config["NUM_STREAMS"] = num_streams
    return config


class OpenVinoRuntime(Runtime):
    name = "openvino"
    imports = ("openvino",)
    options_class = OpenVinoOptions
    scenarios = ("inference", "generation")

    def load(self, target: LoadTarget, options: OpenVinoOptions) -> Session:
        import numpy as np
        import openvino as ov

        if target.generation is not None or (target.model_path is not None and target.model_path.suffix == ".json"):
            return generation_session(target, options)

        threads = options.threads
        core = ov.Core()
        config = compile_config(threads, options.performance_hint, options.inference_precision, options.num_streams)
        compiled = core.compile_model(core.read_model(str(target.model_path)), "CPU", config)
        feeds = target.feeds()
        wanted = {name for port in compiled.inputs for name in port.get_names()}
        missing = sorted(set(feeds) - wanted)
        if missing:
            raise RuntimeError(f"the compiled model has no inputs named {missing} (it has {sorted(wanted)})")
        infer = compiled.create_infer_request()
        details = {key: compiled.get_property(key)
                   for key in ("INFERENCE_PRECISION_HINT", "INFERENCE_NUM_THREADS", "NUM_STREAMS")}

        def run():
            # Like ORT's session.run(None, feeds): inputs used in place, outputs returned as copies.
            results = infer.infer(feeds, share_inputs=True)
            return [np.asarray(results[port]) for port in compiled.outputs]

        return Session(run=run, threads=threads, details=details)


def generation_session(target: LoadTarget, options: OpenVinoOptions) -> Session:
    """Decoding on the prefill and decode graphs, the cache kept as OpenVINO tensors, each next
    token chosen by the generation's ``TokenPicker`` (greedy, seeded sampling or a decode loop's own
    tokens)."""
    import numpy as np
    import openvino as ov

    if is_encoder_decoder(target.model_path):
        return encoder_decoder_session(target, options)
    graphs = GenerationGraphs.read(target.model_path, target.inputs_path, "openvino")
    core = ov.Core()
    config = compile_config(options.threads, options.performance_hint, options.inference_precision,
                            options.num_streams)
    prefill = core.compile_model(core.read_model(str(graphs.prefill)), "CPU", config)
    decode = core.compile_model(core.read_model(str(graphs.decode)), "CPU", config)
    prefill_request = prefill.create_infer_request()
    decode_requests = [decode.create_infer_request(), decode.create_infer_request()]
    prefill_logits, decode_logits = prefill.output("logits"), decode.output("logits")
    prefill_cache = [prefill.output(name) for name in graphs.prefill_cache_outputs]
    decode_cache = [decode.output(name) for name in graphs.decode_cache_outputs]

    def next_token(request, port, kept: list | None):
        last = request.get_tensor(port).data[:, -1]
        if kept is not None:  # the check's run only: each step's next-token logits
            kept.append(np.array(last, dtype=np.float32))
        return pick(last)

    pick = graphs.picker()

    def generate(on_token, logits: list | None = None):
        pick.start()
        for name, array in graphs.prefill_feeds().items():
            prefill_request.set_tensor(name, ov.Tensor(np.ascontiguousarray(array)))
        prefill_request.infer()
        token = next_token(prefill_request, prefill_logits, logits)
        on_token()
        past = [prefill_request.get_tensor(port) for port in prefill_cache]
        mask = graphs.attention_mask
        for index in range(1, graphs.new_tokens):
            request = decode_requests[index % 2]
            feeds, mask = graphs.decode_feeds(token, mask, index)
            for name, array in feeds.items():
                request.set_tensor(name, ov.Tensor(np.ascontiguousarray(array)))
            for name, tensor in zip(graphs.decode_cache_inputs, past):
                request.set_tensor(name, tensor)
            request.infer()
            token = next_token(request, decode_logits, logits)
            on_token()
            past = [request.get_tensor(port) for port in decode_cache]
        details["kv_cache_mib"] = sum(t.byte_size for t in past) / 2**20
        return pick.tokens()

    details = {key: decode.get_property(key) for key in ("INFERENCE_PRECISION_HINT", "INFERENCE_NUM_THREADS")}
    details.update(graphs.details())
    return Session(run=None, threads=options.threads, generate=generate, details=details, keeps_logits=True)


def encoder_decoder_session(target: LoadTarget, options: OpenVinoOptions) -> Session:
    """Greedy decoding of an encoder-decoder (``EncoderDecoderGraphs``): the encoder once, the
    decoder's first step (the first token: the encoder's time counted in it, as in ``generate()``),
    then one decoder step per token; the encoder's output and the cross-attention cache are the
    tensors the first requests returned (their requests are not run again during the generation),
    the self-attention cache passes between two decode requests taking turns."""
    import numpy as np
    import openvino as ov

    graphs = EncoderDecoderGraphs.read(target.model_path, target.inputs_path, "openvino")
    core = ov.Core()
    config = compile_config(options.threads, options.performance_hint, options.inference_precision,
                            options.num_streams)
    encoder, prefill, decode = (core.compile_model(core.read_model(str(path)), "CPU", config)
                                for path in (graphs.encoder, graphs.prefill, graphs.decode))
    encoder_request, prefill_request = encoder.create_infer_request(), prefill.create_infer_request()
    decode_requests = [decode.create_infer_request(), decode.create_infer_request()]
    names = {id(model): {name for port in model.inputs for name in port.get_names()}
             for model in (encoder, prefill, decode)}

    def feed(request, model, values: dict) -> None:
        for name, value in values.items():
            if name in names[id(model)]:
                tensor = value if isinstance(value, ov.Tensor) else ov.Tensor(np.ascontiguousarray(value))
                request.set_tensor(name, tensor)

    def generate(on_token, logits: list | None = None):
        mask = graphs.encoder_mask()
        encoder_feeds = {} if mask is None else {"encoder_attention_mask": mask}
        feed(encoder_request, encoder, graphs.encoder_feeds())
        encoder_request.infer()
        hidden = encoder_request.get_tensor("encoder_hidden_states")
        feed(prefill_request, prefill, {"decoder_input_ids": graphs.start_ids(), "encoder_hidden_states": hidden,
                                        **encoder_feeds})
        prefill_request.infer()
        finished = np.zeros(graphs.batch_size, dtype=bool)
        last = prefill_request.get_tensor("logits").data[:, -1]
        if logits is not None:  # the check's run only: each step's next-token logits
            logits.append(last.astype(np.float32))
        token = graphs.pick(last, 0, finished)
        on_token()
        tokens = [token]
        cross = {name: prefill_request.get_tensor(out)
                 for name, out in zip(graphs.decode_cross_inputs, graphs.prefill_cross_outputs)}
        past = [prefill_request.get_tensor(name) for name in graphs.prefill_cache_outputs]
        for index in range(1, graphs.new_tokens):
            request = decode_requests[index % 2]
            feed(request, decode, {"decoder_input_ids": token.reshape(-1, 1), "encoder_hidden_states": hidden,
                                   **encoder_feeds, **cross, **dict(zip(graphs.decode_cache_inputs, past))})
            request.infer()
            last = request.get_tensor("logits").data[:, -1]
            if logits is not None:
                logits.append(last.astype(np.float32))
            token = graphs.pick(last, index, finished)
            on_token()
            tokens.append(token)
            past = [request.get_tensor(name) for name in graphs.decode_cache_outputs]
        details["kv_cache_mib"] = sum(t.byte_size for t in [*past, *cross.values()]) / 2**20
        return np.stack(tokens, axis=-1)

    details = {key: decode.get_property(key) for key in ("INFERENCE_PRECISION_HINT", "INFERENCE_NUM_THREADS")}
    details.update(graphs.details())
    return Session(run=None, threads=options.threads, generate=generate, details=details, keeps_logits=True)
