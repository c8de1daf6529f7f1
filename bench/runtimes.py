"""The x86 runtimes side by side: median latency of each, and its ratio to torch-eager.

Two models: a ResNet-sized CNN (torchvision resnet18, 1x3x224x224) and a BERT-base-sized encoder
(12 layers, hidden 768, 12 heads, sequence 128, built from torch.nn as in bench/fidelity.py).
Each model is built once (``benchmark_model(..., build_only=True)``), then benchmarked on each
available x86 runtime in turn (ort, torch-eager, torch-compiled, openvino), one at a time, with
the same settings, in ``--rounds`` interleaved rounds (default 3). Printed per model and runtime,
from its median round: median latency, ratio to torch-eager's median
(below 1 = faster than eager), load time (session creation / model compile; for
torch-compiled, the torch.compile time) and the outputs' check against torch-eager.

    nice -n 10 .venv/bin/python bench/runtimes.py [--iterations 30] [--min-time 1] [--max-time 30]
"""

from __future__ import annotations

import argparse
import tempfile

RUNTIMES = ("ort", "torch-eager", "torch-compiled", "openvino")


def models() -> dict:
    import torch
    import torchvision

    torch.manual_seed(0)
    resnet = torchvision.models.resnet18(weights=None)
    layer = torch.nn.TransformerEncoderLayer(768, 12, 3072, batch_first=True, dropout=0.0)

    class Bert(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(30522, 768)
            self.encoder = torch.nn.TransformerEncoder(layer, 12, enable_nested_tensor=False)

        def forward(self, input_ids):
            return self.encoder(self.embed(input_ids))

    return {
        "resnet18": (resnet, (torch.rand(1, 3, 224, 224),)),
        "bert_base": (Bert(), (torch.randint(0, 30522, (1, 128)),)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--min-time", type=float, default=1.0)
    parser.add_argument("--max-time", type=float, default=30.0)
    parser.add_argument("--rounds", type=int, default=3, help="each runtime once per round; medians of rounds")
    args = parser.parse_args()

    import torch

    from mlagility import benchmark_model
    from mlagility.common.exceptions import MLAgilityError
    from mlagility.runtimes.registry import load_registry

    registry = load_registry()
    available = []
    for name in RUNTIMES:
        runtime = registry.runtimes.get(("x86", name))
        reason = "not registered" if runtime is None else runtime.unavailable_reason()
        if reason:
            print(f"skipping {name}: {reason}")
        else:
            available.append(name)
    settings = dict(iterations=args.iterations, min_time=args.min_time, max_time=args.max_time)
    print(f"settings {settings}, torch threads {torch.get_num_threads()}")
    results: dict[str, dict[str, object]] = {}  # model -> runtime -> MeasuredPerformance or error
    with tempfile.TemporaryDirectory(prefix="mlagility-bench-") as cache:
        for model_name, (model, inputs) in models().items():
            benchmark_model(model, inputs, build_name=model_name, cache_dir=cache, build_only=True)
            results[model_name], rounds = {}, {name: [] for name in available}
            for round_ in range(args.rounds):  # runtimes interleaved: a slow spell hits them all
                for name in available:
                    try:
                        perf = benchmark_model(model, inputs, build_name=model_name, cache_dir=cache,
                                               runtime=name, **settings)
                    except MLAgilityError as error:
                        perf = error
                    rounds[name].append(perf)
                    print(f"round {round_ + 1} {model_name} {name}: {getattr(perf, 'median_latency', perf)}",
                          flush=True)
            for name, perfs in rounds.items():  # the round with the median latency represents it
                timed = sorted((p for p in perfs if not isinstance(p, Exception)), key=lambda p: p.median_latency)
                results[model_name][name] = timed[len(timed) // 2] if timed else perfs[-1]
    print()
    print(f"{'model':10s} {'runtime':15s} {'median ms':>10s} {'vs eager':>9s} {'load s':>8s} {'iters':>6s}  check")
    for model_name, by_runtime in results.items():
        eager = getattr(by_runtime.get("torch-eager"), "median_latency", None)
        for name, perf in by_runtime.items():
            if isinstance(perf, Exception):
                print(f"{model_name:10s} {name:15s} failed: {perf}")
                continue
            ratio = f"{perf.median_latency / eager:9.2f}" if eager else f"{'-':>9s}"
            load = f"{perf.load_time:8.2f}" if perf.load_time is not None else f"{'-':>8s}"
            check = perf.check or {}
            worst = max((o.get("max_abs_error", float("inf")) for o in check.get("outputs", [])), default=None)
            verdict = "-" if not check else f"{'ok' if check['ok'] else 'MISMATCH'} (max abs err {worst:.1e})"
            print(f"{model_name:10s} {name:15s} {perf.median_latency:10.2f} {ratio} {load} "
                  f"{perf.timed_iterations:6d}  {verdict}")


if __name__ == "__main__":
    main()
