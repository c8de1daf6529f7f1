"""Copies of what the script passed to a model, so that no call benchit makes changes it.

Every call benchit makes to a model (the reference run, the export trace, each warm-up and timed
iteration) works on its own copy of every argument: a KV cache object (``DynamicCache``,
``EncoderDecoderCache``, ``StaticCache``...) or a list the model appends to would otherwise grow
with each call, change what the script computes afterwards, and make every timed iteration see a
longer past than the one before.

``fresh_copy(value)``: a deep copy in which tensors are detached clones (made with inference mode
off, so they are ordinary tensors) and modules are shared (a model is never copied). The copies
for timed runs are made outside the timed window (``Session.reset``).
"""

from __future__ import annotations

import copy
from typing import Any


def fresh_copy(value: Any) -> Any:
    """A deep copy of ``value``: tensors detached and cloned (also the non-leaf ones autograd
    made, which ``copy.deepcopy`` refuses), ``torch.nn.Module`` objects shared."""
    import torch

    memo: dict[int, Any] = {}
    seen: set[int] = set()

    def prepare(item: Any, depth: int = 0) -> None:
        if depth > 8 or id(item) in seen:
            return
        seen.add(id(item))
        if isinstance(item, torch.Tensor):
            memo[id(item)] = item.detach().clone()
        elif isinstance(item, torch.nn.Module):
            memo[id(item)] = item
        elif isinstance(item, (list, tuple, set, frozenset)):
            for part in item:
                prepare(part, depth + 1)
        elif isinstance(item, dict):
            for part in item.values():
                prepare(part, depth + 1)
        elif hasattr(item, "__dict__") and not isinstance(item, type):
            for part in vars(item).values():
                prepare(part, depth + 1)

    with torch.inference_mode(False), torch.no_grad():
        prepare(value)
        return copy.deepcopy(value, memo)
