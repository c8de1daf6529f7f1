"""Discovery overhead: wall time of `benchit --analyze-only script.py` / `python script.py`.

Case `calls`: the script makes a million plain-Python function calls and calls one model.
MLAgility's `sys.setprofile` discovery ran such a script 3.5x slower; our target is a ratio <= 1.10.
Case `mobilenet`: the script's own loop calls torchvision's mobilenet_v3_small (weights=None)
150 times on a 1x3x96x96 input (about 150 submodule calls per model call, where the global module
hooks fire); the loop is timed inside the script, target <= 1.10 with `--max-depth 0`.
Runs are interleaved (python, benchit, python, benchit, ...) and the median of the per-pair
ratios is printed, with the medians of each side.

    .venv/bin/python bench/discovery_overhead.py [--case calls|mobilenet|all] [--rounds 11]
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

MOBILENET_SCRIPT = '''
import time

import torch
import torchvision

torch.manual_seed(0)
model = torchvision.models.mobilenet_v3_small(weights=None).eval()
x = torch.rand(1, 3, 96, 96)
with torch.no_grad():
    model(x)
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(150):
        model(x)
print(f"loop_s={time.perf_counter() - start:.6f}")
print(f"loop_cpu_s={time.process_time() - cpu:.6f}")
'''

CASES = {"calls": (SCRIPT, []), "mobilenet": (MOBILENET_SCRIPT, ["--max-depth", "0"])}


def timed(command: list[str], env: dict | None = None) -> tuple[float, float]:
    """Wall time of the whole command, and the time of the script's own loop (it prints it: wall
    time, or with ``cpu`` the loop's CPU time, which a busy shared machine disturbs far less)."""
    start = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    key = "loop_cpu_s=" if CPU_TIME and "loop_cpu_s=" in done.stdout else "loop_s="
    loop = next(float(line.split("=")[1]) for line in done.stdout.splitlines() if line.startswith(key))
    return wall, loop


CPU_TIME = False
THREADS = 0


def run_case(name: str, rounds: int, benchit: str) -> None:
    source, flags = CASES[name]
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / f"{name}.py"
        script.write_text(source)
        env_cache = os.path.join(tmp, "cache")
        plain_cmd = [sys.executable, str(script)]
        bench_cmd = [benchit, str(script), "--analyze-only", "-d", env_cache, *flags]
        env = dict(os.environ, **({"OMP_NUM_THREADS": str(THREADS)} if THREADS else {}))
        timed(plain_cmd, env), timed(bench_cmd, env)  # warm the file cache
        plain, bench, ratios, loop_ratios = [], [], [], []
        for _ in range(rounds):
            (p, p_loop), (b, b_loop) = timed(plain_cmd, env), timed(bench_cmd, env)
            plain.append(p), bench.append(b), ratios.append(b / p), loop_ratios.append(b_loop / p_loop)
            print(f"  pair: python {p:.3f} s  benchit {b:.3f} s  ratio {b / p:.3f}"
                  f"   (the script's loop: {p_loop:.3f} s vs {b_loop:.3f} s)", flush=True)
    print(f"[{name}] python script.py            median {statistics.median(plain):.3f} s")
    print(f"[{name}] benchit --analyze-only {' '.join(flags)}  median {statistics.median(bench):.3f} s")
    print(f"[{name}] ratio (median of {rounds} interleaved pairs): {statistics.median(ratios):.3f}")
    print(f"[{name}] the script's own loop, benchit / python: {statistics.median(loop_ratios):.3f}  "
          f"(per pair {min(loop_ratios):.2f}-{max(loop_ratios):.2f}; target <= 1.10)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--case", choices=[*CASES, "all"], default="all")
    parser.add_argument("--cpu-time", action="store_true",
                        help="compare the loop's CPU time (process_time) instead of its wall time")
    parser.add_argument("--threads", type=int, default=0, help="OMP_NUM_THREADS for both sides (0: unset)")
    args = parser.parse_args()
    global CPU_TIME, THREADS
    CPU_TIME, THREADS = args.cpu_time, args.threads
    benchit = str(Path(sys.executable).with_name("benchit"))
    for name in CASES if args.case == "all" else [args.case]:
        run_case(name, args.rounds, benchit)


if __name__ == "__main__":
    main()
