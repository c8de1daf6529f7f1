"""Builds share the machine, timed benchmarks have it to themselves: a cross-process
readers-writer lock with writer preference, on ``flock`` (released by the kernel when a process
dies, so a crash never leaves the machine locked).

Two context managers for the pipeline:

* ``building(cache_root)``: held (shared) while a script runs and while a build runs. Reentrant
  within a process.
* ``benchmarking(cache_root, label)``: held (exclusive) around the timed benchmark of one runtime.
  The shared holds of *this* process are dropped for the window and taken back after it, so a
  script that discovers, builds, then benchmarks never deadlocks on itself.

Writer preference: a benchmark first takes the *turnstile* (exclusive) and keeps it until it holds
the main lock; a new build must pass through the turnstile, so a stream of builds cannot starve a
waiting benchmark. Each benchmark window (pid, label, start/end ``time.time()``, workers, load
average) is appended to ``<cache>/_locks/<host>/windows.jsonl`` so that tests and users can check that
no two windows overlapped. ``MLAGILITY_WORKERS`` (set by ``--workers``) is recorded with it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import threading
import time
from pathlib import Path
from typing import Iterator

LOCKS_DIR = "_locks"
WINDOWS_FILE = "windows.jsonl"  # benchmark windows
BUILDS_FILE = "builds.jsonl"  # outermost shared holds (a script run, its builds)
WORKERS_ENV = "MLAGILITY_WORKERS"

_state = threading.local()  # per thread: {lock dir: [fd, depth]} of the shared holds


def lock_dir(cache_root: str | os.PathLike) -> Path | None:
    """``<cache>/_locks/<host>``, or None when there is no cache yet (nothing to build, nothing to
    lock) or it cannot be written (read-only, full: the writes that need it then fail with their
    own one-line error). One lock per machine: Slurm nodes sharing a cache never wait for each
    other."""
    root = Path(cache_root)
    if not root.is_dir():
        return None
    from mlagility.builds.cache import cache_folder
    from mlagility.common.exceptions import CacheError

    try:
        folder = cache_folder(root, LOCKS_DIR, socket.gethostname())  # marker first, no linked folder
        for name in ("turnstile.lock", "rw.lock"):
            os.close(_open(folder / name))
    except (OSError, CacheError):
        return None
    return folder


def workers() -> int:
    try:
        return max(1, int(os.environ.get(WORKERS_ENV, "1")))
    except ValueError:
        return 1


def _open(path: Path) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o666)


def _holds() -> dict:
    if not hasattr(_state, "holds"):
        _state.holds = {}
    return _state.holds


def _acquire_shared(folder: Path) -> int:
    turnstile = _open(folder / "turnstile.lock")
    try:
        fcntl.flock(turnstile, fcntl.LOCK_EX)  # waits behind a benchmark that waits
        fd = _open(folder / "rw.lock")
        fcntl.flock(fd, fcntl.LOCK_SH)
    finally:
        os.close(turnstile)  # closing releases the turnstile
    return fd


@contextlib.contextmanager
def building(cache_root: str | os.PathLike) -> Iterator[None]:
    """Shared hold: any number of builds (in any process) at once, but never during a benchmark."""
    folder = lock_dir(cache_root)
    if folder is None:
        yield
        return
    holds = _holds()
    key = str(folder)
    if key in holds:
        holds[key][1] += 1
    else:
        holds[key] = [_acquire_shared(folder), 1, time.time()]
    try:
        yield
    finally:
        hold = holds[key]
        hold[1] -= 1
        if hold[1] == 0:
            del holds[key]
            if hold[0] is not None:
                os.close(hold[0])
            _append(folder / BUILDS_FILE, {"pid": os.getpid(), "start": hold[2], "end": time.time(),
                                           "workers": workers()})


@contextlib.contextmanager
def benchmarking(cache_root: str | os.PathLike, label: str = "") -> Iterator[dict]:
    """Exclusive hold around one timed benchmark; yields the window record (filled on exit)."""
    folder = lock_dir(cache_root)
    window: dict = {"pid": os.getpid(), "node": socket.gethostname(), "label": label, "workers": workers()}
    if folder is None:
        window["start"] = time.time()
        try:
            yield window
        finally:
            window["end"] = time.time()
        return
    holds = _holds()
    key = str(folder)
    mine = holds.get(key)
    if mine is not None and mine[0] is not None:  # drop this process's shared hold for the window
        os.close(mine[0])
        mine[0] = None
    turnstile = _open(folder / "turnstile.lock")
    fd = None
    try:
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        fd = _open(folder / "rw.lock")
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.close(turnstile)
        turnstile = None
        try:
            load = os.getloadavg()[0]
        except OSError:
            load = None
        window.update(start=time.time(), load_average=load)
        try:
            yield window
        finally:
            window["end"] = time.time()
            _append(folder / WINDOWS_FILE, window)
    finally:
        if turnstile is not None:
            os.close(turnstile)
        if fd is not None:
            os.close(fd)
        if mine is not None and key in holds:
            mine[0] = _acquire_shared(folder)


@contextlib.contextmanager
def waiting_for(cache_root: str | os.PathLike, lock) -> Iterator[None]:
    """Enter ``lock`` (e.g. a build's lock) without keeping this process's shared hold while it
    waits, then hold both. A process blocked on a build lock while holding its shared hold would
    keep the build lock's owner, waiting for its exclusive benchmark window, waiting forever."""
    folder = lock_dir(cache_root)
    mine = _holds().get(str(folder)) if folder is not None else None
    if mine is None or mine[0] is None:
        with lock:
            yield
        return
    os.close(mine[0])
    mine[0] = None
    try:
        lock.__enter__()
    finally:
        mine[0] = _acquire_shared(folder)
    try:
        yield
    finally:
        lock.__exit__(None, None, None)


def _append(path: Path, record: dict) -> None:
    """Append one JSON line; best effort (a full or read-only disk loses the record, never the run)."""
    line = json.dumps(record) + "\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o666)
    except OSError:
        return
    try:
        os.write(fd, line.encode())  # one write with O_APPEND: lines never interleave
    except OSError:
        pass
    finally:
        os.close(fd)


def read_windows(cache_root: str | os.PathLike, name: str = WINDOWS_FILE) -> list[dict]:
    """Every recorded benchmark window (or, with ``BUILDS_FILE``, shared hold), oldest first."""
    lines = []
    for path in sorted((Path(cache_root) / LOCKS_DIR).glob(f"*/{name}")):  # every machine's
        try:
            lines += path.read_text().splitlines()
        except OSError:
            continue
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return sorted(records, key=lambda r: r.get("start", 0))


def overlaps(windows: list[dict]) -> list[tuple[dict, dict]]:
    """Pairs of windows (of one machine) that overlapped in time (none, when the lock works)."""
    ordered = sorted(windows, key=lambda r: r["start"])
    pairs, latest = [], None
    for window in ordered:
        if latest is not None and window["start"] < latest["end"]:
            pairs.append((latest, window))
        if latest is None or window["end"] > latest["end"]:
            latest = window
    return pairs
