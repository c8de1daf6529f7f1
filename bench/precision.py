"""fp32 vs --precision fp16 vs --quantize int8 on ONNX Runtime CPU: median latency and output error.

The same two models as bench/runtimes.py (resnet18, a BERT-base-sized encoder). Each variant is
its own build (``_fp16``/``_int8`` build names), benchmarked on ``ort`` one after the other with the
same settings. Printed: median latency, its ratio to fp32 (below 1 = faster) and the largest
absolute difference from PyTorch eager's fp32 outputs, with the check verdict for that precision.

    .venv/bin/python bench/precision.py [--iterations 30] [--min-time 1] [--max-time 30]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

VARIANTS = {"fp32": {}, "fp16": {"precision": "fp16"}, "int8": {"quantize": "int8"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--min-time", type=float, default=1.0)
    parser.add_argument("--max-time", type=float, default=30.0)
    args = parser.parse_args()

    from runtimes import models

    from mlagility import benchmark_model

    settings = dict(iterations=args.iterations, min_time=args.min_time, max_time=args.max_time)
    print(f"{'model':10s} {'variant':8s} {'median ms':>10s} {'vs fp32':>8s}  check")
    with tempfile.TemporaryDirectory(prefix="mlagility-bench-") as cache:
        for model_name, (model, inputs) in models().items():
            fp32 = None
            for variant, options in VARIANTS.items():
                perf = benchmark_model(model, inputs, cache_dir=cache, **options, **settings)
                fp32 = fp32 or perf.median_latency
                check = perf.check or {}
                worst = max((o.get("max_abs_error", float("inf")) for o in check.get("outputs", [])), default=None)
                verdict = "-" if not check else (
                    f"{'ok' if check['ok'] else 'MISMATCH'} (max abs err {worst:.1e}, tolerance {check['tolerance']})"
                )
                print(f"{model_name:10s} {variant:8s} {perf.median_latency:10.2f} {perf.median_latency / fp32:8.2f}"
                      f"  {verdict}", flush=True)


if __name__ == "__main__":
    main()
