"""Run a user's script exactly as ``python script.py`` would."""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import io
import os
import sys
import threading
import types
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
    As ``runpy.run_path(script, run_name="__main__")`` (CPython's ``Lib/runpy.py``: the same
    module attributes, the module in ``sys.modules["__main__"]`` while it runs), except that the
    namespace is ended as ``python script.py`` ends it (``_clear``, below).
    """
    with script_environment(script, args or []) as path:
        module = types.ModuleType("__main__")
        namespace = module.__dict__
        namespace.update(__file__=str(path), __cached__=None, __loader__=None, __package__="", __spec__=None)
        with io.open_code(str(path)) as source:
            code = compile(source.read(), str(path), "exec", dont_inherit=True)
        threads_before = _exit_threads()
        saved_main, saved_register = sys.modules.get("__main__"), atexit.register
        sys.modules["__main__"] = module
        registered: list = []  # atexit handlers registered by the script's own code
        atexit.register = _noting_registrations(saved_register, namespace, registered)
        try:
            exec(code, namespace)
        except SystemExit as exit_:
            if exit_.code not in (None, 0):
                raise
        finally:
            sys.modules["__main__"], atexit.register = saved_main, saved_register
            if registered or _exit_threads() - threads_before:
                _pending.append(namespace)  # its atexit handlers or threads may still use it
            else:
                _clear(namespace)


# -- ending the script's namespace as the interpreter ends __main__ ----------------------------------
# ``python script.py`` clears ``__main__``'s namespace at exit, after the atexit handlers: its
# objects are then freed, so that a file the script left open is flushed and closed, a temporary
# folder it holds is removed. A namespace whose functions reference it (``f.__globals__``) is in a
# reference cycle that no collection at interpreter exit finalizes in time, so benchit clears it:
# when the script ends, or, if the script registered atexit handlers or left threads running
# (which may use its globals), at exit after them, in the interpreter's order: threads joined,
# then atexit handlers last-registered first (benchit's is registered before any script runs).
_pending: list[dict] = []


def _exit_threads() -> set:
    """The threads the interpreter joins at exit (non-daemon, not the main one); registers
    benchit's own atexit handler first, once."""
    if not getattr(_release_pending, "registered", False):
        atexit.register(_release_pending)
        _release_pending.registered = True
    return {t for t in threading.enumerate() if not t.daemon and t is not threading.main_thread()}


def _noting_registrations(register, namespace: dict, registered: list):
    """``atexit.register`` while the script runs: the same, noting a registration made by the
    script's own code (its frame's globals are the script's namespace), not by a library."""

    @functools.wraps(register)
    def noting(func, /, *args, **kwargs):
        if sys._getframe(1).f_globals is namespace:
            registered.append(func)
        return register(func, *args, **kwargs)

    return noting


def _release_pending() -> None:
    if not _pending:
        return
    while _pending:
        _clear(_pending.pop())
    if gc.get_freeze_count():  # benchit's quick exit froze them (cli/main.py): what the cleared
        gc.unfreeze()  # namespaces held in cycles is collected as the interpreter would
    gc.collect()


def _clear(namespace: dict) -> None:
    """As CPython's ``_PyModule_ClearDict``: names starting with one underscore first, then the
    others, set to None (``__builtins__`` kept)."""
    for first in (True, False):
        for name in list(namespace):
            single_underscore = name.startswith("_") and not name.startswith("__")
            if name != "__builtins__" and single_underscore == first:
                namespace[name] = None
