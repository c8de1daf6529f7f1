"""Child process for the ``openvino`` runtime: read and compile the ONNX file, time it, write JSON.

Usage: ``python -m mlagility.runtimes.openvino_worker REQUEST.json``. Imports no torch.
"""

from __future__ import annotations

import json
import sys
import time


def compile_config(threads: int) -> dict:
    """The CPU plugin settings (also used by bench/runtimes.py).

    ``INFERENCE_PRECISION_HINT`` is pinned to f32: left alone, the CPU plugin silently runs in
    bf16 on CPUs with bf16 instructions (AVX512_BF16, AMX), which would make OpenVINO's latency
    depend on the CPU's instruction set and not comparable with the other (fp32) x86 runtimes.
    """
    return {
        "PERFORMANCE_HINT": "LATENCY",
        "INFERENCE_NUM_THREADS": threads,
        "INFERENCE_PRECISION_HINT": "f32",
    }


def main(request_path: str) -> None:
    from importlib import metadata

    import numpy as np
    import openvino as ov

    from mlagility.common.filesystem import write_json
    from mlagility.common.system_info import cpu_name, logical_cores
    from mlagility.runtimes.measurement import Measurement
    from mlagility.common.system_info import peak_rss_mib
    from mlagility.runtimes.timing import BenchmarkSettings, measure

    request = json.loads(open(request_path, encoding="utf-8").read())
    settings = BenchmarkSettings(**request["settings"])
    config = compile_config(request["threads"])
    print(f"openvino {ov.get_version()}", flush=True)
    print(f"compiling {request['model']} on CPU with {config}", flush=True)

    core = ov.Core()
    start = time.perf_counter()
    compiled = core.compile_model(core.read_model(request["model"]), "CPU", config)
    load_time = time.perf_counter() - start
    for key in ("INFERENCE_PRECISION_HINT", "INFERENCE_NUM_THREADS", "NUM_STREAMS"):
        print(f"  {key} = {compiled.get_property(key)}", flush=True)

    with np.load(request["inputs"]) as saved:
        feeds = {name: saved[name] for name in saved.files}
    wanted = {name for port in compiled.inputs for name in port.get_names()}
    missing = sorted(set(feeds) - wanted)
    if missing:
        raise SystemExit(f"the compiled model has no inputs named {missing} (it has {sorted(wanted)})")
    infer = compiled.create_infer_request()
    # Like ORT's session.run(None, feeds): inputs used in place, every output returned as a copy.
    timings = measure(lambda: infer.infer(feeds, share_inputs=True), settings)
    if request.get("samples_file"):
        from mlagility.runtimes.samples import save_samples

        save_samples(request["samples_file"], timings.latencies_ms)
    if request.get("outputs_file"):
        from mlagility.runtimes.outputs import save_outputs

        results = infer.infer(feeds)
        save_outputs(request["outputs_file"], [np.asarray(results[port]) for port in compiled.outputs])
    measurement = Measurement.from_timings(
        timings,
        settings,
        device="x86",
        device_name=cpu_name(),
        runtime="openvino",
        runtime_version=metadata.version("openvino"),
        load_time_s=load_time,
        peak_memory_mb=peak_rss_mib(),
        threads=request["threads"],
        cores=logical_cores(),
    )
    write_json(request["output"], measurement.to_dict())


if __name__ == "__main__":
    main(sys.argv[1])
