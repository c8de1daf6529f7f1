"""Send everything a piece of work prints (Python and C level) and warns into a log file."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings

from mlagility.common.filesystem import open_for_writing


@contextlib.contextmanager
def capture_output(log_path: str | os.PathLike, mode: str = "a"):
    """Redirect fds 1/2, ``sys.stdout``/``sys.stderr``, warnings and logging to ``log_path``.

    ``mode``: ``"a"`` appends, ``"w"`` starts the log anew; never through a symlink.

    Everything is restored in ``finally``, also when the body raises.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    log = open_for_writing(log_path, mode)  # never through a planted link
    saved_fds = {fd: os.dup(fd) for fd in (1, 2)}
    saved_streams = (sys.stdout, sys.stderr)
    handler = logging.StreamHandler(log)
    root = logging.getLogger()
    try:
        for fd in (1, 2):
            os.dup2(log.fileno(), fd)
        sys.stdout = sys.stderr = log
        root.addHandler(handler)
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = lambda msg, cat, fn, ln, file=None, line=None: log.write(
                warnings.formatwarning(msg, cat, fn, ln, line)
            )
            yield log
    finally:
        root.removeHandler(handler)
        with contextlib.suppress(Exception):
            log.flush()
        sys.stdout, sys.stderr = saved_streams
        for fd, saved in saved_fds.items():
            os.dup2(saved, fd)
            os.close(saved)
        with contextlib.suppress(OSError):  # a full disk must not hide the body's own error
            log.close()
