"""Filesystem helpers: atomic writes, YAML/JSON state files, safe log files, directory sizes.

Rules every write into a cache follows (see "The cache's rules" in docs/user-guide.md):

- never through a symbolic link: whole files are written to a temp file and renamed over the
  target (a planted link is replaced, its target untouched); files written piecemeal (logs) are
  opened with ``O_NOFOLLOW`` after removing a planted link;
- one mode for every file: ``0o666 & ~umask`` (``mkstemp`` creates 0600: fixed after);
- a write that fails because the disk is full, read-only or not ours raises ``CacheWriteError``,
  one line naming the path and the fix, and leaves no temp file behind;
- a folder benchit creates under the cache is never a planted link (``real_folder``).

Files a user names for output (``--json``, ``--html``, report files) go through ``write_output``,
which decides once what the path is: a regular file (or a link to one, or nothing) is written
atomically as above; a device, a FIFO or a file descriptor (``/dev/stdout``, ``/dev/null``) is
written as a stream and never replaced; a directory or a socket is refused with one line.

Files benchit reads from a cache or a report go through ``read_regular``: opened without
blocking (a FIFO never hangs), used only if they are regular files within ``READ_LIMITS``.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Any

import yaml

from mlagility.common.exceptions import CacheError, UsageError

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


class OutputWriteError(UsageError):
    """An output file the user named cannot be written (full disk, permissions, a closed pipe)."""

    def __init__(self, path: str | os.PathLike, error: OSError):
        self.path, self.errno = str(path), error.errno
        super().__init__(f"cannot write {path}: {error.strerror or error}; give another output path")


class UnreadableFile(UsageError, ValueError):
    """A file benchit was asked to read is not a regular file within its size limit, or an OS
    error stops it being read; the message is one line naming the path and the reason."""


# The most benchit reads of each kind of file (bytes): anything bigger is refused unread.
READ_LIMITS = {
    "record": 64 * 2**20,  # a build state or attempt record (YAML): a few KiB normally
    "samples": 1024 * 2**20,  # raw latencies (float32 .npy): 268 million samples
    "report": 4096 * 2**20,  # a report file (JSON/CSV) named by the user
}


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


def bounded_name(text: str, max_bytes: int = 80) -> str:
    """``text`` if it fits in ``max_bytes`` of UTF-8, else its start plus ``~`` and a short hash.

    Every file name benchit derives from user input (a script's name in attempt records and
    logs) goes through it, so a legal 255-byte script name never makes a longer file name; the
    hash keeps cut names apart.
    """
    encoded = text.encode("utf-8", "surrogateescape")
    if len(encoded) <= max_bytes:
        return text
    digest = hashlib.sha256(encoded).hexdigest()[:8]
    head = encoded[: max_bytes - len(digest) - 1].decode("utf-8", "ignore")
    return f"{head}~{digest}"


def real_folder(path: str | os.PathLike, replace_link: bool = True) -> Path:
    """The folder ``path`` (created if missing), never a symbolic link.

    A link planted there is removed (its target untouched) and a real folder made, or with
    ``replace_link=False`` refused with ``CacheError``; a file there is refused. The caller makes
    each folder between the cache root and the file this way, so nothing benchit writes under
    the cache goes through a linked folder.
    """
    path = Path(path)
    with writing(path):
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            info = None
        if info is not None and stat.S_ISLNK(info.st_mode):
            if not replace_link:
                raise CacheError(f"{path} is a symbolic link: refused (delete it)")
            os.unlink(path)
            info = None
        if info is not None and not stat.S_ISDIR(info.st_mode):
            raise CacheError(f"{path} is not a folder: remove it or pass another -d/--cache-dir")
        if info is None:
            with contextlib.suppress(FileExistsError):
                os.mkdir(path, 0o777)
            if os.path.islink(path):  # planted between our mkdir attempt and now
                raise CacheError(f"{path} is a symbolic link: refused (delete it)")
    return path


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
    """A YAML mapping; raises ``ValueError`` (with the reason) for anything else, ``UnreadableFile``
    (a ``ValueError``) for a file that is not regular, too big or cannot be opened."""
    text = read_regular(path, "record").decode("utf-8")
    try:
        # libyaml's safe loader when PyYAML has it (same safe subset, ~10x faster: reports
        # read thousands of build states), else the pure-Python one
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
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



def read_regular(path: str | os.PathLike, kind: str) -> bytes:
    """The bytes of ``path`` if it is a regular file within ``READ_LIMITS[kind]``.

    Opened with ``O_NONBLOCK`` (a FIFO or a device never blocks) and checked with ``fstat`` on
    the open file (what is read is what was checked). Raises ``UnreadableFile``, one line, for a
    FIFO, device, socket or folder, a file over the limit, or any OS error (name too long,
    permission denied, missing).
    """
    limit = READ_LIMITS[kind]
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        raise UnreadableFile(f"cannot read {path}: {error.strerror or error}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(f"cannot read {path}: {_kind_of(info.st_mode)}, not a regular file")
        if info.st_size > limit:
            raise UnreadableFile(f"cannot read {path}: {info.st_size} bytes, over the {limit} bytes "
                                 f"benchit reads for a {kind} file")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # grew while being read
                raise UnreadableFile(f"cannot read {path}: over the {limit} bytes benchit reads for a {kind} file")
        return b"".join(chunks)
    except OSError as error:
        raise UnreadableFile(f"cannot read {path}: {error.strerror or error}") from None
    finally:
        os.close(fd)


def _kind_of(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return name
    return "not a regular file"


# /proc/self/fd/N, /dev/fd/N, /dev/stdout...: a file descriptor of this process
_FD_PATH = re.compile(r"^/(?:proc/(?:self|thread-self|%d)/fd|dev/fd)/(\d+)$" % os.getpid())
_STD_PATHS = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}


def _fd_number(path: str) -> int | None:
    path = os.path.normpath(path)
    if path in _STD_PATHS:
        return _STD_PATHS[path]
    match = _FD_PATH.match(path)
    return int(match.group(1)) if match else None


def output_target(path: str | os.PathLike) -> tuple[str, Any]:
    """What an output path the user named is, following links: ``("file", path)`` (a regular
    file, a link to one, nothing yet: written atomically, a link replaced as in the cache),
    ``("fd", n)`` (a descriptor of this process: ``/dev/stdout``, ``/proc/self/fd/1``),
    ``("stream", path)`` (a device or FIFO: written in place, never replaced). A directory or a
    socket raises ``UsageError`` (one line); so does an OS error on the path."""
    original = str(path)
    current = os.path.abspath(original)
    for _hop in range(40):
        number = _fd_number(current)
        if number is not None:
            return "fd", number
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return "file", Path(original)  # nothing there (or a dangling link): created atomically
        except OSError as error:
            raise UsageError(f"cannot write {original}: {error.strerror or error}; give another output path") from None
        mode = info.st_mode
        if stat.S_ISLNK(mode):
            current = os.path.join(os.path.dirname(current), os.readlink(current))
            continue
        if stat.S_ISREG(mode):
            return "file", Path(original)
        if stat.S_ISDIR(mode):
            raise UsageError(f"{original} is a directory; give a file path")
        if stat.S_ISSOCK(mode):
            raise UsageError(f"{original} is a socket; give a file path")
        return "stream", current  # a character or block device, a FIFO
    raise UsageError(f"cannot write {original}: too many levels of symbolic links; give another output path")


def write_output(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write a file the user asked for (``--json``, ``--html``, a report) to ``path``.

    The one place deciding how (``output_target``): a regular file atomically (temp + rename, a
    link replaced, its target untouched); ``/dev/stdout``, ``/dev/null``, a FIFO or another
    device as a stream, never replaced; a directory or a socket refused. Failures raise
    ``OutputWriteError`` / ``UsageError``, one line. Returns ``path``.
    """
    import sys

    data = data.encode("utf-8") if isinstance(data, str) else data
    kind, where = output_target(path)
    if kind == "file":
        try:
            atomic_write_bytes(where, data)
        except CacheWriteError as error:
            raise OutputWriteError(path, error.__cause__) from None
        except OSError as error:  # e.g. a parent that is a file
            raise OutputWriteError(path, error) from None
        return Path(path)
    try:
        if kind == "fd":
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            _write_all(where, data)
        else:
            flags = os.O_WRONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
            fd = os.open(where, flags)  # never O_CREAT/O_TRUNC: the device or FIFO stays itself
            try:
                _write_all(fd, data)
            finally:
                os.close(fd)
    except OSError as error:
        raise OutputWriteError(path, error) from None
    return Path(path)


def check_path(path: str | os.PathLike, what: str = "path") -> None:
    """Raise ``UsageError`` (one line) if ``path`` cannot even be looked at: a name too long,
    permission denied on the way, a file where a folder should be, a link loop. A missing path
    passes (the caller says what missing means)."""
    try:
        os.stat(path)
    except FileNotFoundError:
        pass
    except OSError as error:
        raise UsageError(f"{what} {path}: {error.strerror or error}") from None


def output_folder(path: str | os.PathLike) -> Path:
    """A folder the user named for output files (``-r/--report-dir``), created if missing; a
    file or an OS error there is one line (``UsageError``)."""
    path = Path(path)
    try:
        if not path.is_dir():
            path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UsageError(f"{path} is not a directory; give a folder for the reports") from None
    except OSError as error:
        raise UsageError(f"cannot create {path}: {error.strerror or error}; give another folder") from None
    return path


def write_json_output(path: str | os.PathLike, data: Any) -> Path:
    """``write_output`` of ``data`` as indented JSON (``--json``)."""
    return write_output(path, json.dumps(data, indent=2, default=str))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def file_sha256(path: str | os.PathLike) -> str:
    """The sha256 of a file's bytes (hex), read in 1 MiB blocks."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
