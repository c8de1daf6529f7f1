"""Raw per-iteration latencies of a benchmark, kept beside its result for later statistics.

One float32 ``.npy`` file per build and runtime (``samples_<device>_<runtime>.npy``, latencies in
ms, in timing order); never pickle. ``--lean-cache`` and ``cache clean`` keep them (a few KiB).
"""

from __future__ import annotations

import os
from pathlib import Path


def samples_path(build_dir: str | os.PathLike, device: str, runtime: str) -> Path:
    return Path(build_dir) / f"samples_{device}_{runtime}.npy"


def save_samples(path: str | os.PathLike, latencies_ms) -> None:
    """Write the latencies (ms) as float32, atomically (temp file + rename)."""
    import tempfile

    import numpy as np

    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.save(handle, np.asarray(latencies_ms, dtype=np.float32), allow_pickle=False)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_samples(path: str | os.PathLike):
    """The latencies (float32 array, ms), or None when the file is missing or not a 1-d array."""
    import numpy as np

    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if not isinstance(data, np.ndarray) or data.ndim != 1 or not data.size:
        return None
    return data


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
