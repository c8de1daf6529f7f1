"""A synthetic mlagility cache: N builds x R runtimes with raw samples, failures and labels.

Used by ``bench/dashboard_scale.py`` (2,000 builds x 3 runtimes) and by the dashboard/compare tests
(a handful of builds). No torch: it writes ``BuildState`` files and ``samples_*.npy`` directly.

    python bench/synthetic_cache.py OUT_DIR --builds 2000 --runtimes ort torch-eager openvino
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from mlagility.builds.cache import Cache
from mlagility.builds.state import BuildState
from mlagility.runtimes.samples import samples_path, save_samples

TASKS = ["Computer_Vision", "Natural_Language_Processing", "Audio", "Graph"]
AUTHORS = ["torchvision", "huggingface", "timm", "mlagility"]
DOMAINS = ["vision", "language", "speech", "graphs"]
SPEED = {"ort": 0.6, "torch-eager": 1.0, "openvino": 0.5, "torch-compiled": 0.8}


def make_cache(root, builds: int = 10, runtimes=("ort", "torch-eager"), seed: int = 0, samples: int = 200,
               failure_every: int = 7, slowdown: dict | None = None, noise_seed: int | None = None) -> Path:
    """Write a cache with ``builds`` builds; every ``failure_every``-th build fails somewhere.

    ``slowdown``: {build index: factor} multiplies that build's latencies (a planted regression).
    ``noise_seed``: the seed of the latency noise (the build identities come from ``seed``).
    """
    cache = Cache(root).ensure()
    identity = np.random.default_rng(seed)
    noise = np.random.default_rng(seed if noise_seed is None else noise_seed)
    slowdown = slowdown or {}
    for i in range(builds):
        task = i % len(TASKS)
        name = f"model_{i:05d}"
        inv = f"{identity.integers(0, 16**8):08x}"
        build_name = f"{name}_{inv}"
        build_dir = cache.build_dir(build_name)
        build_dir.mkdir(parents=True, exist_ok=True)
        flops = float(identity.lognormal(20, 2))
        state = BuildState(build_name=build_name, status="built", model_hash=inv, invocation_hash=inv)
        state.source = {"script": f"/corpus/{DOMAINS[task]}/{name}.py", "model_name": name,
                        "class": f"Net{i % 13}", "params": int(flops / 50),
                        "labels": {"task": [TASKS[task]], "author": [AUTHORS[i % len(AUTHORS)]],
                                   "domain": [DOMAINS[task]]}}
        state.options = {"precision": "fp32"}
        state.onnx_stats = {"flops": flops, "file_bytes": int(flops / 10)}
        state.package_versions = {"mlagility": "0.1.0", "torch": "2.14.1", "onnx": "1.23.2", "onnxruntime": "1.32.0"}
        state.log = str(build_dir / "log_export.txt")
        failing = failure_every and i % failure_every == failure_every - 1
        kind = (i // failure_every) % 3 if failing else None
        if kind == 0:  # export failed: no benchmarks
            state.status, state.failed_stage = "failed", "export"
            state.error = ["torch.onnx.export: unsupported operator aten::foo", "dynamo: data-dependent branch"][i % 2]
            state.save(build_dir)
            continue
        base_ms = max(0.02, flops / 2e10) * float(identity.uniform(0.8, 1.2))
        for j, runtime in enumerate(runtimes):
            key = f"x86/{runtime}"
            if kind == 1 and j == 0:
                state.benchmarks[key] = {"status": "failed", "error": "worker crashed (signal 11)",
                                         "log": str(build_dir / f"log_benchmark_x86_{runtime}.txt")}
                continue
            factor = slowdown.get(i, 1.0)
            median = base_ms * SPEED.get(runtime, 1.0) * factor
            data = median * noise.lognormal(0, 0.08, samples)
            save_samples(samples_path(build_dir, "x86", runtime), data)
            stats = {"mean_ms": float(data.mean()), "median_ms": float(np.median(data)),
                     "p90_ms": float(np.percentile(data, 90)), "p95_ms": float(np.percentile(data, 95)),
                     "p99_ms": float(np.percentile(data, 99)), "min_ms": float(data.min()),
                     "max_ms": float(data.max()), "std_ms": float(data.std(ddof=1)), "timed_iterations": samples,
                     "throughput_ips": 1e3 / float(data.mean())}
            state.benchmarks[key] = {"status": "benchmarked", "device": "x86", "runtime": runtime,
                                     "device_name": "Synthetic CPU @ 3.0GHz", "cores": 16, "threads": 8,
                                     "runtime_version": {"ort": "1.32.0", "openvino": "2026.4.1"}.get(runtime, "2.14.1"),
                                     "peak_memory_mib": 200 + i % 50, "timestamp": "2026-11-30T10:00:00+00:00",
                                     "samples_file": samples_path(build_dir, "x86", runtime).name, **stats}
            if runtime != "torch-eager":
                state.benchmarks[key]["check"] = {"ok": kind != 2, "outputs": [
                    {"max_abs_error": 1e-6 if kind != 2 else 0.5, "max_rel_error": 1e-5 if kind != 2 else 0.9}]}
        if kind == 1:
            state.status, state.failed_stage = "built", None
        state.save(build_dir)
    return cache.root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--builds", type=int, default=2000)
    parser.add_argument("--runtimes", nargs="+", default=["ort", "torch-eager", "openvino"])
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    print(make_cache(args.out, args.builds, args.runtimes, samples=args.samples))


if __name__ == "__main__":
    main()
