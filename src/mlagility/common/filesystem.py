"""Filesystem helpers: atomic writes, YAML/JSON state files, safe log files, directory sizes.

Rules every write into a cache follows (see "The cache's rules" in docs/user-guide.md):

- never through a symbolic link: whole files are written to a temp file and renamed over the
  target (a planted link is replaced, its target untouched); files written piecemeal (logs) are
  opened with ``O_NOFOLLOW`` after removing a planted link;
- one mode for every file: ``0o666 & ~umask`` (``mkstemp`` creates 0600: fixed after);
- a write that fails because the disk is full, read-only or not ours raises ``CacheWriteError``,
  one line naming the path and the fix, and leaves no temp file behind.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from mlagility.common.exceptions import CacheError

# errno values that mean "this location cannot be written" rather than a bug
_WRITE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT, errno.EFBIG}


class CacheWriteError(CacheError):
    """A cache location cannot be written (full disk, read-only filesystem, permissions)."""

    def __init__(self, path: str | os.PathLike, error: OSError):
        self.path, self.errno = str(path), error.errno
        if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            fix = "free some space (benchit cache clean --all) or pass another -d/--cache-dir"
        else:
            fix = "make it writable or pass a writable -d/--cache-dir"
        super().__init__(f"cannot write {path}: {error.strerror or error}; {fix}")


def is_write_failure(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in _WRITE_ERRNOS


@contextlib.contextmanager
def writing(path: str | os.PathLike):
    """Turn an ``OSError`` meaning "cannot write here" into a one-line ``CacheWriteError``."""
    try:
        yield
    except OSError as error:
        if is_write_failure(error):
            raise CacheWriteError(path, error) from error
        raise


def umask() -> int:
    """The process umask, read without changing it where Linux allows."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode of every file benchit creates: what ``open()`` would give (0o666 & ~umask)."""
    return 0o666 & ~umask()


def mkdir(path: str | os.PathLike) -> Path:
    """``mkdir -p`` that raises ``CacheWriteError`` when the location cannot be written."""
    path = Path(path)
    if not path.is_dir():  # (on a read-only filesystem mkdir fails even for an existing folder)
        with writing(path):
            path.mkdir(parents=True, exist_ok=True)
    return path


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either the old or the new file, never half.

    A symbolic link at ``path`` is replaced, never written through.
    """
    path = Path(path)
    mkdir(path.parent)
    with writing(path):
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, file_mode())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def check_writable(folder: str | os.PathLike) -> None:
    """Raise ``CacheWriteError`` unless a small file can be written in ``folder`` (then removed)."""
    probe = Path(folder) / f".write_test_{os.getpid()}"
    try:
        atomic_write_bytes(probe, b"mlagility")
    except CacheWriteError as error:  # name the folder, not the probe
        raise CacheWriteError(folder, error.__cause__) from None
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def open_for_writing(path: str | os.PathLike, mode: str = "w", **kwargs):
    """Open a text file (a log) for writing (``"w"``) or appending (``"a"``), never through a link.

    A symbolic link (or anything not a regular file) planted at ``path`` is removed first, its
    target untouched; the file is then opened with ``O_NOFOLLOW``, so a link planted in between
    makes the open fail. New files get mode 0666 minus the umask, like ``open``. Line-buffered,
    UTF-8 with undecodable characters replaced, unless ``kwargs`` say otherwise.
    """
    path = Path(path)
    mkdir(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    flags |= os.O_APPEND if mode.startswith("a") else os.O_TRUNC
    with writing(path):
        if path.is_symlink() or (path.exists() and not path.is_file()):
            remove_path(path)
        fd = os.open(path, flags, 0o666)  # the umask applies, as for open()
    kwargs = {"encoding": "utf-8", "errors": "replace", "buffering": 1, **kwargs}
    return os.fdopen(fd, mode, **kwargs)


def create_file(path: str | os.PathLike) -> bool:
    """Create an empty file if nothing is at ``path`` (links not followed); True if created."""
    with writing(path):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
        except FileExistsError:
            return False
    os.close(fd)
    return True


def remove_path(path: str | os.PathLike) -> None:
    """Remove a file, a link (not its target) or a directory tree (links inside not followed)."""
    import shutil

    path = Path(path)
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path)


def remove_links(folder: str | os.PathLike) -> list[str]:
    """Remove every symbolic link under ``folder`` (not following any); returns their paths."""
    removed = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        for name in [*dirs, *files]:
            full = os.path.join(root, name)
            if os.path.islink(full):
                os.unlink(full)
                removed.append(os.path.relpath(full, folder))
    return removed


def write_yaml(path: str | os.PathLike, data: dict[str, Any]) -> None:
    # libyaml's safe dumper when PyYAML has it: the same safe subset, several times faster.
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    atomic_write_text(path, yaml.dump(data, Dumper=dumper, sort_keys=False, default_flow_style=None))


def read_yaml(path: str | os.PathLike) -> dict[str, Any]:
    """A YAML mapping; raises ``ValueError`` (with the reason) for anything else."""
    with open(path, encoding="utf-8") as handle:
        try:
            # libyaml's safe loader when PyYAML has it (same safe subset, ~10x faster: reports
            # read thousands of build states), else the pure-Python one
            data = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark else ""
            raise ValueError(f"not valid YAML{where}") from None
    if not isinstance(data, dict):
        raise ValueError(f"not a mapping but {type(data).__name__}")
    return data


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

