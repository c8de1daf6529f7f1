"""Child process for the ``ort`` runtime: load the ONNX file, time it, write JSON.

Usage: ``python -m mlagility.runtimes.ort_worker REQUEST.json``. Imports no torch.
"""

from __future__ import annotations

import json
import sys
import time


def session_options(threads: int):
    """The options a user would pick for CPU inference (also used by bench/fidelity.py)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return options


def main(request_path: str) -> None:
    import numpy as np
    import onnxruntime as ort

    from mlagility.common.filesystem import write_json
    from mlagility.common.system_info import cpu_name, logical_cores
    from mlagility.runtimes.measurement import Measurement
    from mlagility.common.system_info import peak_rss_mib
    from mlagility.runtimes.timing import BenchmarkSettings, measure

    request = json.loads(open(request_path, encoding="utf-8").read())
    settings = BenchmarkSettings(**request["settings"])
    start = time.perf_counter()
    session = ort.InferenceSession(
        request["model"], session_options(request["threads"]), providers=["CPUExecutionProvider"]
    )
    load_time = time.perf_counter() - start
    with np.load(request["inputs"]) as saved:
        feeds = {name: saved[name] for name in saved.files}
    timings = measure(lambda: session.run(None, feeds), settings)
    if request.get("samples_file"):
        from mlagility.runtimes.samples import save_samples

        save_samples(request["samples_file"], timings.latencies_ms)
    if request.get("outputs_file"):
        from mlagility.runtimes.outputs import save_outputs

        save_outputs(request["outputs_file"], session.run(None, feeds))
    measurement = Measurement.from_timings(
        timings,
        settings,
        device="x86",
        device_name=cpu_name(),
        runtime="ort",
        runtime_version=ort.__version__,
        load_time_s=load_time,
        peak_memory_mb=peak_rss_mib(),
        threads=request["threads"],
        cores=logical_cores(),
    )
    write_json(request["output"], measurement.to_dict())


if __name__ == "__main__":
    main(sys.argv[1])
