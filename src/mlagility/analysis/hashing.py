"""Stable 8-hex hashes for models (architecture), weights, and invocations (inputs)."""

from __future__ import annotations

import hashlib
import inspect
import re
from typing import Any

from mlagility.analysis.model_info import InputSpec

_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def short_hash(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()[:8]


def model_hash(module) -> str:
    """Hash of the architecture: class, printed structure, and parameter names/shapes/dtypes.

    Weights and memory addresses do not enter it, so it is stable across runs and processes.
    """
    cls = type(module)
    parts = [f"{cls.__module__}.{cls.__qualname__}", _ADDRESS.sub("0x", repr(module))]
    for name, tensor in list(module.named_parameters()) + list(module.named_buffers()):
        parts.append(f"{name}:{tuple(tensor.shape)}:{tensor.dtype}")
    return short_hash("\n".join(parts))


def weight_tensors(module) -> list:
    """The model's weights: its parameters, plus the packed weights of quantized modules
    (``torch.ao.quantization.quantize_dynamic`` keeps qint8 weights outside ``parameters()``)."""
    import torch

    tensors = list(module.parameters())
    for name, value in module.state_dict(keep_vars=True).items():
        if name.endswith("_packed_params._packed_params") and isinstance(value, tuple):
            tensors.extend(t for t in value if isinstance(t, torch.Tensor))
    return tensors


def weights_hash(module) -> str:
    """Hash of every parameter and buffer value (used to notice changed weights)."""
    import torch

    digest = hashlib.blake2b(digest_size=16)
    with torch.no_grad():
        for name, tensor in list(module.named_parameters()) + list(module.named_buffers()):
            digest.update(name.encode())
            data = tensor.detach().cpu().contiguous().reshape(-1)
            digest.update(data.view(torch.uint8).numpy().tobytes() if data.numel() else b"")
    return digest.hexdigest()[:16]


def bind_inputs(module, args: tuple, kwargs: dict) -> list[tuple[str, Any]]:
    """The call's inputs as (parameter name, value), in the order of ``forward``'s signature."""
    try:
        bound = inspect.signature(module.forward).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return [(f"arg{i}", value) for i, value in enumerate(args)] + list(kwargs.items())
    named = []
    for name, value in bound.arguments.items():
        param = bound.signature.parameters[name]
        if param.kind is param.VAR_POSITIONAL:
            named.extend((f"{name}_{i}", item) for i, item in enumerate(value))
        elif param.kind is param.VAR_KEYWORD:
            named.extend(value.items())
        else:
            named.append((name, value))
    return named


def flatten_tensors(named_inputs: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Every tensor in the inputs (nested lists/tuples/dicts too), named after its parameter."""
    import torch
    from torch.utils import _pytree

    flat = []
    for name, value in named_inputs:
        leaves = _pytree.tree_leaves(value)
        tensors = [leaf for leaf in leaves if isinstance(leaf, torch.Tensor)]
        if len(tensors) == 1 and isinstance(value, torch.Tensor):
            flat.append((name, value))
        else:
            flat.extend((f"{name}_{i}", tensor) for i, tensor in enumerate(tensors))
    return flat


def input_signature(module, args: tuple, kwargs: dict) -> tuple[str, list[InputSpec]]:
    """A canonical text of the input structure, shapes, dtypes and constants, and tensor specs."""
    import torch
    from torch.utils import _pytree

    named = bind_inputs(module, args, kwargs)
    parts = []
    for name, value in named:
        leaves, spec = _pytree.tree_flatten(value)
        described = [
            f"T{tuple(leaf.shape)}{leaf.dtype}" if isinstance(leaf, torch.Tensor) else _constant(leaf)
            for leaf in leaves
        ]
        parts.append(f"{name}={spec}:{described}")
    specs = [
        InputSpec(name, tuple(tensor.shape), str(tensor.dtype).replace("torch.", ""))
        for name, tensor in flatten_tensors(named)
    ]
    return "|".join(parts), specs


def tensor_specs(args: tuple, kwargs: dict) -> list[InputSpec]:
    """The tensors of a call that is not bound to ``forward`` (``generate()``): positional ones
    named ``inputs``/``arg<i>``, keyword ones by their keyword."""
    named = [("inputs" if i == 0 else f"arg{i}", value) for i, value in enumerate(args)] + list(kwargs.items())
    return [InputSpec(name, tuple(tensor.shape), str(tensor.dtype).replace("torch.", ""))
            for name, tensor in flatten_tensors(named)]


def constant_arguments(module, args: tuple, kwargs: dict) -> list[tuple[str, str]]:
    """The call's non-tensor arguments as (name, short text), e.g. ``("steps", "3")``,
    ``("mask", "None")``; arguments holding tensors are described by their tensor specs instead.
    Defaults the call did not pass are not listed (they are the same on every call)."""
    import torch
    from torch.utils import _pytree

    constants = []
    for name, value in bind_inputs(module, args, kwargs):
        leaves = _pytree.tree_leaves(value)
        if any(isinstance(leaf, torch.Tensor) for leaf in leaves):
            continue
        text = repr(value) if value is None or isinstance(value, (bool, int, float, str)) else _constant(value)
        constants.append((name, text if len(text) <= 60 else text[:57] + "..."))
    return constants


def _constant(value: Any) -> str:
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    return type(value).__qualname__


def invocation_hash(model_hash_: str, signature: str, parent: str | None = None, instance: int = 0) -> str:
    """``instance``: 0 for the first model object with this architecture in a script, 1 for the
    second (a teacher next to its student)...: each object gets its own builds and results."""
    suffix = f"|instance{instance}" if instance else ""
    return short_hash(f"{model_hash_}|{signature}|{parent or ''}{suffix}")
