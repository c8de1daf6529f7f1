"""Raw per-iteration latencies of a benchmark, kept beside its result for later statistics.

One float32 ``.npy`` file per build and runtime (``samples_<device>_<runtime>.npy``, latencies in
ms, in timing order, so autocorrelation and drift stay visible); never pickle. ``--lean-cache`` and
``cache clean`` keep them (a few KiB). The result records the file name (``samples_file``); the
dashboard and ``benchit compare`` read them.
"""

from __future__ import annotations

import os
from pathlib import Path


def samples_path(build_dir: str | os.PathLike, device: str, runtime: str) -> Path:
    return Path(build_dir) / f"samples_{device}_{runtime}.npy"


def save_samples(path: str | os.PathLike, latencies_ms) -> None:
    """Write the latencies (ms) as float32, atomically (``common/filesystem.atomic_write_bytes``)."""
    import io

    import numpy as np

    from mlagility.common.filesystem import atomic_write_bytes

    buffer = io.BytesIO()
    np.save(buffer, np.asarray(latencies_ms, dtype=np.float32).reshape(-1), allow_pickle=False)
    atomic_write_bytes(path, buffer.getvalue())


def load_samples(path: str | os.PathLike | None):
    """The latencies (1-d array, ms), or None when the path is None, the file is missing, or it is
    not a non-empty 1-d array of finite numbers."""
    import numpy as np

    if path is None or (isinstance(path, float) and path != path):  # None or NaN from a report
        return None
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(data, np.ndarray) or data.ndim != 1 or not data.size or data.dtype.kind not in "fiu":
        return None
    if not np.all(np.isfinite(data)):
        return None
    return data
