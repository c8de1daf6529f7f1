"""Raw per-iteration latencies of one benchmark, kept next to the build for later statistics.

One ``float32`` ``.npy`` file per (device, runtime) in the build directory:
``<build_dir>/samples_<device>_<runtime>.npy``, in milliseconds, in timing order (so that
autocorrelation and drift stay visible). Never pickled; written atomically (temp file + rename);
kept by ``--lean-cache`` and ``benchit cache clean`` (``.npy`` is not a heavy suffix).
The build state records the file name in ``benchmarks["<device>/<runtime>"]["samples_file"]``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterable

SAMPLES_KEY = "samples_file"


def samples_name(device: str, runtime: str) -> str:
    return f"samples_{device}_{runtime}.npy"


def samples_path(build_dir, device: str, runtime: str) -> Path:
    """``<build_dir>/samples_<device>_<runtime>.npy``."""
    return Path(build_dir) / samples_name(device, runtime)


def save_samples(path, latencies_ms: Iterable[float]) -> Path:
    """Write the latencies (ms) as a 1-D float32 ``.npy``, atomically (temp file + rename)."""
    import numpy as np

    path = Path(path)
    data = np.asarray(list(latencies_ms) if not hasattr(latencies_ms, "__array__") else latencies_ms,
                      dtype=np.float32).reshape(-1)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            np.save(stream, data, allow_pickle=False)
        if path.is_symlink():  # never write through a link
            path.unlink()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_samples(path) -> "numpy.ndarray | None":  # noqa: F821
    """The latencies saved at ``path`` as a 1-D float array; None when missing or invalid."""
    import numpy as np

    if path is None:
        return None
    path = Path(path)
    if not path.is_file() or path.is_symlink():
        return None
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if not isinstance(data, np.ndarray) or data.dtype.kind not in "fiu" or data.ndim != 1 or data.size == 0:
        return None
    data = data.astype(np.float64)
    if not np.all(np.isfinite(data)):
        return None
    return data
