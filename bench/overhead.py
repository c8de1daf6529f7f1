"""benchit's own time per model: where a cold `benchit script.py` spends the time that is
neither the script itself, nor the build stages, nor the measurement.

    .venv/bin/python bench/overhead.py [--script models/timm/resnet18.py] [--rounds 5]

Subtracting `python SCRIPT`'s wall time from benchit's drowns a fraction of a second in the
noise of two 6-15 s runs on a shared machine. So each of benchit's own parts is timed directly
(one `time.monotonic()` clock, shared by the processes), in a cold `benchit SCRIPT --iterations 20
--min-time 1` (new cache), with benchit's functions wrapped by this bench, not changed:

* start-up: launch to `main()` (Python and benchit's imports), minus the same for the script
  alone (launch to its first line);
* around the script: in `main()` but outside `run_script` (arguments, reports, the tree; an
  import of torch there, before the script's own, would count: benchit did that until it
  installed torch discovery on the script's import);
* per model: `build_and_benchmark` minus the build stages (the build state's `duration_s`) and
  minus what the harness measured (load, first inference, warm-up, timed loop): state files,
  locks, snapshots, the benchmark child's start-up and exit, the check;
* exit: end of `main()` to the process's end, minus the same for the script alone (end of the
  script to the process's end).

Not counted: the discovery hooks' cost inside the script (`bench/discovery_overhead.py` measures
it). Interleaved rounds; medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]

# the script alone: marks its first line and its end
SCRIPT_ALONE = """
import json, os, runpy, sys, time
marks = {"start": time.monotonic()}
script = sys.argv[1]
sys.argv = [script]
sys.path[0] = os.path.dirname(os.path.abspath(script))
runpy.run_path(script, run_name="__main__")
marks["end"] = time.monotonic()
with open(os.environ["OVERHEAD_MARKS"], "w") as handle:
    json.dump(marks, handle)
"""

# benchit, its functions wrapped to mark when the script and each model's build run
BENCHIT = """
import json, os, sys, time
marks = {"start": time.monotonic(), "builds": []}
from mlagility.api import pipeline
from mlagility.analysis import script as analysis_script

def wrapped(function, key):
    def timed(*args, **kwargs):
        start = time.monotonic()
        try:
            return function(*args, **kwargs)
        finally:
            span = [start, time.monotonic()]
            marks["builds"].append(span) if key == "builds" else marks.__setitem__(key, span)
    return timed

pipeline.build_and_benchmark = wrapped(pipeline.build_and_benchmark, "builds")
analysis_script.run_script = wrapped(analysis_script.run_script, "script")
from mlagility.cli.main import main
marks["main"] = time.monotonic()
code = main(sys.argv[1:])
marks["main_end"] = time.monotonic()
with open(os.environ["OVERHEAD_MARKS"], "w") as handle:
    json.dump(marks, handle)
sys.exit(code)
"""


def run(command: list[str], env: dict) -> tuple[float, float, dict]:
    """(launch, process end) on the monotonic clock, and the marks the process wrote."""
    with tempfile.NamedTemporaryFile(suffix=".json") as marks:
        env = {**env, "OVERHEAD_MARKS": marks.name}
        launch = time.monotonic()
        subprocess.run(command, check=True, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        end = time.monotonic()
        return launch, end, json.loads(Path(marks.name).read_text())


def one_round(script: str, env: dict) -> dict[str, float]:
    launch, end, alone = run([sys.executable, "-c", SCRIPT_ALONE, script], env)
    script_s, script_start_s, script_exit_s = end - launch, alone["start"] - launch, end - alone["end"]
    with tempfile.TemporaryDirectory(prefix="mlagility-overhead-") as cache:
        launch, end, marks = run([sys.executable, "-c", BENCHIT, script, "-d", cache,
                                  "--iterations", "20", "--min-time", "1"], env)
        [state_file] = Path(cache).glob("*/mlagility_build.yaml")
        state = yaml.safe_load(state_file.read_text())
    stages = sum(stage["duration_s"] for stage in state["stages"].values())
    bench = state["benchmarks"]["x86/ort"]
    measured = (bench["load_time_s"] or 0) + bench["first_inference_ms"] / 1e3 + bench["warmup_s"] + bench["timed_s"]
    builds = sum(b - a for a, b in marks["builds"])
    script_span = marks["script"][1] - marks["script"][0]
    row = {
        "benchit wall": end - launch,
        "script alone (python)": script_s,
        "build stages": stages,
        "measured by the harness": measured,
        "start-up (beyond Python's)": (marks["main"] - launch) - script_start_s,
        "around the script (in main)": (marks["main_end"] - marks["main"]) - script_span,
        "per model: build_and_benchmark - stages - measured": builds - stages - measured,
        "  of which the benchmark child's start-up and exit": bench["wall_s"] - measured,
        "exit (beyond the script's)": (end - marks["main_end"]) - script_exit_s,
    }
    row["benchit's own"] = (row["start-up (beyond Python's)"] + row["around the script (in main)"]
                            + row["per model: build_and_benchmark - stages - measured"]
                            + row["exit (beyond the script's)"])
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--script", default="models/timm/resnet18.py")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    rows = []
    for _ in range(args.rounds):
        rows.append(one_round(args.script, env))
        print({k: round(v, 3) for k, v in rows[-1].items()}, flush=True)
    print(f"\nmedian of {args.rounds} rounds, {args.script}:")
    for key in rows[0]:
        print(f"  {key:52s} {statistics.median(r[key] for r in rows):7.2f} s")


if __name__ == "__main__":
    main()
