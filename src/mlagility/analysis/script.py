"""Run a user's script exactly as ``python script.py`` would.

Several scripts run in one process one after the other; each starts with the process state the
first one had (``script_environment``): ``sys.argv``, ``sys.path``, the working directory, the
``sys.modules`` entries that existed before it (a script that replaces ``sys.modules["json"]``
or deletes an entry; also while benchit works inside the script), and the functions and classes of the libraries benchit itself uses
(``GUARDED``: torch's, ``torch.nn``'s and their classes' methods, ``torch.onnx``, ``torch.jit``,
numpy, onnx, onnxruntime) as they were when first imported. While benchit builds and benchmarks
a model the script called (``as_imported``), those are the originals too, so a script that
patches ``torch.onnx.export`` or ``nn.Module.__call__`` neither breaks benchit's export nor sees
benchit's calls. Anything else a script changes in the process (a library's own settings, new
modules it plants in ``sys.modules``) stays for the next script: ``--process-isolation`` runs
each script in a fresh process.

A process the script forks (``os.fork``, ``multiprocessing``'s fork, ``DataLoader`` workers) is
the script's: the callbacks given to ``dropped_in_forked_children`` (discovery's hooks) are
undone in it, and if it runs on to the end of the script it ends as the interpreter would, never
returning into benchit.
"""

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

from mlagility.analysis.import_hooks import AfterImport


@contextlib.contextmanager
def script_environment(script: str | os.PathLike, args: list[str]):
    """``sys.argv`` and ``sys.path[0]`` as the interpreter sets them; these, the working
    directory, ``sys.modules`` and the guarded libraries restored in ``finally``."""
    path = Path(script).resolve()
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    saved_modules = dict(sys.modules)
    _modules_before.append(saved_modules)
    cwd = _WorkingDirectory()
    sys.argv = [str(script), *args]
    sys.path.insert(0, str(path.parent))
    try:
        with _guard_imports():
            yield path
    finally:
        try:
            cwd.restore()
        finally:
            sys.argv[:] = saved_argv
            sys.path[:] = saved_path
            _modules_before.remove(saved_modules)
            _restore_modules(saved_modules)
            restore_guarded()


class _WorkingDirectory:
    """The working directory, kept open (restored even if the script renamed it)."""

    def __init__(self):
        self.path = os.getcwd()
        try:
            self.fd = os.open(".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError:
            self.fd = None

    def restore(self) -> None:
        try:
            if self.fd is not None:
                os.fchdir(self.fd)
            else:
                os.chdir(self.path)
        finally:
            if self.fd is not None:
                os.close(self.fd)


_modules_before: list[dict] = []  # sys.modules before each script now running


def _restore_modules(saved: dict) -> dict:
    """``sys.modules`` entries that existed before the script, put back where it replaced or
    deleted them (``__main__`` is run_script's); the modules it imported stay imported. Returns
    the entries it had put there instead (to undo)."""
    changed = {}
    for name, module in saved.items():
        if name not in _MAIN_NAMES and sys.modules.get(name, _MISSING) is not module:
            changed[name] = sys.modules.get(name, _MISSING)
            sys.modules[name] = module
    return changed


# -- the libraries benchit uses, as they were imported --------------------------------------------
GUARDED = ("torch", "torch.nn", "torch.nn.functional", "torch.onnx", "torch.jit", "torch.export",
           "torch.fx", "numpy", "onnx", "onnxruntime")
_GUARDED_CLASS_MODULES = ("torch", "torch.nn", "torch.onnx")  # their classes' methods too
_baseline: dict[int, tuple[object, dict, bool]] = {}  # id -> (module or class, its dict, is a class)


def _remember(module) -> None:
    """Record a guarded module (and its classes) the first time it is seen."""
    name = getattr(module, "__name__", None)
    if name not in GUARDED or id(module) in _baseline:
        return
    _baseline[id(module)] = (module, dict(vars(module)), False)
    if name in _GUARDED_CLASS_MODULES:
        for value in list(vars(module).values()):
            if isinstance(value, type) and str(getattr(value, "__module__", "")).startswith(name) \
                    and id(value) not in _baseline:
                try:
                    _baseline[id(value)] = (value, dict(vars(value)), True)
                except TypeError:
                    continue


@contextlib.contextmanager
def _guard_imports():
    """Remember the guarded modules already imported, and those the script imports, as they
    are when their import ends (before the script's next line can patch them)."""
    roots = {name.partition(".")[0] for name in GUARDED}
    with AfterImport(roots, _remember):
        yield


def _library_change(target, value) -> bool:
    """A value the library itself put there after its import (torch._dynamo wraps a few torch
    functions when it is imported): part of the library, kept."""
    root = str(getattr(target, "__module__", None) if isinstance(target, type) else target.__name__).partition(".")[0]
    return str(getattr(value, "__module__", None) or "").partition(".")[0] == root


def _apply(target, wanted: dict, is_class: bool) -> dict:
    """Make ``target``'s dict hold ``wanted``'s values; returns what it held (to undo). A change
    made by the library itself is adopted into ``wanted`` instead."""
    current = dict(vars(target))
    for key, value in list(wanted.items()):
        now = current.get(key, _MISSING)
        if now is value:
            continue
        if now is not _MISSING and _library_change(target, now):
            wanted[key] = now
            continue
        try:
            setattr(target, key, value)
        except (AttributeError, TypeError):
            pass
    if is_class:  # attributes the script added to a class
        for key in current.keys() - wanted.keys():
            if _library_change(target, current[key]):
                wanted[key] = current[key]
                continue
            try:
                delattr(target, key)
            except (AttributeError, TypeError):
                pass
    return current


def restore_guarded() -> None:
    """The guarded modules and classes as they were imported (a script's patches undone)."""
    for target, wanted, is_class in list(_baseline.values()):
        _apply(target, wanted, is_class)


@contextlib.contextmanager
def as_imported():
    """While benchit works inside a script (building a model it called): the guarded libraries
    as imported; the script's own patches put back after."""
    modules = _restore_modules(_modules_before[0]) if _modules_before else {}
    patched = [(target, _apply(target, wanted, is_class), is_class)
               for target, wanted, is_class in list(_baseline.values())]
    try:
        yield
    finally:
        for target, current, is_class in patched:
            _apply(target, current, is_class)
        for name, module in modules.items():
            if module is _MISSING:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


# -- processes the script forks -------------------------------------------------------------------
_forked_child_callbacks: list = []


def _in_forked_child() -> None:
    for callback in list(_forked_child_callbacks):
        try:
            callback()
        except Exception:  # never let benchit's cleanup break the script's child
            pass
    _forked_child_callbacks.clear()


os.register_at_fork(after_in_child=_in_forked_child)


@contextlib.contextmanager
def dropped_in_forked_children(callback):
    """While the body runs, ``callback()`` runs in every process this one forks (after the fork,
    in the child): what benchit installed for the script (discovery) is undone there."""
    _forked_child_callbacks.append(callback)
    try:
        yield
    finally:
        if callback in _forked_child_callbacks:
            _forked_child_callbacks.remove(callback)


def _end_forked_child(exc: BaseException | None) -> None:
    """A process the script forked reached the end of the script: it ends as ``python`` ends
    (exit status, traceback, atexit handlers), never going on into benchit's sweep."""
    import traceback

    code = 0
    if isinstance(exc, SystemExit):
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    elif exc is not None:
        traceback.print_exception(type(exc), exc, exc.__traceback__)
        code = 130 if isinstance(exc, KeyboardInterrupt) else 1
    try:
        threading._shutdown()  # type: ignore[attr-defined]  # joins non-daemon threads, as at exit
    except BaseException:
        pass
    try:
        atexit._run_exitfuncs()
    except BaseException:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code & 0xFF)


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
        pid = os.getpid()
        try:
            exec(code, namespace)
        except BaseException as exc:
            if os.getpid() != pid:  # a child the script forked ran on to the script's end
                _end_forked_child(exc)
            if not isinstance(exc, SystemExit) or exc.code not in (None, 0):
                raise
        else:
            if os.getpid() != pid:
                _end_forked_child(None)
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
