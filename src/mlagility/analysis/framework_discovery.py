"""Discovery for every framework, installed when the script imports it, and what they share.

``FrameworkDiscovery(script, on_invocation, max_depth)`` is a context manager: it calls
``on_invocation(invocation, model)`` for each new invocation. It installs nothing until the script
imports ``torch`` (``discovery.ModelDiscovery``: global module hooks), ``keras``/``tensorflow``
(Keras patches) or ``sklearn``/``xgboost``/``lightgbm`` (estimator patches), through import
hooks; a script importing none of them never imports them (a Keras script does not pay for
importing torch, about 2.5 s). Every hook and patch is undone in ``__exit__``.
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

_OWN_DIR = OWN_DIR
KERAS_ROOTS = ("keras",)  # tf.keras is Keras 3: importing it imports keras
SKLEARN_ROOTS = ("sklearn", "xgboost", "lightgbm")


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


class FrameworkDiscovery:
    """Context manager installing each framework's discovery when the script imports it."""

    def __init__(self, script, on_invocation: Callable, max_depth: int = 0):
        self.script, self.on_invocation, self.max_depth = str(script), on_invocation, max_depth
        self.discoveries: dict[str, BaseDiscovery] = {}
        self.torch_discovery = None  # a discovery.ModelDiscovery once torch is imported
        self._torch_hook = AfterImport(("torch",), self._torch_imported, submodules=False)
        self._hook = AfterImport(KERAS_ROOTS + SKLEARN_ROOTS, self._imported)
        # transformers' generate(): one model with its steps (analysis/generation.py)
        self._generate_hook = AfterImport(("transformers",), self._transformers_imported)

    @property
    def invocations(self) -> list[Invocation]:
        torch_invocations = self.torch_discovery.invocations if self.torch_discovery else []
        return torch_invocations + [inv for d in self.discoveries.values() for inv in d.invocations]

    def _torch_imported(self, module) -> None:
        if self.torch_discovery is None:
            from mlagility.analysis.discovery import ModelDiscovery

            discovery = ModelDiscovery(self.script, self.on_invocation, max_depth=self.max_depth)
            self.torch_discovery = discovery.__enter__()

    def _transformers_imported(self, module) -> None:
        if module.__name__ == "transformers.generation.utils" and self.torch_discovery is not None:
            self.torch_discovery.watch_generate()

    def _imported(self, module) -> None:
        root = module.__name__.partition(".")[0]
        kind = "keras" if root in KERAS_ROOTS else "sklearn"
        discovery = self.discoveries.get(kind)
        if discovery is None:
            if kind == "keras":
                from mlagility.analysis.keras_discovery import KerasDiscovery as cls
            else:
                from mlagility.analysis.sklearn_discovery import SklearnDiscovery as cls
            discovery = self.discoveries[kind] = cls(self.script, self.on_invocation, self.max_depth)
        discovery.install(module)

    def __enter__(self) -> "FrameworkDiscovery":
        self._torch_hook.__enter__()
        self._hook.__enter__()
        self._generate_hook.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._generate_hook.__exit__(*exc)
            self._hook.__exit__(*exc)
            self._torch_hook.__exit__(*exc)
        finally:
            try:
                for discovery in self.discoveries.values():
                    discovery.uninstall()
            finally:
                if self.torch_discovery is not None:  # runs the builds still pending, then unhooks
                    self.torch_discovery.__exit__(*exc)

    def go_inert(self) -> None:
        """In a process the script forked (a ``DataLoader`` worker, a ``multiprocessing`` fork):
        every hook out, nothing pending, so its model calls run as under ``python`` and nothing is
        built there (the parent discovers and builds)."""
        self._hook.__exit__(None, None, None)
        self._torch_hook.__exit__(None, None, None)
        for discovery in self.discoveries.values():
            discovery.suspended = True
            discovery.uninstall()
        self.discoveries = {}
        if self.torch_discovery is not None:
            self.torch_discovery._pending.clear()
            self.torch_discovery._remove()
            self.torch_discovery = None

    @contextlib.contextmanager
    def suspended(self):
        saved = {kind: d.suspended for kind, d in self.discoveries.items()}
        for d in self.discoveries.values():
            d.suspended = True
        try:
            yield
        finally:
            for kind, d in self.discoveries.items():
                d.suspended = saved.get(kind, False)


def model_type_of(model) -> str:
    """``pytorch``, ``keras`` or ``sklearn`` for a live model (importing no framework)."""
    torch = sys.modules.get("torch")
    keras = sys.modules.get("keras")
    if keras is not None and isinstance(model, keras.Model) and not (torch and isinstance(model, torch.nn.Module)):
        return "keras"
    if torch is not None and isinstance(model, torch.nn.Module):
        return "pytorch"
    base = getattr(sys.modules.get("sklearn.base"), "BaseEstimator", None)
    if base is not None and isinstance(model, base):
        return "sklearn"
    for name in ("xgboost", "lightgbm"):
        if type(model).__module__.partition(".")[0] == name:
            return "sklearn"
    return "unknown"


def weights_hash_of(model_type: str, model) -> str:
    """A hash of the model's weights / fitted values (to notice that they changed)."""
    if model_type == "keras":
        import numpy as np

        return array_digest(np.ascontiguousarray(np.asarray(w)) for w in model.get_weights())
    if model_type == "sklearn":
        from mlagility.analysis.sklearn_discovery import estimator_bytes

        return hashlib.blake2b(estimator_bytes(model), digest_size=8).hexdigest()
    return hashing.weights_hash(model)
