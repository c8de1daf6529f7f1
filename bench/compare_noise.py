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
    parser.add_argument("--reuse", action="store_true", help="only compare the caches already in --keep DIR")
    args = parser.parse_args()

    from mlagility.api.report import compare

    root = Path(args.keep or tempfile.mkdtemp(prefix="mlagility-noise-"))
    root.mkdir(parents=True, exist_ok=True)
    script = root / "mlps.py"
    script.write_text(SCRIPT)
    caches = {name: root / name for name in ("baseline", "rerun", "slow")}
    if not args.reuse:
        run("baseline", script, caches["baseline"], args, 10)
        run("rerun", script, caches["rerun"], args, 10)
        run("slow", script, caches["slow"], args, 13)

    print(f"\nruntimes {' '.join(args.runtime)}, --iterations {args.iterations} --min-time {args.min_time}")
    from mlagility.sweep.compare import FASTER, SLOWER

    def describe(result) -> str:
        o = result.overall
        return (f"run-to-run noise {result.noise_sigma:.3f} (log sd), band {result.noise_band:.3f}; overall median ratio {o['median_ratio']:.3f} "
                f"[{o['ci_low']:.3f}, {o['ci_high']:.3f}]: {o['verdict']}")

    same = compare(caches["baseline"], caches["rerun"], threshold=0.05)
    ratios = sorted(p.ratio for p in same.pairs if p.ratio is not None)
    print(f"baseline vs rerun: {len(ratios)} pairs; ratio of medians from {ratios[0]:.3f} to {ratios[-1]:.3f}; "
          f"{sum(abs(r - 1) <= 0.05 for r in ratios)} within 5%; {describe(same)}")
    raw = [p for p in same.pairs if p.bootstrap_low is not None and (p.bootstrap_low > 1.05 or p.bootstrap_high < 1 / 1.05)]
    print(f"  bootstrap interval alone (no run-to-run noise), threshold 5%: {len(raw)}/{len(same.pairs)} would be flagged")
    for threshold in (0.0, 0.05, 0.10, 0.20):
        result = compare(caches["baseline"], caches["rerun"], threshold=threshold)
        flagged = [p for p in result.pairs if p.verdict in (FASTER, SLOWER)]
        print(f"  threshold {threshold:4.0%}: {len(flagged)}/{len(result.pairs)} flagged "
              f"(false-positive rate {len(flagged) / max(1, len(result.pairs)):.1%}); overall: {result.overall['verdict']}"
              + (" [" + ", ".join(f"{p.runtime} {p.ratio:.2f}" for p in flagged[:9]) + "]" if flagged else ""))
    slow = compare(caches["baseline"], caches["slow"], threshold=0.05)
    flagged = [p for p in slow.pairs if p.verdict == SLOWER]
    ratios = sorted(p.ratio for p in slow.pairs if p.ratio is not None)
    print(f"baseline vs planted 1.3x slowdown (threshold 5%): {len(flagged)}/{len(slow.pairs)} pairs flagged slower, "
          f"{sum(p.verdict == FASTER for p in slow.pairs)} faster; measured ratios {ratios[0]:.3f} to {ratios[-1]:.3f} "
          f"(median {ratios[len(ratios) // 2]:.3f}); {describe(slow)}; --fail-on-regression exit code "
          f"{1 if slow.failed else 0}")
    print(f"caches kept in {root}" if args.keep else f"caches in {root} (temporary)")


if __name__ == "__main__":
    main()
