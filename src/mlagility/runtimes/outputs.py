"""Saving a runtime's outputs and comparing them with PyTorch eager's (the correctness check)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# Relative error allowed per precision: max |out - ref| / max |ref|.
TOLERANCES = {"fp32": 1e-3, "fp16": 3e-2, "int8": 1.5e-1}
# An output whose every error is below tolerance x ABSOLUTE_FLOOR passes whatever its scale: an
# output of near-zero values (e.g. 1e-39 after random-weight layers vanish) has no meaningful
# relative error (fp32: 1e-5, as torch.testing's default atol).
ABSOLUTE_FLOOR = 1e-2


def outputs_path(build_dir: Path, device: str, runtime: str) -> Path:
    return Path(build_dir) / f"outputs_{device}_{runtime}.npz"


def flatten_outputs(outputs: Any) -> list:
    """Every tensor/array in a (nested) output, as numpy arrays, in pytree order."""
    import sys

    import numpy as np

    if isinstance(outputs, (list, tuple)) and all(isinstance(o, np.ndarray) for o in outputs):
        return list(outputs)  # ONNX Runtime / OpenVINO children: no torch import there
    if "torch" not in sys.modules:
        return [np.asarray(o) for o in outputs]
    import torch
    from torch.utils import _pytree

    arrays = []
    for leaf in _pytree.tree_leaves(outputs):
        if isinstance(leaf, torch.Tensor):
            tensor = leaf.detach().cpu()
            arrays.append(tensor.float().numpy() if tensor.is_floating_point() else tensor.numpy())
        elif isinstance(leaf, np.ndarray):
            arrays.append(leaf)
    return arrays


def save_outputs(path: Path, outputs: Any) -> None:
    import numpy as np

    arrays = flatten_outputs(outputs)
    np.savez(path, **{f"output_{i}": a for i, a in enumerate(arrays)})


def load_outputs(path: Path) -> list:
    import numpy as np

    with np.load(path) as saved:
        return [saved[f"output_{i}"] for i in range(len(saved.files))]


def compare(reference: list, candidate: list, tolerance: float) -> dict[str, Any]:
    """Max absolute and relative error per output; ``ok`` when every output is within tolerance
    (relative to the output's largest value, or absolutely below ``tolerance * ABSOLUTE_FLOOR``)."""
    import numpy as np

    if len(reference) != len(candidate):
        return {"ok": False, "tolerance": tolerance,
                "error": f"{len(candidate)} outputs, PyTorch eager has {len(reference)}", "outputs": []}
    results, ok = [], True
    for index, (ref, out) in enumerate(zip(reference, candidate)):
        ref, out = np.asarray(ref, dtype=np.float64), np.asarray(out, dtype=np.float64)
        if ref.shape != out.shape:
            results.append({"output": index, "error": f"shape {out.shape} vs {ref.shape}"})
            ok = False
            continue
        abs_err = float(np.max(np.abs(out - ref))) if ref.size else 0.0
        scale = float(np.max(np.abs(ref))) if ref.size else 0.0
        rel_err = abs_err / scale if scale > 0 else abs_err
        close = rel_err <= tolerance or abs_err <= tolerance * ABSOLUTE_FLOOR
        ok &= bool(close) and bool(np.isfinite(out).all() or not np.isfinite(ref).all())
        results.append({"output": index, "max_abs_error": abs_err, "max_rel_error": rel_err})
    return {"ok": ok, "tolerance": tolerance, "outputs": results}


def compare_tokens(reference, candidate) -> dict[str, Any]:
    """A generation's new token ids (batch x new tokens) against the framework's own
    ``generate()``: ``ok`` when every token is equal; else the first divergent position (the
    index of the new token, 0-based) and how many tokens matched before it."""
    import numpy as np

    reference, candidate = np.asarray(reference), np.asarray(candidate)
    check: dict[str, Any] = {"kind": "tokens", "tokens": int(reference.size), "tolerance": 0}
    if reference.shape != candidate.shape:
        check.update(ok=False, error=f"{candidate.shape[-1] if candidate.ndim else 0} new tokens generated, "
                     f"{reference.shape[-1] if reference.ndim else 0} expected")
        return check
    differs = np.nonzero((reference != candidate).any(axis=0) if reference.ndim > 1 else reference != candidate)[0]
    if differs.size:
        first = int(differs[0])
        check.update(ok=False, first_divergent_token=first,
                     error=f"tokens differ from position {first} on ({first} of {reference.shape[-1]} equal)")
    else:
        check["ok"] = True
    return check
