"""What every framework's discovery shares, and ``FrameworkDiscovery``, which installs each
registered framework's discovery when the script imports it.

``FrameworkDiscovery(script, on_invocation, max_depth)`` is a context manager: it calls
``on_invocation(invocation, model)`` for each new invocation. For each framework of the registry
(``frameworks/registry.py``) it installs an import hook on the framework's ``roots``; the
framework's discovery (``Framework.discovery``) is created when the script imports one of them,
so a script importing none of them never imports them (a Keras script does not pay for importing
torch, about 2.5 s). A discovery follows this protocol: ``install(module)`` for each imported
module of its ``roots``/``follows``, ``invocations``, a settable ``suspended``, ``close(*exc)``
and ``go_inert()``; ``BaseDiscovery`` implements it for patch-based discoveries. Every hook and
patch is undone in ``__exit__``.
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
from pathlib import Path
from typing import Any, Callable

from mlagility.analysis import hashing
from mlagility.analysis.import_hooks import AfterImport
from mlagility.analysis.model_info import InputSpec, Invocation, ModelInfo
from mlagility.analysis.sites import OWN_DIR, is_library_file, script_line
from mlagility.frameworks.registry import frameworks, model_type_of  # noqa: F401 (model_type_of: re-exported)

_OWN_DIR = OWN_DIR


class Patches:
    """Class attributes replaced for a while; ``undo`` puts back exactly what was there."""

    _MISSING = object()

    def __init__(self):
        self._saved: list[tuple[type, str, Any]] = []

    def set(self, cls: type, name: str, value: Any) -> None:
        self._saved.append((cls, name, cls.__dict__.get(name, self._MISSING)))
        setattr(cls, name, value)

    def undo(self) -> None:
        while self._saved:
            cls, name, old = self._saved.pop()
            if old is self._MISSING:
                with contextlib.suppress(AttributeError):
                    delattr(cls, name)
            else:
                setattr(cls, name, old)

    def __bool__(self) -> bool:
        return bool(self._saved)


class BaseDiscovery:
    """Records invocations of one framework's models; subclasses install the patches."""

    model_type = ""

    def __init__(self, script: str, on_invocation: Callable, max_depth: int = 0):
        self.script = str(Path(script).resolve())
        self.on_invocation = on_invocation
        self.max_depth = max_depth
        self.patches = Patches()
        self.suspended = False
        self.invocations: list[Invocation] = []
        self._by_key: dict[tuple[int, str], Invocation] = {}
        self._infos: dict[int, tuple[Any, ModelInfo]] = {}
        self._created: dict[int, tuple[str, int]] = {}

    def install(self, module) -> None:
        """Called for each imported module of the framework; patch what is new."""

    def uninstall(self) -> None:
        self.patches.undo()

    def close(self, *exc) -> None:
        self.uninstall()

    def go_inert(self) -> None:
        self.suspended = True
        self.uninstall()

    @classmethod
    def invocation_of(cls, model, named_arrays: list[tuple[str, Any]], args: tuple, kwargs: dict) -> Invocation:
        """The ``Invocation`` of one call outside any script (``benchmark_model``)."""
        found = cls("<benchmark_model>", lambda *_: None)
        found.suspended = True
        return found.record(model, named_arrays, args, kwargs)

    # -- recording ------------------------------------------------------------------------
    def record(self, model, named_arrays: list[tuple[str, Any]], args: tuple, kwargs: dict,
               extra_signature: str = "", depth: int = 0, root: Invocation | None = None,
               parent: str | None = None, sub_name: str | None = None) -> Invocation:
        info = self._info(model, depth, root, sub_name)
        specs = [InputSpec(name, tuple(int(d) for d in array.shape), str(array.dtype)) for name, array in named_arrays]
        signature = "|".join(f"{s.name}=T{s.shape}{s.dtype}" for s in specs) + extra_signature
        inv_hash = hashing.invocation_hash(info.model_hash, signature, parent)
        key = (id(model), inv_hash)
        if key in self._by_key:
            self._by_key[key].executions += 1
            return self._by_key[key]
        invocation = Invocation(inv_hash, info, specs, signature, parent_invocation=parent,
                                args=args, kwargs=kwargs)
        self._by_key[key] = invocation
        self.invocations.append(invocation)
        self.suspended = True
        try:
            self.on_invocation(invocation, model)
        finally:
            self.suspended = False
        return invocation

    def _info(self, model, depth: int, root: Invocation | None, sub_name: str | None) -> ModelInfo:
        known = self._infos.get(id(model))
        if known is not None and known[0] is model:
            return known[1]
        file, line = self._created.get(id(model)) or self.user_site()
        params, size_mb = self.describe(model)
        info = ModelInfo(
            name=sub_name if root else self.variable_name(model),
            class_name=type(model).__name__,
            qualified_class=f"{type(model).__module__}.{type(model).__qualname__}",
            file=file, line=line, params=params, size_mb=size_mb,
            model_hash=self.model_hash(model),
            depth=depth, parent_hash=root.model.model_hash if root else None,
            model_type=self.model_type,
        )
        self._infos[id(model)] = (model, info)
        return info

    def describe(self, model) -> tuple[int, float]:
        raise NotImplementedError

    def model_hash(self, model) -> str:
        raise NotImplementedError

    # -- where in the user's code ---------------------------------------------------------
    def _frames(self):
        frame = sys._getframe(2)
        while frame is not None:
            if not frame.f_code.co_filename.startswith(_OWN_DIR):
                yield frame
            frame = frame.f_back

    def user_site(self) -> tuple[str, int]:
        """The script's line on the stack (else the first line outside any library)."""
        return script_line(self._frames(), self.script)

    def remember_creation(self, obj) -> None:
        if id(obj) not in self._created:
            self._created[id(obj)] = self.user_site()

    def called_from_user_code(self) -> bool:
        """Whether the frame that made the current call is the user's (not a library's)."""
        for frame in self._frames():
            filename = frame.f_code.co_filename
            if _is_wrapper_frame(frame):
                continue
            return not is_library_file(filename)
        return False

    def variable_name(self, model) -> str:
        for frame in self._frames():
            for scope in (frame.f_locals, frame.f_globals):
                for name, value in scope.items():
                    if value is model and not name.startswith("_"):
                        return name
            if not is_library_file(frame.f_code.co_filename):
                break
        return type(model).__name__


def _is_wrapper_frame(frame) -> bool:
    """functools.wraps-style frames of the frameworks' own decorators (none at present)."""
    return False


def array_digest(arrays) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for array in arrays:
        digest.update(memoryview(array).cast("B") if array.flags.c_contiguous else array.tobytes())
    return digest.hexdigest()[:16]


def split_inputs(inputs) -> tuple[tuple, dict]:
    """``benchmark_model``'s ``inputs`` as (args, kwargs): a dict of keyword arguments, a tuple of
    positional arguments, or one value (an array, a list of arrays)."""
    if isinstance(inputs, dict):
        return (), dict(inputs)
    if isinstance(inputs, tuple):
        return inputs, {}
    return (inputs,), {}


class FrameworkDiscovery:
    """Context manager installing each registered framework's discovery when the script imports it."""

    def __init__(self, script, on_invocation: Callable, max_depth: int = 0):
        self.script, self.on_invocation, self.max_depth = str(script), on_invocation, max_depth
        self.discoveries: dict[str, Any] = {}  # framework name -> its discovery, once imported
        self._frameworks = frameworks().ordered()
        self._hooks = []
        for framework in self._frameworks:
            callback = self._callback(framework)
            self._hooks.append(AfterImport(framework.roots, callback, submodules=framework.submodules))
            if framework.follows:
                self._hooks.append(AfterImport(framework.follows, self._follower(framework)))

    @property
    def invocations(self) -> list[Invocation]:
        return [inv for f in self._frameworks if f.name in self.discoveries
                for inv in self.discoveries[f.name].invocations]

    def _callback(self, framework) -> Callable:
        def imported(module) -> None:
            discovery = self.discoveries.get(framework.name)
            if discovery is None:
                discovery = framework.discovery(self.script, self.on_invocation, self.max_depth)
                self.discoveries[framework.name] = discovery
            discovery.install(module)
        return imported

    def _follower(self, framework) -> Callable:
        def imported(module) -> None:  # only once the framework itself is there
            discovery = self.discoveries.get(framework.name)
            if discovery is not None:
                discovery.install(module)
        return imported

    def __enter__(self) -> "FrameworkDiscovery":
        for hook in self._hooks:
            hook.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        try:
            for hook in reversed(self._hooks):
                hook.__exit__(*exc)
        finally:
            self._close(list(reversed(self._frameworks)), exc)

    def _close(self, remaining: list, exc) -> None:
        """Close each discovery (the first framework last: PyTorch runs its pending builds then),
        every one even if another fails."""
        if not remaining:
            return
        framework, rest = remaining[0], remaining[1:]
        try:
            if framework.name in self.discoveries:
                self.discoveries[framework.name].close(*exc)
        finally:
            self._close(rest, exc)

    def go_inert(self) -> None:
        """In a process the script forked (a ``DataLoader`` worker, a ``multiprocessing`` fork):
        every hook out, nothing pending, so its model calls run as under ``python`` and nothing is
        built there (the parent discovers and builds)."""
        for hook in self._hooks:
            hook.__exit__(None, None, None)
        for discovery in self.discoveries.values():
            discovery.go_inert()
        self.discoveries = {}

    @contextlib.contextmanager
    def suspended(self):
        saved = {name: d.suspended for name, d in self.discoveries.items()}
        for d in self.discoveries.values():
            d.suspended = True
        try:
            yield
        finally:
            for name, d in self.discoveries.items():
                d.suspended = saved.get(name, False)


def weights_hash_of(model_type: str, model) -> str:
    """A hash of the model's weights / fitted values (to notice that they changed)."""
    return frameworks().get(model_type).weights_hash(model)
