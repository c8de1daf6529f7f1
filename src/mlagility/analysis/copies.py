"""Copies of what the script passed to a model, so that no call benchit makes changes it.

Every call benchit makes to a model (the reference run, the export trace, each warm-up and timed
iteration) works on its own copy of every argument: a KV cache object (``DynamicCache``,
``EncoderDecoderCache``, ``StaticCache``...) or a list the model appends to would otherwise grow
with each call, change what the script computes afterwards, and make every timed iteration see a
longer past than the one before.

``fresh_copy(value)``: a deep copy in which tensors are detached clones (made with inference mode
off, so they are ordinary tensors) and modules are shared (a model is never copied).
``needs_fresh_copies(args, kwargs)``: whether a call holds anything a model could change between
two calls other than tensor values (containers and non-tensor objects); a call of tensors and
constants only is reused as it is (tensors a model writes into in place are not detected).
"""

from __future__ import annotations

import copy
from typing import Any

_IMMUTABLE = (int, float, complex, bool, str, bytes, type(None), type(Ellipsis), range, slice)


def fresh_copy(value: Any) -> Any:
    """A deep copy of ``value``: tensors detached and cloned, ``torch.nn.Module`` objects shared."""
    import torch

    memo: dict[int, Any] = {}

    def share_modules(item: Any, depth: int = 0) -> None:
        if depth > 8:
            return
        if isinstance(item, torch.nn.Module):
            memo[id(item)] = item
        elif isinstance(item, (list, tuple, set)):
            for part in item:
                share_modules(part, depth + 1)
        elif isinstance(item, dict):
            for part in item.values():
                share_modules(part, depth + 1)

    share_modules(value)
    with torch.inference_mode(False), torch.no_grad():
        return copy.deepcopy(value, memo)


def needs_fresh_copies(args: tuple, kwargs: dict) -> bool:
    """True when the call holds a mutable container or a non-tensor object anywhere."""
    import torch

    def mutable(item: Any, depth: int = 0) -> bool:
        if isinstance(item, torch.Tensor) or isinstance(item, _IMMUTABLE):
            return False
        if isinstance(item, (torch.dtype, torch.device, torch.nn.Module)):
            return False
        if isinstance(item, tuple) and depth < 8:
            return any(mutable(part, depth + 1) for part in item)
        return True  # a list, a dict, a cache object, any other object

    return any(mutable(a) for a in args) or any(mutable(v) for v in kwargs.values())
