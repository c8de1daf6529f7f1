"""Run a callback when (and only when) a module of interest is imported.

``AfterImport({"keras", "sklearn"}, callback)`` calls ``callback(module)`` for each module named
``keras``, ``keras.*``, ``sklearn`` or ``sklearn.*`` once it has executed: those already in
``sys.modules`` when the context is entered, then each one the script imports. A script that
imports none of them pays one name check per import; nothing is imported by this module.
"""

from __future__ import annotations

import importlib.abc
import sys
import threading
from typing import Callable, Iterable


def _matches(name: str, roots: frozenset) -> bool:
    return name.partition(".")[0] in roots


class _Loader(importlib.abc.Loader):
    """Wraps the real loader: executes the module, then hands it to the callback."""

    def __init__(self, loader, hook: "AfterImport"):
        self.loader, self.hook = loader, hook

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        # The module must look as if we were never there: its loader is the real one.
        module.__loader__ = self.loader
        if getattr(module, "__spec__", None) is not None:
            module.__spec__.loader = self.loader
        self.loader.exec_module(module)
        self.hook._imported(module)

    def __getattr__(self, name):  # get_resource_reader, is_package, ... of the real loader
        return getattr(self.loader, name)


class AfterImport(importlib.abc.MetaPathFinder):
    """Context manager: a meta path finder that reports imports of the given top-level names."""

    def __init__(self, roots: Iterable[str], callback: Callable[[object], None], submodules: bool = True):
        """``submodules=False``: only the top-level modules themselves (``torch``, not ``torch.nn``)."""
        self.roots = frozenset(roots)
        self.callback = callback
        self.submodules = submodules
        self._active = False
        self._resolving = threading.local()  # names this thread is finding (two hooks on one name)

    def _wanted(self, name: str) -> bool:
        return _matches(name, self.roots) if self.submodules else name in self.roots

    def __enter__(self) -> "AfterImport":
        for name, module in list(sys.modules.items()):
            if self._wanted(name) and module is not None:
                self._imported(module)
        sys.meta_path.insert(0, self)
        self._active = True
        return self

    def __exit__(self, *exc) -> None:
        self._active = False
        if self in sys.meta_path:
            sys.meta_path.remove(self)

    def find_spec(self, fullname, path, target=None):
        if not self._active or not self._wanted(fullname):
            return None
        resolving = self._resolving.__dict__.setdefault("names", set())
        if fullname in resolving:  # asked again by another hook that asks every finder: not us
            return None
        resolving.add(fullname)
        try:
            return self._find(fullname, path, target)
        finally:
            resolving.discard(fullname)

    def _find(self, fullname, path, target):
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader, self)
                return spec
        return None

    def _imported(self, module) -> None:
        try:
            self.callback(module)
        except Exception as error:  # discovery must never break the user's import
            print(f"mlagility: discovery hook for {getattr(module, '__name__', module)} failed: {error}",
                  file=sys.stderr)
