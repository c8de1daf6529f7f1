"""Discovery overhead: wall time of `benchit --analyze-only script.py` / `python script.py`.

The script makes a million plain-Python function calls and calls one model. MLAgility's
`sys.setprofile` discovery ran such a script 3.5x slower; our target is a ratio <= 1.10.
Runs are interleaved (python, benchit, python, benchit, ...) and the median of the per-pair
ratios is printed, with the medians of each side.

    .venv/bin/python bench/discovery_overhead.py [--rounds 11]
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
import time

import torch


def add(a, b):
    return a + b


total = 0
start = time.perf_counter()
for i in range(1_000_000):
    total = add(total, i)
print(f"loop_s={time.perf_counter() - start:.6f}")

model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 8))
model(torch.rand(1, 64))
print(total)
'''


def timed(command: list[str]) -> tuple[float, float]:
    """Wall time of the whole command, and the time of the script's own loop (it prints it)."""
    start = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    loop = next(float(line.split("=")[1]) for line in done.stdout.splitlines() if line.startswith("loop_s="))
    return wall, loop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11)
    args = parser.parse_args()
    benchit = str(Path(sys.executable).with_name("benchit"))
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "calls.py"
        script.write_text(SCRIPT)
        env_cache = os.path.join(tmp, "cache")
        plain_cmd = [sys.executable, str(script)]
        bench_cmd = [benchit, str(script), "--analyze-only", "-d", env_cache]
        timed(plain_cmd), timed(bench_cmd)  # warm the file cache
        plain, bench, ratios, loop_ratios = [], [], [], []
        for _ in range(args.rounds):
            (p, p_loop), (b, b_loop) = timed(plain_cmd), timed(bench_cmd)
            plain.append(p), bench.append(b), ratios.append(b / p), loop_ratios.append(b_loop / p_loop)
            print(f"  pair: python {p:.3f} s  benchit {b:.3f} s  ratio {b / p:.3f}"
                  f"   (the script's loop: {p_loop:.3f} s vs {b_loop:.3f} s)", flush=True)
    print(f"python script.py            median {statistics.median(plain):.3f} s")
    print(f"benchit --analyze-only      median {statistics.median(bench):.3f} s")
    print(f"ratio (median of {args.rounds} interleaved pairs): {statistics.median(ratios):.3f}  (target <= 1.10)")
    print(f"the script's own million-call loop, benchit / python: {statistics.median(loop_ratios):.3f}")


if __name__ == "__main__":
    main()
