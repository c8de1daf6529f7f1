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
