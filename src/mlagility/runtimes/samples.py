"""Raw per-iteration latencies of a benchmark, kept beside its result for later statistics.

One float32 ``.npy`` file per build and runtime (``samples_<device>_<runtime>.npy``, latencies in
ms, in timing order, so autocorrelation and drift stay visible); never pickle. ``--lean-cache`` and
``cache clean`` keep them (a few KiB). The result records the file name (``samples_file``); the
dashboard and ``benchit compare`` read them.
"""

from __future__ import annotations

import os
from pathlib import Path

from mlagility.common.filesystem import atomic_write_bytes, read_regular


def samples_path(build_dir: str | os.PathLike, device: str, runtime: str) -> Path:
    return Path(build_dir) / f"samples_{device}_{runtime}.npy"


def save_samples(path: str | os.PathLike, latencies_ms) -> None:
    """Write the latencies (ms) as float32, atomically (``common/filesystem.atomic_write_bytes``)."""
    import io

    import numpy as np

    buffer = io.BytesIO()
    np.save(buffer, np.asarray(latencies_ms, dtype=np.float32).reshape(-1), allow_pickle=False)
    atomic_write_bytes(path, buffer.getvalue())


def read_samples(path: str | os.PathLike):
    """The latencies (1-d array, ms) in ``path``; raises ``ValueError`` with a one-line reason.

    The file must be a regular file within ``READ_LIMITS["samples"]`` (``read_regular``: a FIFO
    never blocks), a ``.npy`` of version 1 or 2 whose header describes exactly the data the file
    holds (a header claiming more is refused, never allocated), of a numeric dtype, 1-d,
    non-empty and finite.
    """
    import io

    import numpy as np

    data = read_regular(path, "samples")
    buffer = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(buffer)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(buffer)
        elif version == (2, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(buffer)
        else:
            raise ValueError(f"unsupported .npy version {version}")
    except (ValueError, EOFError, SyntaxError, TypeError) as error:
        raise ValueError(f"{path}: not a valid .npy file ({str(error).splitlines()[0] if str(error) else type(error).__name__})") from None
    if dtype.hasobject or dtype.kind not in "fiu":
        raise ValueError(f"{path}: samples of dtype {dtype}, not numbers")
    if len(shape) != 1:
        raise ValueError(f"{path}: samples of shape {shape}, not a 1-d array")
    count, offset = int(shape[0]), buffer.tell()
    if count * dtype.itemsize != len(data) - offset:
        raise ValueError(f"{path}: the header claims {count} samples ({count * dtype.itemsize} bytes), "
                         f"the file holds {len(data) - offset} bytes")
    if not count:
        raise ValueError(f"{path}: no samples")
    samples = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
    if not np.all(np.isfinite(samples)):
        raise ValueError(f"{path}: samples that are not finite numbers")
    return np.array(samples)  # a writable copy, as np.load gave


_WARNED: set[str] = set()


def load_samples(path: str | os.PathLike | None, problems: list[str] | None = None):
    """The latencies (1-d array, ms), or None when the path is None, the file is missing, or it is
    not what ``read_samples`` accepts. The reason (one line) is appended to ``problems`` if given,
    else printed once per path on stderr as a warning; nothing for a missing path (a cleaned or
    moved cache has no samples: its rows say "no samples")."""
    if path is None or (isinstance(path, float) and path != path) or not str(path):  # None or NaN from a report
        return None
    try:
        return read_samples(path)
    except ValueError as error:  # UnreadableFile is a ValueError
        if not _missing(path):
            if problems is not None:
                problems.append(str(error))
            elif str(path) not in _WARNED:
                import sys

                _WARNED.add(str(path))
                print(f"benchit: warning: samples ignored: {error}", file=sys.stderr)
        return None


def _missing(path) -> bool:
    try:
        os.lstat(path)
    except FileNotFoundError:
        return True
    except (OSError, ValueError, TypeError):
        return False
    return False
