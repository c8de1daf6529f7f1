"""Child process for the ``nvidia`` runtimes: ONNX Runtime on an NVIDIA GPU, time it, write JSON.

Usage: ``python -m mlagility.runtimes.nvidia_worker REQUEST.json``. Imports no torch.
The request names the ``provider`` ("TensorrtExecutionProvider" or "CUDAExecutionProvider").
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

TRT = "TensorrtExecutionProvider"
CUDA = "CUDAExecutionProvider"
GPU_QUERY = ["nvidia-smi", "--query-gpu=name,driver_version,memory.used", "--format=csv,noheader"]


def providers(provider: str, device_id: int = 0) -> list:
    """The execution providers, best first (ORT appends the CPU EP for what neither can run).

    TensorRT runs in fp16 (``trt_fp16_enable``), with the CUDA EP for the nodes TensorRT rejects;
    the CUDA EP alone runs the fp32 model as exported (fp16 would need a converted model).
    """
    cuda = (CUDA, {"device_id": device_id})
    if provider == TRT:
        return [(TRT, {"device_id": device_id, "trt_fp16_enable": True}), cuda]
    if provider == CUDA:
        return [cuda]
    raise ValueError(f"unknown execution provider {provider}")


def gpu_lines() -> list[str]:
    """One ``name, driver, memory.used`` line per GPU, from nvidia-smi."""
    try:
        completed = subprocess.run(GPU_QUERY, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as error:
        print(f"nvidia-smi failed: {error}", flush=True)
        return []
    return [line.strip() for line in completed.stdout.splitlines() if line.strip()]


def main(request_path: str) -> None:
    import numpy as np
    import onnxruntime as ort

    from mlagility.common.filesystem import write_json
    from mlagility.common.system_info import logical_cores
    from mlagility.runtimes.measurement import Measurement
    from mlagility.common.system_info import peak_rss_mib
    from mlagility.runtimes.timing import BenchmarkSettings, measure

    request = json.loads(open(request_path, encoding="utf-8").read())
    settings = BenchmarkSettings(**request["settings"])
    provider = request["provider"]
    gpus = gpu_lines()
    print("GPUs (name, driver, memory used):", *gpus, sep="\n  ", flush=True)
    if not gpus:
        raise SystemExit("nvidia-smi lists no GPU")

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = request["threads"]
    chosen = providers(provider)
    print(f"onnxruntime {ort.__version__}, providers {chosen}", flush=True)
    start = time.perf_counter()
    session = ort.InferenceSession(request["model"], options, providers=chosen)
    load_time = time.perf_counter() - start
    # ORT falls back to the next provider, silently, when one fails to load (e.g. no TensorRT
    # libraries): a measurement on the fallback would be mislabelled.
    if session.get_providers()[0] != provider:
        raise SystemExit(f"{provider} did not load (session runs on {session.get_providers()})")

    with np.load(request["inputs"]) as saved:
        feeds = {name: saved[name] for name in saved.files}
    # session.run with numpy feeds copies the inputs to the GPU and the outputs back to numpy;
    # it returns after the outputs are on the host, so each timed call is synchronized with the
    # device and includes those copies.
    timings = measure(lambda: session.run(None, feeds), settings)
    if request.get("samples_file"):
        from mlagility.runtimes.samples import save_samples

        save_samples(request["samples_file"], timings.latencies_ms)
    if request.get("outputs_file"):
        from mlagility.runtimes.outputs import save_outputs

        save_outputs(request["outputs_file"], session.run(None, feeds))
    after = gpu_lines()
    print("GPUs after timing (name, driver, memory used):", *after, sep="\n  ", flush=True)
    measurement = Measurement.from_timings(
        timings,
        settings,
        device="nvidia",
        device_name=gpus[0].split(",")[0].strip(),
        runtime=request["runtime"],
        runtime_version=ort.__version__,
        load_time_s=load_time,
        peak_memory_mb=peak_rss_mib(),
        threads=request["threads"],
        cores=logical_cores(),
    )
    write_json(request["output"], measurement.to_dict())


if __name__ == "__main__":
    main(sys.argv[1])
