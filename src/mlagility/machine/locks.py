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

The locks are benchit's, never the script's: a process the script forks (a ``DataLoader`` worker,
a ``multiprocessing`` fork) would otherwise share every lock benchit holds (``flock`` locks belong
to the open file, which a fork shares, and are released only when its last copy is closed), so a
benchmark would wait for the script's workers and the script for the benchmark: a deadlock. Every
descriptor opened here is closed in a forked child (``os.register_at_fork``), and code that runs
on in such a child (a plain ``os.fork()``) leaves benchit's holds alone. (Descriptors are also
close-on-exec, Python's default, so a started program never gets them.)

Time spent waiting for a lock is time another script holds the machine, not this script's own:
``--process-isolation`` and ``--workers`` give each child a file (``WAITS_ENV``) where these
waits are recorded, and its timeout counts only the rest (``waited_s``).
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

from mlagility.builds.cache import cache_folder
from mlagility.common.exceptions import CacheError

LOCKS_DIR = "_locks"
WINDOWS_FILE = "windows.jsonl"  # benchmark windows
BUILDS_FILE = "builds.jsonl"  # outermost shared holds (a script run, its builds)
WORKERS_ENV = "MLAGILITY_WORKERS"
WAITS_ENV = "MLAGILITY_LOCK_WAITS"  # where an isolated child records its lock waits

_state = threading.local()  # per thread: {lock dir: [fd, depth]} of the shared holds
_fds: set[int] = set()  # every descriptor this process opened here and has not closed
_owner = os.getpid()  # the process whose holds these are (not a child the script forked)


def _forget_after_fork() -> None:
    """In a child the script forked: close the copies of benchit's lock descriptors (the parent's
    locks stay the parent's) and leave benchit's holds alone from now on."""
    global _owner, _state
    for fd in list(_fds):
        try:
            os.close(fd)
        except OSError:
            pass
    _fds.clear()
    _owner = os.getpid()
    _state = threading.local()
    _waits.__init__()


def _ours() -> bool:
    """False in a process that inherited the holds of the one that took them (forked)."""
    return os.getpid() == _owner


def lock_dir(cache_root: str | os.PathLike) -> Path | None:
    """``<cache>/_locks/<host>``, or None when there is no cache yet (nothing to build, nothing to
    lock) or it cannot be written (read-only, full: the writes that need it then fail with their
    own one-line error). One lock per machine: Slurm nodes sharing a cache never wait for each
    other."""
    root = Path(cache_root)
    if not root.is_dir():
        return None
    try:
        folder = cache_folder(root, LOCKS_DIR, socket.gethostname())  # marker first, no linked folder
        for name in ("turnstile.lock", "rw.lock"):
            _close(_open(folder / name))
    except (OSError, CacheError):
        return None
    return folder


def workers() -> int:
    try:
        return max(1, int(os.environ.get(WORKERS_ENV, "1")))
    except ValueError:
        return 1


def _open(path: Path) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    _fds.add(fd)
    return fd


def _close(fd: int | None) -> None:
    """Close a descriptor opened by ``_open`` (not one closed after a fork: its number may be
    another file's now)."""
    if fd is not None and fd in _fds:
        _fds.discard(fd)
        os.close(fd)


def _lock(fd: int, operation: int) -> None:
    """``flock``, the time it waits recorded as time spent waiting for the machine."""
    try:
        fcntl.flock(fd, operation | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    with _waits.waiting():
        fcntl.flock(fd, operation)


class _Waits:
    """This process's lock waits, written to the file named by ``WAITS_ENV`` (when set) for the
    parent that times it: total seconds waited, and since when it waits now (``time.monotonic``,
    one clock for every process of the machine)."""

    def __init__(self):
        self.path = None
        self.total = 0.0
        self.since = None
        self.depth = 0
        self.guard = threading.Lock()

    def _file(self) -> str | None:
        if self.path is None:  # read once, and not passed on to the script's own processes
            self.path = os.environ.pop(WAITS_ENV, "") or ""
        return self.path or None

    @contextlib.contextmanager
    def waiting(self):
        with self.guard:
            self.depth += 1
            if self.depth == 1:
                self.since = time.monotonic()
                self._write()
        try:
            yield
        finally:
            with self.guard:
                self.depth -= 1
                if self.depth == 0 and self.since is not None:
                    self.total += time.monotonic() - self.since
                    self.since = None
                    self._write()

    def _write(self) -> None:
        path = self._file()
        if path is None or not _ours():
            return
        temporary = f"{path}.{os.getpid()}.tmp"
        try:
            with open(temporary, "w") as handle:
                json.dump({"total_s": self.total, "since": self.since}, handle)
            os.replace(temporary, path)
        except OSError:  # best effort: the timeout then counts the wait too
            pass


_waits = _Waits()
os.register_at_fork(after_in_child=_forget_after_fork)


def waited_s(path: str | os.PathLike) -> float:
    """Seconds the child writing ``path`` (its ``WAITS_ENV``) has spent waiting for a lock, so
    far (0 when it has not written it)."""
    try:
        record = json.loads(Path(path).read_text())
        total = float(record.get("total_s") or 0)
        since = record.get("since")
        return total + (max(0.0, time.monotonic() - float(since)) if since is not None else 0.0)
    except (OSError, ValueError, TypeError, AttributeError):
        return 0.0


def _holds() -> dict:
    if not hasattr(_state, "holds"):
        _state.holds = {}
    return _state.holds


def _acquire_shared(folder: Path) -> int:
    turnstile = _open(folder / "turnstile.lock")
    fd = None
    try:
        _lock(turnstile, fcntl.LOCK_EX)  # waits behind a benchmark that waits
        fd = _open(folder / "rw.lock")
        _lock(fd, fcntl.LOCK_SH)
    except BaseException:
        _close(fd)
        raise
    finally:
        _close(turnstile)  # closing releases the turnstile
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
        if _ours():  # not in a forked child returning through benchit's frames
            _release(folder, holds, key)


def _release(folder: Path, holds: dict, key: str) -> None:
    hold = holds[key]
    hold[1] -= 1
    if hold[1] == 0:
        del holds[key]
        _close(hold[0])
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
        _close(mine[0])
        mine[0] = None
    turnstile = _open(folder / "turnstile.lock")
    fd = None
    try:
        _lock(turnstile, fcntl.LOCK_EX)
        fd = _open(folder / "rw.lock")
        _lock(fd, fcntl.LOCK_EX)
        _close(turnstile)
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
            if _ours():
                _append(folder / WINDOWS_FILE, window)
    finally:
        _close(turnstile)
        _close(fd)
        if mine is not None and key in holds and _ours():
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
    _close(mine[0])
    mine[0] = None
    try:
        with _waits.waiting():
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
