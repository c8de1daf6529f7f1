"""``--workers N``: scripts discover and build in parallel, benchmarks never overlap (checked from
the recorded windows), and the number of workers is recorded with each result."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pytest

from conftest import TINY_MODEL, run_benchit  # noqa: E402
from mlagility.machine import locks  # noqa: E402

FAST = ["--runtime", "torch-eager", "ort", "--iterations", "5", "--min-time", "0", "--max-time", "5"]


@pytest.mark.slow
def test_workers_build_in_parallel_and_benchmark_alone(tmp_path):
    folder = tmp_path / "scripts"
    folder.mkdir()
    for i in range(4):  # each script holds the shared lock a few seconds (its own work)
        (folder / f"w{i}.py").write_text(TINY_MODEL + f"\nimport time\ntime.sleep(3)\nTiny({8 + i})(torch.rand(1, {8 + i}))\n")
    cache = tmp_path / "cache"
    result = run_benchit(*sorted(folder.glob("*.py")), "-d", cache, *FAST, "--workers", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 run, 0 skipped" in result.stdout and result.stdout.count("Successfully benchmarked") == 8
    windows = locks.read_windows(cache)
    assert len(windows) == 8 and {w["workers"] for w in windows} == {2}
    assert locks.overlaps(windows) == []  # no two timed benchmarks at once
    holds = locks.read_windows(cache, locks.BUILDS_FILE)
    assert len(holds) == 4 and locks.overlaps(holds)  # but scripts ran (discovered, built) side by side
    report = run_benchit("cache", "report", "-d", cache, "-r", tmp_path / "report")
    assert report.returncode == 0
    import pandas as pd

    frame = pd.read_csv(next((tmp_path / "report").glob("*.csv")))
    assert len(frame) == 8 and set(frame["workers"]) == {2} and frame["load_average"].notna().all()


def test_workers_validation(tmp_path):
    script = tmp_path / "s.py"
    script.write_text("print(1)\n")
    bad = run_benchit(script, "--workers", "0")
    assert bad.returncode == 2 and "--workers must be at least 1" in bad.stderr
    both = run_benchit(script, "--workers", "2", "--use-slurm")
    assert both.returncode == 2 and "exclude each other" in both.stderr
    detach = run_benchit(script, "--detach")
    assert detach.returncode == 2 and "--detach needs --use-slurm" in detach.stderr
