"""The readers-writer lock (machine/locks.py): builds share, a benchmark is alone, a waiting
benchmark goes before builds that come after it, and a process's own build hold never blocks its
benchmark. Ordering is checked with events between processes, never with timing."""

from __future__ import annotations

import multiprocessing as mp

from mlagility.machine import locks


class _Log:
    """Events appended synchronously to a file (a multiprocessing queue may reorder processes)."""

    def __init__(self, path):
        self.path = path

    def put(self, event):
        import os

        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.write(fd, (event + "\n").encode())
        os.close(fd)

    def events(self):
        return self.path.read_text().splitlines()


def _build(root, entered, release, log):
    with locks.building(root):
        log.put("build in")
        entered.set()
        release.wait(60)
        log.put("build out")


def _bench(root, entered, log):
    with locks.benchmarking(root, "bench"):
        log.put("bench in")
        entered.set()
        log.put("bench out")


def test_builds_share_and_a_waiting_benchmark_goes_first(tmp_path):
    ctx = mp.get_context("fork")
    root = tmp_path / "cache"
    root.mkdir()
    log = _Log(tmp_path / "events")
    b1_in, b2_in, b3_in, bench_in = (ctx.Event() for _ in range(4))
    release = ctx.Event()
    first = [ctx.Process(target=_build, args=(root, e, release, log)) for e in (b1_in, b2_in)]
    for p in first:
        p.start()
    assert b1_in.wait(30) and b2_in.wait(30)  # two builds at once
    bench = ctx.Process(target=_bench, args=(root, bench_in, log))
    bench.start()
    assert not bench_in.wait(1)  # blocked by the builds
    late_release = ctx.Event()
    late = ctx.Process(target=_build, args=(root, b3_in, late_release, log))
    late.start()
    assert not b3_in.wait(1)  # a new build waits behind the waiting benchmark (writer preference)
    release.set()
    assert bench_in.wait(30)
    late_release.set()
    assert b3_in.wait(30)
    for p in (*first, bench, late):
        p.join(30)
    events = log.events()
    assert len(events) == 8
    assert events.index("bench out") < events.index("build in", 2)  # the late build entered after
    (window,) = locks.read_windows(root)
    assert window["label"] == "bench" and window["end"] >= window["start"]
    assert len(locks.read_windows(root, locks.BUILDS_FILE)) == 3


def test_own_build_hold_never_blocks_own_benchmark(tmp_path):
    root = tmp_path / "cache"
    root.mkdir()
    with locks.building(root), locks.building(root):  # reentrant
        with locks.benchmarking(root, "x") as window:
            pass
        with locks.building(root):
            pass
    assert window["workers"] == 1 and not locks.overlaps(locks.read_windows(root))


def test_no_cache_no_lock(tmp_path):
    with locks.building(tmp_path / "missing"), locks.benchmarking(tmp_path / "missing") as window:
        pass
    assert "start" in window and not (tmp_path / "missing").exists()


def test_overlaps():
    assert locks.overlaps([{"start": 0, "end": 10}, {"start": 2, "end": 3}, {"start": 5, "end": 6}]) != []
    assert locks.overlaps([{"start": 0, "end": 1}, {"start": 1, "end": 2}]) == []
