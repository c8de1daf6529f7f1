"""benchit's own time per model: where a cold `benchit script.py` spends the time that is
neither the script itself, nor the build stages, nor the measurement.

    .venv/bin/python bench/overhead.py [--script models/timm/resnet18.py] [--rounds 3]

Each round runs `python SCRIPT` and a cold `benchit SCRIPT --iterations 20 --min-time 1` (new
cache), interleaved, then reads the build state: stage durations, and per runtime the parent's
wall time of the benchmark (`wall_s`), the load time, first inference, warm-up and timed loop.
benchit's own time = benchit wall - script alone - stages - (load + first + warm-up + timed);
the child's start-up (`wall_s` minus what it measured) is shown apart. Medians of the rounds.
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

import yaml

REPO = Path(__file__).resolve().parents[1]


def timed(command: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--script", default="models/timm/resnet18.py")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    rows: list[dict[str, float]] = []
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="mlagility-overhead-") as cache:
            script_s = timed([sys.executable, args.script], env)
            wall = timed([sys.executable, "-m", "mlagility.cli.main", args.script, "-d", cache,
                          "--iterations", "20", "--min-time", "1"], env)
            [state_file] = Path(cache).glob("*/mlagility_build.yaml")
            state = yaml.safe_load(state_file.read_text())
        stages = sum(stage["duration_s"] for stage in state["stages"].values())
        bench = state["benchmarks"]["x86/ort"]
        measured = (bench["load_time_s"] or 0) + bench["first_inference_ms"] / 1e3 + bench["warmup_s"] + bench["timed_s"]
        row = {"benchit wall": wall, "script alone": script_s, "stages": stages,
               "export": state["stages"]["export"]["duration_s"], "measured (load+first+warm-up+timed)": measured,
               "child start-up and exit": bench["wall_s"] - measured}
        row["benchit's own"] = wall - script_s - stages - measured
        row["own, without the child"] = row["benchit's own"] - row["child start-up and exit"]
        rows.append(row)
        print({k: round(v, 2) for k, v in row.items()}, flush=True)
    print(f"\nmedian of {args.rounds} rounds, {args.script}:")
    for key in rows[0]:
        print(f"  {key:40s} {statistics.median(r[key] for r in rows):7.2f} s")


if __name__ == "__main__":
    main()
