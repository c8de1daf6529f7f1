"""Is ``benchit compare`` honest about noise? (docs/performance.md, "Comparing two runs")

One script calls 32 small MLPs (distinct shapes, so 32 builds). It is benchmarked three times,
each run into its own cache, back to back:

* ``baseline`` and ``rerun``: the same code. Every pair that compare calls "faster" or "slower"
  is a false positive; the false-positive rate is reported at several thresholds.
* ``slow``: the planted 1.3x slowdown. Each model repeats its block ``MLAGILITY_BENCH_WORK``
  times (read when the model runs; default 10): the slow run sets 13, i.e. 1.3x the work, with
  the same architecture, weights and inputs (so the same build identity). Every pair should be
  flagged "slower".

    python bench/compare_noise.py [--runtime ort torch-eager] [--iterations 100] [--min-time 0.5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

SCRIPT = textwrap.dedent('''
    # labels: author::mlagility task::bench
    import os

    import torch

    torch.manual_seed(0)


    class Block(torch.nn.Module):
        def __init__(self, width):
            super().__init__()
            self.fc = torch.nn.Linear(width, width)

        def forward(self, x):
            return torch.tanh(self.fc(x))


    class Repeated(torch.nn.Module):
        """One block applied WORK times (WORK read when the model runs)."""

        def __init__(self, width, batch):
            super().__init__()
            self.block = Block(width)
            self.width, self.batch = width, batch

        def forward(self, x):
            for _ in range(int(os.environ.get("MLAGILITY_BENCH_WORK", "10"))):
                x = self.block(x)
            return x


    for width in (64, 96, 128, 160, 192, 224, 256, 320):
        for batch in (1, 4, 16, 32):
            Repeated(width, batch)(torch.rand(batch, width))
''')


def run(label: str, script: Path, cache: Path, args, work: int) -> float:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "MLAGILITY_BENCH_WORK": str(work)}
    command = [sys.executable, "-m", "mlagility.cli.main", str(script), "-d", str(cache), "--runtime", *args.runtime,
               "--iterations", str(args.iterations), "--min-time", str(args.min_time), "--no-check"]
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{label} run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    seconds = time.perf_counter() - start
    print(f"{label}: {seconds:.0f} s (MLAGILITY_BENCH_WORK={work})", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runtime", nargs="+", default=["ort", "torch-eager"])
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--min-time", type=float, default=0.5)
    parser.add_argument("--keep", metavar="DIR", help="keep the three caches here")
    args = parser.parse_args()

    from mlagility.api.report import compare

    root = Path(args.keep or tempfile.mkdtemp(prefix="mlagility-noise-"))
    root.mkdir(parents=True, exist_ok=True)
    script = root / "mlps.py"
    script.write_text(SCRIPT)
    caches = {name: root / name for name in ("baseline", "rerun", "slow")}
    run("baseline", script, caches["baseline"], args, 10)
    run("rerun", script, caches["rerun"], args, 10)
    run("slow", script, caches["slow"], args, 13)

    print(f"\nruntimes {' '.join(args.runtime)}, --iterations {args.iterations} --min-time {args.min_time}")
    same = compare(caches["baseline"], caches["rerun"], threshold=0.05)
    pairs = [p for p in same.pairs if p.ratio is not None and p.ci_low is not None]
    ratios = sorted(p.ratio for p in pairs)
    print(f"baseline vs rerun: {len(pairs)} pairs; ratio of medians from {ratios[0]:.3f} to {ratios[-1]:.3f}")
    from mlagility.sweep.compare import FASTER, SLOWER

    for threshold in (0.0, 0.02, 0.05, 0.10):
        result = compare(caches["baseline"], caches["rerun"], threshold=threshold)
        flagged = [p for p in result.pairs if p.verdict in (FASTER, SLOWER)]
        print(f"  threshold {threshold:4.0%}: {len(flagged)}/{len(result.pairs)} flagged "
              f"(false-positive rate {len(flagged) / max(1, len(result.pairs)):.1%})"
              + (": " + ", ".join(f"{p.name}/{p.runtime} {p.ratio:.3f}" for p in flagged[:6]) if flagged else ""))
    slow = compare(caches["baseline"], caches["slow"], threshold=0.05)
    flagged = [p for p in slow.pairs if p.verdict == SLOWER]
    ratios = sorted(p.ratio for p in slow.pairs if p.ratio is not None)
    print(f"baseline vs planted 1.3x slowdown (threshold 5%): {len(flagged)}/{len(slow.pairs)} flagged slower; "
          f"measured ratios {ratios[0]:.3f} to {ratios[-1]:.3f} (median {ratios[len(ratios) // 2]:.3f})")
    missed = [p for p in slow.pairs if p.verdict != SLOWER]
    for pair in missed[:10]:
        print(f"  missed: {pair.name}/{pair.runtime} ratio {pair.ratio:.3f} CI [{pair.ci_low:.3f}, {pair.ci_high:.3f}]")
    print(f"caches kept in {root}" if args.keep else f"caches in {root} (temporary)")


if __name__ == "__main__":
    main()
