"""Run a user's script exactly as ``python script.py`` would."""

from __future__ import annotations

import atexit
import contextlib
import functools
import io
import os
import sys
import threading
import types
from dataclasses import dataclass, field
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
    module attributes, the module in ``sys.modules["__main__"]`` while it runs). The caller ends
    the script with ``end_scripts()`` once nothing of its own needs the script's objects any more
    (discovery builds the models called from threads after the script's last line).
    """
    with script_environment(script, args or []) as path:
        module = types.ModuleType("__main__")
        namespace = module.__dict__
        namespace.update(__file__=str(path), __cached__=None, __loader__=None, __package__="", __spec__=None)
        with io.open_code(str(path)) as source:
            code = compile(source.read(), str(path), "exec", dont_inherit=True)
        ended = _Ended(module, saved={name: sys.modules.get(name, _MISSING) for name in _MAIN_NAMES},
                       threads=_exit_threads())
        sys.modules["__main__"] = module
        saved_register = atexit.register
        atexit.register = _noting_registrations(saved_register, namespace, ended.registered)
        try:
            exec(code, namespace)
        except SystemExit as exit_:
            if exit_.code not in (None, 0):
                raise
        finally:
            atexit.register = saved_register
            ended.deferred = bool(ended.registered or _exit_threads() - ended.threads)
            if not ended.deferred:  # else it stays __main__ for its atexit handlers and threads
                _restore_main(ended)
            _ended.append(ended)


# -- ending the script as the interpreter ends __main__ -------------------------------------------
# ``python script.py`` ends with: non-daemon threads joined, atexit handlers run (last registered
# first), then ``__main__``'s namespace cleared, which frees what the script holds: a file it left
# open is flushed and closed, a temporary folder it holds is removed. Under benchit the script's
# namespace is referenced by its own functions (``f.__globals__``), a cycle that nothing at exit
# would finalize in time, so benchit clears it itself: when the script ends (``end_scripts``), or,
# if the script's own code registered atexit handlers or left threads running (which may use its
# globals, or pickle its classes through ``__main__``), at exit after them (benchit's handler is
# registered before any script runs); until then the script's module stays ``__main__``.
_MAIN_NAMES = ("__main__", "__mp_main__")  # multiprocessing aliases __main__ as __mp_main__
_MISSING = object()


@dataclass
class _Ended:
    module: types.ModuleType
    saved: dict  # sys.modules entries of _MAIN_NAMES before the script
    threads: set  # non-daemon threads alive before the script
    registered: list = field(default_factory=list)  # atexit handlers the script's code registered
    deferred: bool = False  # ended at exit: its atexit handlers or threads may still use it


_ended: list[_Ended] = []  # scripts run, not ended yet
_at_exit: list[_Ended] = []  # scripts to end at exit


def end_scripts() -> None:
    """End the scripts run so far, as the interpreter ends ``__main__`` (or at exit, see above)."""
    while _ended:
        ended = _ended.pop(0)
        if ended.deferred:
            _at_exit.append(ended)
        else:
            _clear(vars(ended.module))


def _restore_main(ended: _Ended) -> None:
    for name, saved in ended.saved.items():
        if sys.modules.get(name) is ended.module:
            if saved is _MISSING:
                del sys.modules[name]
            else:
                sys.modules[name] = saved


def _exit_threads() -> set:
    """The threads the interpreter joins at exit (non-daemon, not the main one)."""
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


def _end_at_exit() -> None:
    while _at_exit:
        _clear(vars(_at_exit.pop().module))


atexit.register(_end_at_exit)  # on import, before any script registers its own handlers


def _clear(namespace: dict) -> None:
    """As CPython's ``_PyModule_ClearDict``: names starting with one underscore first, then the
    others, set to None; dunder names (``__name__``, ``__file__``...) are kept, as the module
    may still be looked at (``inspect``, pickling) after the script ended."""
    for first in (True, False):
        for name in list(namespace):
            dunder = name.startswith("__") and name.endswith("__")
            if not dunder and name.startswith("_") == first:
                namespace[name] = None
