"""Discover the models a script calls, using torch's global module hooks.

No profiler and no ``sys.setprofile``: plain Python code in the script runs at full speed, and
only ``torch.nn.Module`` calls pass through our hooks. Every hook is removed in ``__exit__``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import sysconfig
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from mlagility.analysis import hashing
from mlagility.analysis.model_info import Invocation, ModelInfo

_TORCH_DIR = os.path.dirname(torch.__file__)
_OWN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LIBRARY_DIRS = tuple(
    {sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
)

# Called as on_invocation(invocation, module) for each new top-level invocation, hooks suspended.
InvocationCallback = Callable[[Invocation, torch.nn.Module], None]


def is_library_file(filename: str) -> bool:
    return (
        filename.startswith("<")
        or filename.startswith(_LIBRARY_DIRS)
        or "site-packages" in filename
        or "dist-packages" in filename
        or filename.startswith(_OWN_DIR)
    )


def has_parameters(module: torch.nn.Module) -> bool:
    return next(module.parameters(), None) is not None


def unwrap(module: torch.nn.Module) -> torch.nn.Module:
    """The module a ``torch.compile`` wrapper (``OptimizedModule``) stands for."""
    return getattr(module, "_orig_mod", module) if hasattr(module, "_orig_mod") else module


@dataclass
class _Tracked:
    module: torch.nn.Module
    info: ModelInfo


@dataclass
class _Call:
    """A module call in progress, and the completed sub-model calls made inside it."""

    module: torch.nn.Module
    children: list = field(default_factory=list)


@dataclass
class _Completed:
    module: torch.nn.Module
    args: tuple
    kwargs: dict
    children: list


class ModelDiscovery:
    """Context manager: while active, records every call of a model the script makes.

    ``max_depth`` 0 records the models the script calls itself; N also records the sub-models
    that run inside them, down to depth N, each with its parent invocation.
    """

    def __init__(self, script: str | os.PathLike, on_invocation: InvocationCallback, max_depth: int = 0):
        self.script = str(Path(script).resolve())
        self.on_invocation = on_invocation
        self.max_depth = max_depth
        self.invocations: list[Invocation] = []
        self._by_key: dict[tuple[int, str], Invocation] = {}
        self._tracked: dict[int, _Tracked] = {}
        self._created: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._stack: list[_Call] = []
        self._handles: list = []

    # -- hook lifetime -------------------------------------------------------------------
    def __enter__(self) -> "ModelDiscovery":
        self._register()
        return self

    def __exit__(self, *exc) -> None:
        self._remove()

    @contextlib.contextmanager
    def suspended(self):
        """Remove the hooks for a while (to export or time a model), then put them back."""
        active = bool(self._handles)
        self._remove()
        try:
            yield
        finally:
            if active:
                self._register()

    def _register(self) -> None:
        hooks = torch.nn.modules.module
        self._handles = [
            hooks.register_module_forward_pre_hook(self._before_call),
            hooks.register_module_forward_hook(self._after_call, with_kwargs=True, always_call=True),
            hooks.register_module_parameter_registration_hook(self._on_registration),
            hooks.register_module_buffer_registration_hook(self._on_registration),
            hooks.register_module_module_registration_hook(self._on_registration),
        ]

    def _remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    # -- hooks ---------------------------------------------------------------------------
    def _on_registration(self, module, _name, _value) -> None:
        if module not in self._created:
            self._created[module] = self._creation_site(module)

    def _before_call(self, module, _args) -> None:
        if not torch.compiler.is_compiling():
            self._stack.append(_Call(module))

    def _after_call(self, module, args, *rest) -> None:
        if torch.compiler.is_compiling() or not self._stack or self._stack[-1].module is not module:
            return
        call = self._stack.pop()
        if len(rest) != 2 or not has_parameters(module):
            return  # the call raised (rest == (result,)), or this module is not a model
        depth = len(self._stack)
        if depth and unwrap(self._stack[-1].module) is module:  # torch.compile wrapper's inner call
            self._stack[-1].children.extend(call.children)
            return
        if depth > self.max_depth:
            return
        done = _Completed(module, args, rest[0], call.children)
        if depth:
            self._stack[-1].children.append(done)
        elif not inside_module_init():
            self._record_tree(done, root=None, parent=None, depth=0)

    # -- recording -----------------------------------------------------------------------
    def _record_tree(self, done: _Completed, root, parent: str | None, depth: int) -> None:
        invocation = self._record(done.module, done.args, done.kwargs, root, parent, depth)
        for child in done.children:
            self._record_tree(child, root or invocation, invocation.hash, depth + 1)

    def _record(self, called, args, kwargs, root: Invocation | None, parent: str | None, depth: int) -> Invocation:
        module = unwrap(called)
        tracked = self._track(module, called, root, depth)
        signature, specs = hashing.input_signature(module, args, kwargs)
        inv_hash = hashing.invocation_hash(tracked.info.model_hash, signature, parent)
        key = (id(module), inv_hash)
        if key in self._by_key:
            self._by_key[key].executions += 1
            return self._by_key[key]
        invocation = Invocation(
            hash=inv_hash,
            model=tracked.info,
            inputs=specs,
            signature=signature,
            parent_invocation=parent,
            args=_detached_copy(args),
            kwargs=_detached_copy(kwargs),
        )
        self._by_key[key] = invocation
        self.invocations.append(invocation)
        with self.suspended():
            self.on_invocation(invocation, module)
        return invocation

    def _track(self, module, called, root: Invocation | None, depth: int) -> _Tracked:
        tracked = self._tracked.get(id(module))
        if tracked is None:
            file, line = self._created.get(module) or self._created.get(called) or self._call_site()
            params = list(module.parameters())
            info = ModelInfo(
                name=self._sub_model_name(module, root) if root else self._variable_name(module, called),
                depth=depth,
                parent_hash=root.model.model_hash if root else None,
                class_name=type(module).__name__,
                qualified_class=f"{type(module).__module__}.{type(module).__qualname__}",
                file=file,
                line=line,
                params=sum(p.numel() for p in params),
                size_mb=sum(p.numel() * p.element_size() for p in params) / 1e6,
                model_hash=hashing.model_hash(module),
            )
            tracked = self._tracked[id(module)] = _Tracked(module, info)
        return tracked

    # -- where in the user's code ----------------------------------------------------------
    def _user_frames(self):
        frame = sys._getframe(1)
        while frame is not None:
            filename = frame.f_code.co_filename
            if not filename.startswith(_TORCH_DIR) and not filename.startswith(_OWN_DIR):
                yield frame
            frame = frame.f_back

    def _creation_site(self, module) -> tuple[str, int]:
        """The line of user code that created ``module`` (never a line inside a library)."""
        fallback = None
        for frame in self._user_frames():
            if frame.f_locals.get("self") is module:
                continue  # inside the module's own __init__
            filename = frame.f_code.co_filename
            if os.path.abspath(filename) == self.script:
                return filename, frame.f_lineno
            if fallback is None and not is_library_file(filename):
                fallback = (filename, frame.f_lineno)
        return fallback or ("", 0)

    def _call_site(self) -> tuple[str, int]:
        for frame in self._user_frames():
            if not is_library_file(frame.f_code.co_filename):
                return frame.f_code.co_filename, frame.f_lineno
        return ("", 0)

    def _sub_model_name(self, module, root: Invocation) -> str:
        """``model.encoder.fc1``: the attribute path from the top model the script called."""
        top = self._tracked_module(root.model)
        for path, sub in (top.named_modules() if top is not None else ()):
            if sub is module and path:
                return f"{root.model.name}.{path}"
        return f"{root.model.name}.{type(module).__name__}"

    def _tracked_module(self, info: ModelInfo):
        return next((t.module for t in self._tracked.values() if t.info is info), None)

    def _variable_name(self, module, called) -> str:
        for frame in self._user_frames():
            for scope in (frame.f_locals, frame.f_globals):
                for name, value in scope.items():
                    if (value is called or value is module) and not name.startswith("_"):
                        return name
            if not is_library_file(frame.f_code.co_filename):
                break
        return type(module).__name__


def inside_module_init() -> bool:
    """Whether a module's ``__init__`` is running: calls made to build a model (e.g. a backbone
    run once to size a head) are construction, not the script calling a model."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name == "__init__" and isinstance(frame.f_locals.get("self"), torch.nn.Module):
            return True
        frame = frame.f_back
    return False


def _detached_copy(value):
    """A copy of the inputs that the script cannot change afterwards (inference mode lifted)."""
    from torch.utils import _pytree

    with torch.inference_mode(False), torch.no_grad():
        return _pytree.tree_map(
            lambda leaf: leaf.detach().clone() if isinstance(leaf, torch.Tensor) else leaf, value
        )
