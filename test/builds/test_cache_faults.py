"""Faults of the machine: a read-only cache, a full filesystem, links planted in a cache.

Real filesystems: a small tmpfs (remounted read-only, or filled up), since root ignores mode bits.
"""

from __future__ import annotations

import subprocess
import uuid

import pytest
import yaml

from conftest import FAST, TINY_MODEL, run_benchit
from mlagility.builds.cache import Cache

SCRIPT = TINY_MODEL + "\nmodel = Tiny()\nmodel(torch.rand(1, 8))\n"


@pytest.fixture
def small_fs(tmp_path):
    """A 4 MiB tmpfs, unmounted after the test; skipped where mounting is not allowed."""
    mountpoint = tmp_path / f"fs_{uuid.uuid4().hex[:6]}"
    mountpoint.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4M", "tmpfs", str(mountpoint)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def fill(folder) -> None:
    subprocess.run(["dd", "if=/dev/zero", f"of={folder / 'filler'}", "bs=64k"], capture_output=True)


def assert_one_clear_line(result, path, words):
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "Traceback" not in out
    assert "Summary" in result.stdout
    flat = " ".join(out.split())  # the status tree wraps long lines
    assert f"cannot write {path}" in flat and words in flat, out


@pytest.mark.parametrize("isolation", [[], ["--process-isolation"]], ids=["in_process", "isolated"])
def test_fault_read_only_cache_fails_each_script_with_one_line_and_a_summary(small_fs, write_script, isolation):
    script = write_script("tiny.py", SCRIPT)
    cache = small_fs / "cache"
    Cache(cache).ensure()
    (cache / "_logs").mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    result = run_benchit(script, "-d", cache, *FAST, *isolation)
    assert_one_clear_line(result, cache, "Read-only file system; make it writable or pass a writable -d/--cache-dir")


@pytest.mark.slow
@pytest.mark.parametrize("isolation", [[], ["--process-isolation"]], ids=["in_process", "isolated"])
def test_fault_full_filesystem_fails_with_one_line_and_leaves_nothing_looking_valid(small_fs, write_script, isolation):
    script = write_script("tiny.py", SCRIPT)
    cache = small_fs / "cache"
    Cache(cache).ensure()
    fill(small_fs)
    result = run_benchit(script, "-d", cache, *FAST, *isolation)
    assert_one_clear_line(result, cache, "No space left on device; free some space")
    assert not [p for p in cache.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".write_test")]
    for state_file in cache.glob("*/mlagility_build.yaml"):
        assert yaml.safe_load(state_file.read_text())["status"] != "built"
    (small_fs / "filler").unlink()  # space again: the same command now works
    again = run_benchit(script, "-d", cache, *FAST, *isolation)
    assert again.returncode == 0, again.stdout + again.stderr


@pytest.mark.slow
def test_fault_planted_links_in_a_build_are_never_written_through(tmp_path, write_script, cache_dir):
    script = write_script("tiny.py", SCRIPT)
    first = run_benchit(script, "-d", cache_dir, *FAST)
    assert first.returncode == 0, first.stdout + first.stderr
    (build,) = [p for p in cache_dir.iterdir() if p.is_dir() and not p.name.startswith("_")]
    victims = {}
    for name in ("log_benchmark_x86_ort.txt", "log_export.txt", "outputs_x86_ort.npz", "mlagility_build.yaml.bak"):
        victim = tmp_path / f"victim_{name}"
        victim.write_text("precious")
        (build / name).unlink(missing_ok=True)
        (build / name).symlink_to(victim)
        victims[name] = victim
    second = run_benchit(script, "-d", cache_dir, "--rebuild", "always", *FAST)
    assert second.returncode == 0, second.stdout + second.stderr
    assert all(victim.read_text() == "precious" for victim in victims.values())
    assert not [p for p in build.iterdir() if p.is_symlink()]
