"""``--workers 1`` vs ``--workers 2`` on a 12-script sample: wall time of each sweep, and the
median latency of every build in both sweeps side by side (they must agree within noise: every
timed benchmark holds the machine alone, see src/mlagility/sweep/locks.py).

    .venv/bin/python bench/workers_sweep.py [--workers 1 2] [--runtime ort]

Both sweeps run each script in its own child process (``--process-isolation``, which
``--workers N`` implies), so the only difference is how many run at once. Prints a Markdown
table for docs/performance.md.
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

REPO = Path(__file__).resolve().parents[1]
SAMPLE = [
    *sorted((REPO / "models" / "selftest").glob("*.py")),
    *(REPO / "models" / "graph_convolutions" / f"{name}.py"
      for name in ("appnp", "cheb_conv", "gat", "gcn", "gin", "graph_conv", "graphsage")),
]


def sweep(workers: int, cache: Path, runtime: str) -> tuple[float, "pandas.DataFrame", float]:  # noqa: F821
    from mlagility.sweep.locks import overlaps, read_windows
    from mlagility.sweep.report import report_frame

    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mlagility.cli.main", *map(str, SAMPLE), "-d", str(cache), "--runtime", runtime,
         "--iterations", "100", "--min-time", "1", "--process-isolation", "--workers", str(workers)],
        check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    wall = time.perf_counter() - started
    assert not overlaps(read_windows(cache)), "two benchmark windows overlapped"
    return wall, report_frame([cache]), load_before


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, nargs=2, default=[1, 2])
    parser.add_argument("--runtime", default="ort")
    args = parser.parse_args()
    frames, walls = {}, {}
    with tempfile.TemporaryDirectory(prefix="workers-bench-") as tmp:
        for workers in args.workers:
            wall, frame, load = sweep(workers, Path(tmp) / f"w{workers}", args.runtime)
            walls[workers], frames[workers] = (wall, load), frame
            print(f"--workers {workers}: {len(SAMPLE)} scripts in {wall:.1f} s (load average before: {load:.2f})",
                  file=sys.stderr)
    a, b = args.workers
    left = frames[a].set_index("build_name")
    right = frames[b].set_index("build_name")
    print("| sweep | wall time | load average before |\n|---|---|---|")
    for workers in args.workers:
        print(f"| `--workers {workers}` | {walls[workers][0]:.1f} s | {walls[workers][1]:.2f} |")
    print(f"\n| build | median ms (`--workers {a}`) | median ms (`--workers {b}`) | ratio | load avg at timing ({a} / {b}) |")
    print("|---|---|---|---|---|")
    ratios = []
    for name in sorted(set(left.index) & set(right.index)):
        m1, m2 = left.loc[name, "median_ms"], right.loc[name, "median_ms"]
        if not (m1 == m1 and m2 == m2):  # NaN: failed build
            print(f"| {name} | {left.loc[name, 'status']} | {right.loc[name, 'status']} | | |")
            continue
        ratios.append(m2 / m1)
        print(f"| {name} | {m1:.3f} | {m2:.3f} | {m2 / m1:.2f} | "
              f"{left.loc[name, 'load_average']:.2f} / {right.loc[name, 'load_average']:.2f} |")
    if ratios:
        geo = statistics.geometric_mean(ratios)
        print(f"\nGeometric mean of the ratios: {geo:.3f} over {len(ratios)} builds; "
              f"speed-up of the sweep: {walls[a][0] / walls[b][0]:.2f}x")


if __name__ == "__main__":
    main()
