"""Discovery overhead: wall time of `benchit --analyze-only script.py` / `python script.py`.

The script makes a million plain-Python function calls and calls one model. MLAgility's
`sys.setprofile` discovery ran such a script 3.5x slower; our target is a ratio <= 1.10.
Runs are interleaved (python, benchit, python, benchit, ...) and the median of the per-pair
ratios is printed, with the medians of each side.

    .venv/bin/python bench/discovery_overhead.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCRIPT = '''
import torch


def add(a, b):
    return a + b


total = 0
for i in range(1_000_000):
    total = add(total, i)

model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 8))
model(torch.rand(1, 64))
print(total)
'''


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    benchit = str(Path(sys.executable).with_name("benchit"))
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "calls.py"
        script.write_text(SCRIPT)
        env_cache = os.path.join(tmp, "cache")
        plain_cmd = [sys.executable, str(script)]
        bench_cmd = [benchit, str(script), "--analyze-only", "-d", env_cache]
        timed(plain_cmd), timed(bench_cmd)  # warm the file cache
        plain, bench, ratios = [], [], []
        for _ in range(args.rounds):
            p, b = timed(plain_cmd), timed(bench_cmd)
            plain.append(p), bench.append(b), ratios.append(b / p)
    print(f"python script.py            median {statistics.median(plain):.3f} s")
    print(f"benchit --analyze-only      median {statistics.median(bench):.3f} s")
    print(f"ratio (median of {args.rounds} interleaved pairs): {statistics.median(ratios):.3f}  (target <= 1.10)")


if __name__ == "__main__":
    main()
