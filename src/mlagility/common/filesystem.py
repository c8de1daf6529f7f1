"""Filesystem helpers: atomic writes, YAML/JSON state files, directory sizes."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see either the old or the new file, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_yaml(path: str | os.PathLike, data: dict[str, Any]) -> None:
    # libyaml's safe dumper when PyYAML has it: the same safe subset, several times faster.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    atomic_write_text(path, yaml.dump(data, Dumper=dumper, sort_keys=False, default_flow_style=None))


def read_yaml(path: str | os.PathLike) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        # libyaml's safe loader when PyYAML has it (same safe subset, ~10x faster: reports read
        # thousands of build states), else the pure-Python one
        data = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return data if isinstance(data, dict) else {}


def write_json(path: str | os.PathLike, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, default=str))


def directory_size(path: str | os.PathLike) -> int:
    """Bytes used by the regular files under ``path`` (0 if it does not exist)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def open_for_writing(path: str | os.PathLike, mode: str = "w"):
    """Open a text file for writing (``"w"``) or appending (``"a"``), never through a symlink.

    A symlink planted at ``path`` makes this raise ``OSError`` (``O_NOFOLLOW``) instead of
    truncating the link's target. New files get mode 0666 minus the umask, like ``open``.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, flags, 0o666)
    return os.fdopen(fd, mode, encoding="utf-8", errors="replace", buffering=1)
