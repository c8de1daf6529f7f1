"""Killing a child's whole process tree, including descendants that left its session.

``killpg`` alone misses a grandchild that called ``os.setsid()`` (or ``setpgid``). benchit makes
itself a *child subreaper* (Linux ``prctl(PR_SET_CHILD_SUBREAPER)``) while it runs isolated
scripts, so that such a process, once orphaned, becomes benchit's child instead of init's: it is
then found, killed and reaped. Descendants still attached to a live tree are found through
``psutil`` before anything is killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Make orphaned descendants of this process re-parent to it (Linux); False where unsupported."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


_ACTIVE: set[int] = set()  # children started by run_isolated, in any thread (--workers)
_ACTIVE_LOCK = threading.Lock()


@contextlib.contextmanager
def spawned(command: list[str], **popen_kwargs):
    """Start an isolated child and register it while it lives, so that another thread's
    ``kill_tree`` (``--workers``) never kills or reaps it as a leftover. Starting and
    registering happen under the same lock as ``kill_tree``'s view of our children."""
    with _ACTIVE_LOCK:
        child = subprocess.Popen(command, **popen_kwargs)
        _ACTIVE.add(child.pid)
    try:
        yield child
    finally:
        with _ACTIVE_LOCK:
            _ACTIVE.discard(child.pid)


def _leftovers(child: subprocess.Popen, ours_before: set[int]) -> set[int]:
    """Our children that are neither ``child``, nor there before it, nor another thread's live
    child (or its descendants): orphans of ``child``'s tree re-parented to us."""
    with _ACTIVE_LOCK:
        others = _ACTIVE - {child.pid}
        others |= {pid for other in others for pid in descendants(other)}
        return own_children() - ours_before - {child.pid} - others


def own_children() -> set[int]:
    import psutil

    with contextlib.suppress(psutil.Error):
        return {child.pid for child in psutil.Process().children()}
    return set()


def descendants(pid: int) -> list[int]:
    import psutil

    with contextlib.suppress(psutil.Error):
        return [process.pid for process in psutil.Process(pid).children(recursive=True)]
    return []


def kill_tree(child: subprocess.Popen, ours_before: set[int]) -> None:
    """SIGKILL ``child``, its process group, every descendant, and orphans it left to us.

    ``ours_before``: this process's children before ``child`` started (left alone). Repeated
    until nothing new appears, so that a process forking while it is being killed is caught too.
    """
    for _ in range(10):
        victims = set(descendants(child.pid))
        if child.poll() is None:
            victims.add(child.pid)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        victims |= _leftovers(child, ours_before)
        for pid in list(victims):  # orphans re-parented to us bring their own descendants
            victims.update(descendants(pid))
        for pid in victims:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        child.wait()
        _reap(victims - {child.pid})
        if not _leftovers(child, ours_before) and not descendants(child.pid):
            return


def _reap(pids: set[int]) -> None:
    """Collect the exit status of killed processes that became our children (no zombies)."""
    for pid in pids:
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, 0)
