"""Where in the user's code: telling library files from the user's, and finding the script's line
on a stack. Imports no framework (the Keras/scikit-learn discovery uses it without torch)."""

from __future__ import annotations

import os
import sysconfig
from typing import Callable, Iterable

OWN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIBRARY_DIRS = tuple({sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")})


def is_library_file(filename: str) -> bool:
    """Whether code in ``filename`` belongs to Python, an installed package or mlagility."""
    return (
        filename.startswith("<")
        or filename.startswith(LIBRARY_DIRS)
        or "site-packages" in filename
        or "dist-packages" in filename
        or filename.startswith(OWN_DIR)
    )


def script_line(frames: Iterable, script: str, skip: Callable[[object], bool] | None = None) -> tuple[str, int]:
    """The first frame in ``script`` (an absolute path), else the first outside any library, as
    ``(filename, line)``; ``("", 0)`` if none. ``skip(frame)`` leaves frames out."""
    fallback = None
    for frame in frames:
        if skip is not None and skip(frame):
            continue
        filename = frame.f_code.co_filename
        if os.path.abspath(filename) == script:
            return filename, frame.f_lineno
        if fallback is None and not is_library_file(filename):
            fallback = (filename, frame.f_lineno)
    return fallback or ("", 0)
