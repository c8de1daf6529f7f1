"""Leave the script's torch state exactly as it was: ``preserved_state`` and ``clean_context``.

benchit builds and benchmarks a model *inside* the user's script, in the middle of one of its
model calls. Whatever benchit does there (export, the reference run, a timing loop of thousands
of calls) must not change what the script computes afterwards, and whatever context the script
was in (autocast, inference mode, a default dtype) must not leak into the build:

* ``preserved_state(module)`` saves, and restores in ``finally``:
  - every parameter and buffer of the module: the tensor objects (a stage that replaces
    ``module.x`` gets the original back) and their values. Buffers are always cloned (they are
    what forwards mutate: running stats, counters, caches); parameters are cloned while their
    total size is at most ``PARAM_CLONE_LIMIT_BYTES`` and otherwise guarded by their version
    counters (an in-place change to an uncloned parameter is reported, not hidden);
  - every submodule's plain attributes (``training`` flags, Python counters, hook dicts,
    lists/dicts/sets kept on the module, restored in place);
  - the torch, CUDA, numpy and ``random`` RNG states; grad mode; autocast state (CPU and CUDA,
    enabled/dtype/cache); the default dtype; intra-op and inter-op thread counts;
    ``float32_matmul_precision``; deterministic-algorithms mode;
* ``clean_context()``: what a build and the reference run see: autocast off, inference mode off
  (exporters cannot trace inference tensors), no grad, default dtype float32.

Both are context managers and nest: ``with preserved_state(model), clean_context(): ...``.
"""

from __future__ import annotations

import contextlib
import copy
import random
import sys
import warnings
from dataclasses import dataclass, field
from typing import Any

PARAM_CLONE_LIMIT_BYTES = 2 * 1024**3
_AUTOCAST_DEVICES = ("cpu", "cuda")
_SCALARS = (bool, int, float, complex, str, bytes, type(None))
_MODULE_TENSOR_DICTS = ("_parameters", "_buffers", "_modules")


class StateChangedWarning(UserWarning):
    """benchit could not undo a change it made to the script's model (see the message)."""


@dataclass
class _TensorRecord:
    owner: Any
    name: str
    tensor: Any
    version: int | None
    clone: Any = None
    buffer: bool = False


@dataclass
class TorchState:
    """A snapshot of one module's state and of torch's process-wide settings."""

    tensors: list[_TensorRecord] = field(default_factory=list)
    attributes: list[tuple[Any, dict, dict]] = field(default_factory=list)
    globals_: dict[str, Any] = field(default_factory=dict)


def _version(tensor) -> int | None:
    try:
        return tensor._version
    except Exception:  # inference tensors have no version counter
        return None


def _snapshot_module(module, state: TorchState, clone_parameters: bool | None) -> None:
    import torch

    submodules = list(module.modules()) if isinstance(module, torch.nn.Module) else []
    clone_params = clone_parameters
    if clone_params is None:
        param_bytes = sum(p.numel() * p.element_size() for p in module.parameters()) if submodules else 0
        clone_params = param_bytes <= PARAM_CLONE_LIMIT_BYTES
    seen: set[int] = set()
    with torch.inference_mode(False), torch.no_grad():
        for sub in submodules:
            for kind in ("_parameters", "_buffers"):
                for name, tensor in getattr(sub, kind, {}).items():
                    if tensor is None or id(tensor) in seen:
                        continue
                    seen.add(id(tensor))
                    clone = None
                    if kind == "_buffers" or clone_params:
                        clone = tensor.detach().clone()
                    state.tensors.append(
                        _TensorRecord(sub, name, tensor, _version(tensor), clone, kind == "_buffers")
                    )
            attrs = vars(sub)
            saved = {}
            for key, value in attrs.items():
                if type(value) in (list, dict, set) or isinstance(value, dict) and key in _MODULE_TENSOR_DICTS:
                    saved[key] = (value, copy.copy(value))
                else:
                    saved[key] = (value, None)
            state.attributes.append((sub, attrs, saved))


def _restore_module(state: TorchState) -> list[str]:
    import torch

    unrestorable = []
    for sub, attrs, saved in state.attributes:
        for key in [k for k in attrs if k not in saved]:
            del attrs[key]  # an attribute benchit added
        for key, (value, contents) in saved.items():
            if attrs.get(key, _MISSING) is not value:
                attrs[key] = value
            if contents is not None and not _same_contents(value, contents):
                if isinstance(value, list):
                    value[:] = contents
                else:
                    value.clear()
                    value.update(contents)
    with torch.inference_mode(False), torch.no_grad():
        for record in state.tensors:
            touched = record.version is None or _version(record.tensor) != record.version
            if not touched and record.buffer and record.clone is not None:
                # kernels update some buffers in place without bumping their version (BatchNorm's
                # running stats): compare the values
                touched = record.tensor.shape != record.clone.shape or not torch.equal(record.tensor, record.clone)
            if not touched:
                continue  # never copied back needlessly: a copy would bump the version of a tensor
                # the script's pending autograd graph may have saved
            if record.clone is not None:
                if record.tensor.shape != record.clone.shape:
                    record.tensor.data = record.clone
                else:
                    record.tensor.copy_(record.clone)
            else:
                unrestorable.append(f"{type(record.owner).__name__}.{record.name}")
    return unrestorable


_MISSING = object()


def _same_contents(value, contents) -> bool:
    """Equal by identity of the items (never ``==`` on tensors)."""
    if len(value) != len(contents):
        return False
    if isinstance(value, dict):
        return all(key in contents and contents[key] is item for key, item in value.items())
    if isinstance(value, set):
        return value == contents
    return all(a is b for a, b in zip(value, contents))


def _snapshot_globals() -> dict[str, Any]:
    import torch

    saved: dict[str, Any] = {
        "torch_rng": torch.get_rng_state(),
        "python_rng": random.getstate(),
        "grad": torch.is_grad_enabled(),
        "default_dtype": torch.get_default_dtype(),
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "matmul_precision": torch.get_float32_matmul_precision(),
        "deterministic": torch.are_deterministic_algorithms_enabled(),
        "deterministic_warn_only": torch.is_deterministic_algorithms_warn_only_enabled(),
        "autocast": {device: _autocast_state(device) for device in _AUTOCAST_DEVICES},
        "autocast_cache": torch.is_autocast_cache_enabled(),
    }
    try:
        import numpy

        saved["numpy_rng"] = numpy.random.get_state()
    except Exception:
        pass
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        saved["cuda_rng"] = torch.cuda.get_rng_state_all()
    return saved


def _autocast_state(device: str):
    import torch

    try:
        return torch.is_autocast_enabled(device), torch.get_autocast_dtype(device)
    except Exception:
        return None


def _restore_globals(saved: dict[str, Any]) -> None:
    import torch

    torch.set_rng_state(saved["torch_rng"])
    random.setstate(saved["python_rng"])
    if "numpy_rng" in saved:
        import numpy

        numpy.random.set_state(saved["numpy_rng"])
    if "cuda_rng" in saved:
        torch.cuda.set_rng_state_all(saved["cuda_rng"])
    torch.set_grad_enabled(saved["grad"])
    torch.set_default_dtype(saved["default_dtype"])
    if torch.get_num_threads() != saved["threads"]:
        torch.set_num_threads(saved["threads"])
    if torch.get_num_interop_threads() != saved["interop_threads"]:
        with contextlib.suppress(RuntimeError):  # settable once, before any inter-op work
            torch.set_num_interop_threads(saved["interop_threads"])
    torch.set_float32_matmul_precision(saved["matmul_precision"])
    torch.use_deterministic_algorithms(saved["deterministic"], warn_only=saved["deterministic_warn_only"])
    for device, state in saved["autocast"].items():
        if state is not None and _autocast_state(device) != state:
            torch.set_autocast_enabled(device, state[0])
            torch.set_autocast_dtype(device, state[1])
    torch.set_autocast_cache_enabled(saved["autocast_cache"])


def snapshot(module=None, clone_parameters: bool | None = None) -> TorchState:
    state = TorchState(globals_=_snapshot_globals())
    if module is not None:
        _snapshot_module(module, state, clone_parameters)
    return state


def restore(state: TorchState) -> list[str]:
    """Put everything back; returns the uncloned tensors that changed (could not be restored)."""
    unrestorable = _restore_module(state)
    _restore_globals(state.globals_)
    return unrestorable


@contextlib.contextmanager
def preserved_state(module=None, clone_parameters: bool | None = None):
    """Save the module's parameters, buffers and attributes and torch's global state; restore
    them in ``finally``, whatever happened inside (a failed export, a timing loop...).

    ``clone_parameters``: None clones parameters up to ``PARAM_CLONE_LIMIT_BYTES``; False only
    guards them with their version counters (for inner scopes nested in a cloning one).
    Without torch imported (a script of another framework) there is no torch state to keep."""
    if "torch" not in sys.modules:
        yield None
        return
    state = snapshot(module, clone_parameters)
    try:
        yield state
    finally:
        changed = restore(state)
        if changed and clone_parameters is None:
            warnings.warn(
                f"benchit changed parameter(s) {', '.join(changed[:5])} in place and could not restore "
                "them (not copied: too large, or restored by an enclosing scope)", StateChangedWarning,
            )


@contextlib.contextmanager
def clean_context():
    """The context a build and the reference run get, whatever the script was in: autocast off on
    every device, inference mode off, no grad, default dtype float32 (all restored on exit)."""
    if "torch" not in sys.modules:
        yield
        return
    import torch

    saved_dtype = torch.get_default_dtype()
    with contextlib.ExitStack() as stack:
        for device in _AUTOCAST_DEVICES:
            with contextlib.suppress(Exception):
                stack.enter_context(torch.autocast(device, enabled=False))
        stack.enter_context(torch.inference_mode(False))
        stack.enter_context(torch.no_grad())
        torch.set_default_dtype(torch.float32)
        try:
            yield
        finally:
            torch.set_default_dtype(saved_dtype)
