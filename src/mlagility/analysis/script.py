"""Run a user's script exactly as ``python script.py`` would."""

from __future__ import annotations

import contextlib
import os
import runpy
import sys
from pathlib import Path


@contextlib.contextmanager
def script_environment(script: str | os.PathLike, args: list[str]):
    """``sys.argv`` and ``sys.path[0]`` as the interpreter sets them; restored in ``finally``."""
    path = Path(script).resolve()
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    sys.argv = [str(script), *args]
    sys.path.insert(0, str(path.parent))
    try:
        yield path
    finally:
        sys.argv[:] = saved_argv
        sys.path[:] = saved_path


def run_script(script: str | os.PathLike, args: list[str] | None = None) -> None:
    """Run ``script`` as ``__main__``. ``sys.exit(0)``/``sys.exit()`` count as success.

    Any other exception propagates to the caller (``SystemExit`` with a non-zero code included).
    """
    with script_environment(script, args or []) as path:
        try:
            runpy.run_path(str(path), run_name="__main__")
        except SystemExit as exit_:
            if exit_.code not in (None, 0):
                raise
