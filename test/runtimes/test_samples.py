"""Raw samples: the .npy contract, kept by --lean-cache, written by real runtimes, read by compare."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from conftest import FAST, TINY_MODEL, run_benchit
from mlagility.builds.cache import HEAVY_SUFFIXES, clean_build
from mlagility.runtimes.samples import load_samples, samples_path, save_samples


def test_samples_path_save_and_load_round_trip(tmp_path):
    path = samples_path(tmp_path, "x86", "ort")
    assert path == tmp_path / "samples_x86_ort.npy"
    save_samples(path, [1.5, 2.25, 3.0])
    raw = np.load(path, allow_pickle=False)
    assert raw.dtype == np.float32 and raw.tolist() == [1.5, 2.25, 3.0]
    assert load_samples(path).tolist() == [1.5, 2.25, 3.0]
    assert [p.name for p in tmp_path.iterdir()] == ["samples_x86_ort.npy"]  # no temp file left


def test_load_samples_returns_none_for_missing_or_invalid_files(tmp_path):
    assert load_samples(tmp_path / "missing.npy") is None
    assert load_samples(None) is None
    (tmp_path / "garbage.npy").write_bytes(b"not numpy")
    assert load_samples(tmp_path / "garbage.npy") is None
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    assert load_samples(tmp_path / "objects.npy") is None  # never unpickled
    np.save(tmp_path / "matrix.npy", np.ones((2, 2)))
    assert load_samples(tmp_path / "matrix.npy") is None
    np.save(tmp_path / "empty.npy", np.array([], dtype=np.float32))
    assert load_samples(tmp_path / "empty.npy") is None
    np.save(tmp_path / "nan.npy", np.array([1.0, np.nan]))
    assert load_samples(tmp_path / "nan.npy") is None


def test_clean_build_keeps_samples(tmp_path):
    assert not ".npy".endswith(HEAVY_SUFFIXES)
    save_samples(samples_path(tmp_path, "x86", "ort"), [1.0, 2.0])
    (tmp_path / "model.onnx").write_bytes(b"x" * 10)
    clean_build(tmp_path)
    assert not (tmp_path / "model.onnx").exists()
    assert load_samples(samples_path(tmp_path, "x86", "ort")).tolist() == [1.0, 2.0]


@pytest.mark.slow
def test_benchmark_keeps_raw_samples_with_lean_cache_and_reports_them(write_script, cache_dir, tmp_path):
    script = write_script("tiny_samples.py", TINY_MODEL + "\nTiny()(torch.rand(1, 8))\n")
    done = run_benchit(script, "-d", cache_dir, "--runtime", "ort", "torch-eager", "--lean-cache", *FAST)
    assert done.returncode == 0, done.stdout + done.stderr
    [build_dir] = [p for p in cache_dir.iterdir() if p.is_dir() and not p.name.startswith("_")]
    state = yaml.safe_load((build_dir / "mlagility_build.yaml").read_text())
    assert state["cleaned"] and not list(build_dir.glob("*.onnx"))
    for runtime in ("ort", "torch-eager"):
        entry = state["benchmarks"][f"x86/{runtime}"]
        assert entry["samples_file"] == f"samples_x86_{runtime}.npy"
        samples = load_samples(build_dir / entry["samples_file"])
        assert samples is not None and samples.size == entry["timed_iterations"]
        assert np.median(samples) == np.float32(np.median(samples))  # float32 on disk
    report = run_benchit("cache", "report", "-d", cache_dir, "-r", tmp_path / "report")
    assert report.returncode == 0, report.stdout + report.stderr
    [json_path] = (tmp_path / "report").glob("*.json")
    rows = json.loads(json_path.read_text())
    assert {row["runtime"]: row["samples_file"] for row in rows} == {
        "ort": str(build_dir / "samples_x86_ort.npy"), "torch-eager": str(build_dir / "samples_x86_torch-eager.npy")}
    # the same run compared with itself (the report against the cache): nothing changed
    same = run_benchit("compare", json_path, cache_dir, "--fail-on-regression")
    assert same.returncode == 0, same.stdout + same.stderr
    assert "2 no significant change" in same.stdout
