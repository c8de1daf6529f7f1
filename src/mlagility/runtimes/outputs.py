"""Saving a runtime's outputs and comparing them with the framework's own (the correctness check).

Outputs are saved as ``.npz`` files that ``np.load`` reads without pickle: every output is
converted to a plain array first (strings to fixed-width unicode ``<U``, a classifier's ZipMap
list of ``{class: probability}`` dicts to a float matrix in class order, numbers held as Python
objects to float64). An output that has no such form (``None``, mixed objects) is saved as the
reason it cannot be compared (``not_compared_<i>``), and the check reports it as "not compared:
<reason>" instead of failing. Reading never trusts pickle (``allow_pickle=False``).

``save_outputs`` raises (a build's reference stage fails with it); ``save_outputs_for_check`` and
``read_outputs`` never raise: a benchmark that finished keeps its measurement whatever happens to
its outputs, and ``compare`` then says why the check could not run (``ok`` None).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlagility.common.exceptions import one_line

# Relative error allowed per precision: max |out - ref| / max |ref|.
TOLERANCES = {"fp32": 1e-3, "fp16": 3e-2, "int8": 1.5e-1}
# An output whose every error is below tolerance x ABSOLUTE_FLOOR passes whatever its scale: an
# output of near-zero values (e.g. 1e-39 after random-weight layers vanish) has no meaningful
# relative error (fp32: 1e-5, as torch.testing's default atol).
ABSOLUTE_FLOOR = 1e-2

_OUTPUT, _NOT_COMPARED = "output_", "not_compared_"


@dataclass(frozen=True)
class NotCompared:
    """An output (or a whole set of outputs) that the check cannot compare, and why."""

    reason: str


class OutputsError(ValueError):
    """A saved outputs file that cannot be read (one line)."""


def outputs_path(build_dir: Path, device: str, runtime: str) -> Path:
    return Path(build_dir) / f"outputs_{device}_{runtime}.npz"


def _is_plain(output: Any) -> bool:
    """An output of a runtime that imports no torch: an array, None or a list (ORT's ZipMap)."""
    import numpy as np

    return output is None or isinstance(output, (np.ndarray, NotCompared)) or (
        isinstance(output, list) and all(isinstance(item, dict) for item in output))


def flatten_outputs(outputs: Any) -> list:
    """Every tensor/array in a (nested) output, as numpy arrays, in pytree order (non-tensor
    outputs of ONNX Runtime / OpenVINO, e.g. ZipMap's list of dicts or None, kept as they are for
    ``to_array``)."""
    import sys

    import numpy as np

    if isinstance(outputs, (list, tuple)) and all(_is_plain(o) for o in outputs):
        return list(outputs)  # ONNX Runtime / OpenVINO children: no torch import there
    if "torch" not in sys.modules:
        return [o if _is_plain(o) else np.asarray(o) for o in outputs]
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


def to_array(output: Any):
    """``output`` as an array that ``np.load`` reads without pickle, or ``NotCompared``."""
    import numpy as np

    if output is None:
        return NotCompared("the output is None")
    if isinstance(output, NotCompared):
        return output
    if isinstance(output, list) and output and all(isinstance(item, dict) for item in output):
        return _zipmap_matrix(output)
    array = output if isinstance(output, np.ndarray) else np.asarray(output, dtype=object)
    if not array.dtype.hasobject:
        return array
    if array.dtype != object:  # a structured dtype with object fields
        return NotCompared(f"a structured array of {array.dtype} (objects inside)")
    items = array.ravel().tolist()
    if items and all(isinstance(item, dict) for item in items):
        return _zipmap_matrix(items)
    if all(isinstance(item, str) for item in items):
        return np.array(items, dtype=str).reshape(array.shape)  # fixed-width unicode: no pickle
    if all(isinstance(item, bytes) for item in items):
        return np.array(items, dtype=bytes).reshape(array.shape)
    if all(isinstance(item, (numbers.Number, np.number, np.bool_)) and not isinstance(item, complex)
           for item in items):
        return np.array(items, dtype=np.float64).reshape(array.shape)
    kinds = sorted({type(item).__name__ for item in items})
    return NotCompared(f"an array of Python objects ({', '.join(kinds)})")


def _zipmap_matrix(rows: list):
    """A ZipMap output (one ``{class: probability}`` per sample) as a float matrix, columns in
    the dicts' order (the classes' order, as the estimator's ``predict_proba``)."""
    import numpy as np

    keys = list(rows[0])
    if any(list(row) != keys for row in rows):
        return NotCompared("a list of dicts with different keys")
    try:
        return np.array([[float(row[key]) for key in keys] for row in rows], dtype=np.float64)
    except (TypeError, ValueError):
        return NotCompared("a list of dicts with non-numeric values")


def save_outputs(path: Path, outputs: Any) -> None:
    """Save ``outputs`` (pickle-free, atomically); raises when the file cannot be written."""
    import io

    import numpy as np

    from mlagility.common.filesystem import atomic_write_bytes  # lazy: keeps yaml off start-up

    entries = {}
    for index, output in enumerate(flatten_outputs(outputs)):
        saved = to_array(output)
        if isinstance(saved, NotCompared):
            entries[f"{_NOT_COMPARED}{index}"] = np.array(saved.reason)
        else:
            entries[f"{_OUTPUT}{index}"] = saved
    buffer = io.BytesIO()
    np.savez(buffer, **entries)
    atomic_write_bytes(path, buffer.getvalue())


def save_outputs_for_check(path: Path, outputs: Any) -> str | None:
    """``save_outputs`` after a finished benchmark: never raises (the measurement is kept); a
    failure is printed (to the benchmark's log) and returned, and no stale file is left behind,
    so the check says the outputs were not saved."""
    try:
        Path(path).unlink(missing_ok=True)
        save_outputs(path, outputs)
        return None
    except Exception as error:
        reason = one_line(error)
        print(f"the outputs for the correctness check were not saved: {reason}", flush=True)
        try:
            Path(path).unlink(missing_ok=True)
        except OSError:
            pass
        return reason


def load_outputs(path: Path) -> list:
    """The saved outputs: arrays, and ``NotCompared`` for those saved as a reason; raises
    ``OutputsError`` (one line) for a file that cannot be read without pickle."""
    import zipfile

    import numpy as np

    if not zipfile.is_zipfile(path):
        raise OutputsError(f"{Path(path).name} is not an .npz file (damaged?); rebuild with --rebuild always")
    try:
        with np.load(path, allow_pickle=False) as saved:
            entries = {}
            for key in saved.files:
                prefix, _, number = key.rpartition("_")
                if f"{prefix}_" not in (_OUTPUT, _NOT_COMPARED) or not number.isdigit():
                    raise OutputsError(f"{Path(path).name}: unexpected entry {key!r}")
                value = saved[key]
                entries[int(number)] = NotCompared(str(value)) if prefix == "not_compared" else value
    except OutputsError:
        raise
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise OutputsError(f"{Path(path).name} holds pickled objects (saved by an older mlagility?); "
                               "rebuild with --rebuild always") from error
        raise OutputsError(f"{Path(path).name} cannot be read: {error}") from error
    except Exception as error:
        raise OutputsError(f"{Path(path).name} cannot be read: {one_line(error)}") from error
    if sorted(entries) != list(range(len(entries))):
        raise OutputsError(f"{Path(path).name}: outputs missing (has {sorted(entries)})")
    return [entries[i] for i in range(len(entries))]


def read_outputs(path: Path | None, what: str = "the runtime's outputs"):
    """``load_outputs`` that never raises: a list, or ``NotCompared`` saying why there is none."""
    if path is None or not Path(path).is_file():
        return NotCompared(f"{what} were not saved (see the benchmark's log)")
    try:
        return load_outputs(path)
    except OutputsError as error:
        return NotCompared(f"{what} cannot be read: {error}")


def compare(reference, candidate, tolerance: float) -> dict[str, Any]:
    """Compare each output with the reference's; never raises.

    Numbers: max absolute and relative error (relative to the output's largest value, or
    absolutely below ``tolerance * ABSOLUTE_FLOOR``). Strings (class labels): exactly, counting
    mismatches. ``ok``: every compared output agrees; None when nothing could be compared (the
    reason in ``error``). An output that cannot be compared is listed with ``not_compared``.
    """
    if isinstance(reference, NotCompared) or isinstance(candidate, NotCompared):
        reason = (reference if isinstance(reference, NotCompared) else candidate).reason
        return {"ok": None, "tolerance": tolerance, "error": f"not compared: {reason}", "outputs": []}
    if len(reference) != len(candidate):
        return {"ok": False, "tolerance": tolerance,
                "error": f"{len(candidate)} outputs, the reference has {len(reference)}", "outputs": []}
    results, problems, compared, ok = [], [], 0, True
    for index, (ref, out) in enumerate(zip(reference, candidate)):
        try:
            entry = _compare_one(index, ref, out, tolerance)
        except Exception as error:  # an output of a kind nobody foresaw: reported, never raised
            entry = {"output": index, "not_compared": one_line(error)}
        results.append(entry)
        if "not_compared" in entry:
            continue
        compared += 1
        if not entry.pop("_ok"):
            ok = False
            problems.append(entry.get("error") or (
                f"output {index}: {entry['mismatches']} of {entry['compared']} values differ"
                if "mismatches" in entry else
                f"output {index}: max rel error {entry['max_rel_error']:.3g} > tolerance {tolerance:g}"))
    check: dict[str, Any] = {"ok": ok if compared else None, "tolerance": tolerance, "outputs": results}
    skipped = [f"output {e['output']}: {e['not_compared']}" for e in results if "not_compared" in e]
    if not compared:
        check["error"] = "not compared: " + "; ".join(skipped)
    elif problems:
        check["error"] = "; ".join(problems)
    if skipped and compared:
        check["not_compared"] = "; ".join(skipped)
    return check


def _compare_one(index: int, ref, out, tolerance: float) -> dict[str, Any]:
    import numpy as np

    for side, value in (("reference", ref), ("runtime", out)):
        if isinstance(value, NotCompared):
            return {"output": index, "not_compared": f"{value.reason} ({side})"}
    ref, out = np.asarray(ref), np.asarray(out)
    if ref.shape != out.shape and ref.size == out.size and ref.squeeze().shape == out.squeeze().shape:
        out = out.reshape(ref.shape)  # (n,) labels against (n, 1)
    if ref.shape != out.shape:
        return {"output": index, "error": f"output {index}: shape {out.shape} vs {ref.shape}", "_ok": False}
    if ref.dtype.kind in "USO" or out.dtype.kind in "USO":  # labels: compared exactly, as text
        differ = int(np.count_nonzero(_as_text(ref) != _as_text(out)))
        return {"output": index, "mismatches": differ, "compared": int(ref.size), "_ok": differ == 0}
    ref, out = ref.astype(np.float64), out.astype(np.float64)
    abs_err = float(np.max(np.abs(out - ref))) if ref.size else 0.0
    scale = float(np.max(np.abs(ref))) if ref.size else 0.0
    rel_err = abs_err / scale if scale > 0 else abs_err
    close = rel_err <= tolerance or abs_err <= tolerance * ABSOLUTE_FLOOR
    finite = bool(np.isfinite(out).all() or not np.isfinite(ref).all())
    return {"output": index, "max_abs_error": abs_err, "max_rel_error": rel_err, "_ok": bool(close) and finite}


def _as_text(array):
    import numpy as np

    if array.dtype.kind == "S":
        return np.char.decode(array, "utf-8", "replace")
    if array.dtype.kind in "iub":  # integer labels against string ones: 1 == "1"
        return array.astype(str)
    if array.dtype.kind == "f":
        return np.array([repr(float(v)) if not float(v).is_integer() else str(int(v)) for v in array.ravel()],
                        dtype=str).reshape(array.shape)
    return array.astype(str)


def compare_tokens(reference, candidate) -> dict[str, Any]:
    """A generation's new token ids (outputs lists holding one batch x new tokens array) against
    the script's own; never raises: ``ok`` when every token is equal; else the first divergent position (the
    index of the new token, 0-based) and how many tokens matched before it."""
    import numpy as np

    for side in (reference, candidate):
        if isinstance(side, NotCompared) or not side:
            reason = side.reason if isinstance(side, NotCompared) else "no tokens saved"
            return {"kind": "tokens", "ok": None, "tolerance": 0, "error": f"not compared: {reason}"}
    reference, candidate = np.asarray(reference[0]), np.asarray(candidate[0])
    check: dict[str, Any] = {"kind": "tokens", "tokens": int(reference.size), "tolerance": 0,
                             "new_tokens": int(reference.shape[-1]) if reference.ndim else 0,
                             "batch_size": int(reference.shape[0]) if reference.ndim > 1 else 1}
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


def logits_at_divergence(check: dict, reference_logits, candidate_logits) -> dict:
    """Adds to a token ``check`` that diverged (``first_divergent_token``) the logits' error at
    that step: the runtime's next-token logits against the reference's for the same prefix (the
    tokens before it are equal), over the batch rows whose token differs there:
    ``logits_max_abs_error`` (max |runtime - reference|) and ``reference_top2_margin`` (the
    reference's top-1 minus top-2 logit, the smallest over those rows: near 0 is a near-tie, where
    fp16/int8 rounding legitimately picks the other token). Both logits: steps x batch x vocab.
    Never raises: what cannot be compared is left out (``logits_note`` says why)."""
    import numpy as np

    first = check.get("first_divergent_token")
    if first is None:
        return check
    try:
        reference, candidate = np.asarray(reference_logits, dtype=np.float64), np.asarray(candidate_logits,
                                                                                          dtype=np.float64)
        if reference.ndim != 3 or candidate.ndim != 3 or min(len(reference), len(candidate)) <= first:
            check["logits_note"] = "no logits at the divergent step"
            return check
        ref, out = reference[first], candidate[first]
        if ref.shape != out.shape:
            check["logits_note"] = f"logits of shape {out.shape} vs the reference's {ref.shape}"
            return check
        ref_tokens, out_tokens = ref.argmax(-1), out.argmax(-1)
        rows = np.nonzero(ref_tokens != out_tokens)[0]
        rows = rows if rows.size else np.arange(ref.shape[0])
        top2 = np.sort(ref[rows], axis=-1)[:, -2:] if ref.shape[-1] > 1 else None
        check["logits_max_abs_error"] = float(np.abs(out[rows] - ref[rows]).max())
        if top2 is not None:
            check["reference_top2_margin"] = float((top2[:, 1] - top2[:, 0]).min())
    except (ValueError, TypeError) as error:  # not numbers: say so, keep the check
        check["logits_note"] = f"logits not comparable ({error})"
        return check
    margin = check.get("reference_top2_margin")
    check["error"] = (f"{check.get('error')}; logits max abs error at {first}: {check['logits_max_abs_error']:.3g}"
                      + (f", top-2 margin of the reference {margin:.3g}" if margin is not None else ""))
    return check
