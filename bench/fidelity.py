"""Fidelity: the median latency benchit reports for an ONNX file vs a plain ONNX Runtime loop.

Two models, exported once: a ResNet-50-sized CNN (torchvision resnet50) and a BERT-base-sized
encoder (12 layers, hidden 768, 12 heads, sequence 128, built from torch.nn). For each round,
`benchit model.onnx` (its own child process) and a plain loop (another child process, same
session options, same number of iterations) run one after the other, never at once, in
alternating order. Printed:
each side's median and the median of the per-round ratios benchit/plain (target 0.95..1.05).

    .venv/bin/python bench/fidelity.py [--rounds 5] [--iterations 50]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

PLAIN_LOOP = '''
import sys, time
import numpy as np
import onnxruntime as ort
import psutil

path, iterations = sys.argv[1], int(sys.argv[2])
options = ort.SessionOptions()
options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
options.intra_op_num_threads = psutil.cpu_count(logical=False)
options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
rng = np.random.default_rng(0)
feeds = {}
for value in session.get_inputs():
    if "int" in value.type:
        feeds[value.name] = rng.integers(0, 100, size=value.shape).astype(np.int64)
    else:
        feeds[value.name] = rng.standard_normal(size=value.shape).astype(np.float32)
for _ in range(10):
    session.run(None, feeds)
times = []
for _ in range(iterations):
    start = time.perf_counter()
    session.run(None, feeds)
    times.append((time.perf_counter() - start) * 1e3)
print(float(np.median(times)))
'''


def export_models(folder: Path) -> dict[str, Path]:
    import torch
    import torchvision

    torch.manual_seed(0)
    resnet = torchvision.models.resnet50(weights=None).eval()
    layer = torch.nn.TransformerEncoderLayer(768, 12, 3072, batch_first=True, dropout=0.0)

    class Bert(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(30522, 768)
            self.encoder = torch.nn.TransformerEncoder(layer, 12, enable_nested_tensor=False)

        def forward(self, input_ids):
            return self.encoder(self.embed(input_ids))

    models = {
        "resnet50": (resnet, (torch.rand(1, 3, 224, 224),)),
        "bert_base": (Bert().eval(), (torch.randint(0, 30522, (1, 128)),)),
    }
    paths = {}
    for name, (model, args) in models.items():
        paths[name] = folder / f"{name}.onnx"
        with torch.no_grad():
            torch.onnx.export(model, args, str(paths[name]), dynamo=True, external_data=False)
    return paths


def benchit_median(path: Path, cache: Path, iterations: int) -> float:
    benchit = str(Path(sys.executable).with_name("benchit"))
    subprocess.run(
        [benchit, str(path), "-d", str(cache), "--iterations", str(iterations), "--min-time", "0"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    (state_file,) = cache.glob(f"{path.stem}_*/mlagility_build.yaml")
    return yaml.safe_load(state_file.read_text())["benchmarks"]["x86/ort"]["median_ms"]


def plain_median(path: Path, iterations: int) -> float:
    out = subprocess.run([sys.executable, "-c", PLAIN_LOOP, str(path), str(iterations)],
                         check=True, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, path in export_models(folder).items():
            ours, plain, ratios = [], [], []
            for round_ in range(args.rounds):  # alternate which side goes first
                if round_ % 2:
                    p = plain_median(path, args.iterations)
                    b = benchit_median(path, folder / "cache", args.iterations)
                else:
                    b = benchit_median(path, folder / "cache", args.iterations)
                    p = plain_median(path, args.iterations)
                ours.append(b), plain.append(p), ratios.append(b / p)
                print(f"  {name} round {round_ + 1}: benchit {b:.2f} ms  plain {p:.2f} ms  ratio {b / p:.3f}",
                      flush=True)
            print(f"{name:10s} benchit median {statistics.median(ours):8.2f} ms   plain ORT loop "
                  f"{statistics.median(plain):8.2f} ms   ratio {statistics.median(ratios):.3f} "
                  f"(median of {args.rounds} rounds; target 0.95..1.05)")


if __name__ == "__main__":
    main()
