"""The cache: where builds live, its marker, safe build paths, listing, locking and cleaning builds.

The cache's rules (docs/user-guide.md, "The cache's rules"):

- A directory benchit created is a cache: whatever creates the cache directory (a build, an
  attempt record, a log of ``--process-isolation``) creates the marker first. A directory
  without the marker that holds only benchit's own folders (``_attempts``, ``_logs``, left by
  older versions) is adopted; anything else is refused.
- Every folder benchit makes in a cache (a build, ``_attempts``, ``_locks``, ``_logs``, ``_slurm``)
  is made by ``cache_folder``: the cache is re-established first (a cache removed during a run is
  recreated with its marker), and no folder between the cache root and a file is a symbolic link
  (a planted link to one of benchit's own folders is replaced, a linked build folder refused).
- A build is a directory of the cache, named by the directory. Its state is read back
  validated: a directory without a state file is ``incomplete``, one whose state cannot be read is
  ``unreadable``, one whose state names another build is a ``copy of <that build>``. Each
  directory is listed, cleaned and deleted once, by its own name.
- Each build has a lock (``.lock`` in its directory, ``flock``): a build is built and benchmarked
  under it; ``cache delete``/``clean`` take it without waiting and skip a build another process
  holds. A ``building`` state or a ``running`` benchmark whose lock is free was left by a process
  that died: it is shown as ``incomplete``.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
from dataclasses import dataclass
from pathlib import Path

from mlagility.builds.state import BuildState, UnreadableState, now
from mlagility.common import filesystem
from mlagility.common.exceptions import CacheError, UsageError

MARKER = ".mlagility_cache"
ENV_VAR = "MLAGILITY_CACHE_DIR"
LOCK_FILE = ".lock"
OWN_FOLDERS = ("_attempts", "_logs", "_locks", "_slurm")  # benchit's own folders in a cache (not builds)
_VALID_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def resolve_cache_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """The cache directory: the flag, else ``MLAGILITY_CACHE_DIR``, else ``~/.cache/mlagility``."""
    chosen = cache_dir or os.environ.get(ENV_VAR) or Path.home() / ".cache" / "mlagility"
    try:
        path = Path(chosen).expanduser().resolve()
        os.stat(path)
    except FileNotFoundError:  # created when needed
        pass
    except (OSError, RuntimeError) as error:  # name too long, permission denied, a file on the way, a link loop
        reason = getattr(error, "strerror", None) or str(error)
        raise CacheError(f"cache path {chosen}: {reason}; pass another -d/--cache-dir or {ENV_VAR}") from None
    return path


def sanitize_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\-]", "_", text).strip("._-") or "model"


MAX_STEM = 60


def derive_build_name(stem: str, author: str, invocation_hash: str, suffix: str = "") -> str:
    """A build name from any legal file name: ``<stem>[_<author>]_<hash>[_fp16]``.

    Characters outside ``[A-Za-z0-9_.-]`` (spaces, non-ASCII letters) become ``_``, leading
    ``._-`` are dropped and the stem is cut to 60 characters; the invocation hash keeps names
    apart.
    """
    stem = sanitize_name(stem)[:MAX_STEM]
    author = sanitize_name(author)[:30] if author else ""
    return "_".join(part for part in (stem, author, invocation_hash) if part) + suffix


class BuildLock:
    """An exclusive ``flock`` on a build's ``.lock`` file (never followed through a link).

    ``with BuildLock(dir):`` waits for it; ``try_acquire()`` returns False at once if another
    process (or another open of it in this process) holds it.
    """

    def __init__(self, build_dir: Path, create_dir: bool = True):
        self.dir, self.create_dir, self._fd = Path(build_dir), create_dir, None

    def _open(self) -> int:
        if self.create_dir:
            if self.dir.is_symlink():
                raise CacheError(f"build folder {self.dir} is a symbolic link: refused (delete it)")
            cache_folder(self.dir.parent, self.dir.name)
        path = self.dir / LOCK_FILE
        with filesystem.writing(path):
            if path.is_symlink():
                path.unlink()
            return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)

    def try_acquire(self) -> bool:
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            os.close(fd)
            if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                return False
            raise
        if not self._still_linked(fd):
            os.close(fd)
            return False
        self._fd = fd
        return True

    def acquire(self) -> None:
        while True:
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                os.close(fd)
                raise
            if self._still_linked(fd):
                self._fd = fd
                return
            os.close(fd)  # the build was deleted while we waited: lock the new one

    def _still_linked(self, fd: int) -> bool:
        try:
            current = os.stat(self.dir / LOCK_FILE, follow_symlinks=False)
        except FileNotFoundError:
            return False
        held = os.fstat(fd)
        return (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "BuildLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def build_in_use(build_dir: Path) -> bool:
    """Whether another process holds the build's lock now (building or benchmarking it)."""
    if not (build_dir / LOCK_FILE).is_file() or (build_dir / LOCK_FILE).is_symlink():
        return False
    lock = BuildLock(build_dir, create_dir=False)
    try:
        if lock.try_acquire():
            lock.release()
            return False
    except OSError:  # cannot even open the lock (read-only cache): nobody can be writing
        return False
    return True


@dataclass
class BuildEntry:
    """One build directory of a cache and what its state file says."""

    dir: Path
    state: BuildState | UnreadableState | None

    @property
    def name(self) -> str:
        return self.dir.name

    @property
    def copy_of(self) -> str | None:
        """The build this directory is a copy of (its state names another build), else None."""
        if isinstance(self.state, BuildState) and self.state.build_name != self.name:
            return self.state.build_name
        return None

    @property
    def valid(self) -> bool:
        """A build with a readable state of its own (reported, reused)."""
        return isinstance(self.state, BuildState) and self.copy_of is None

    def incomplete(self) -> list[str]:
        """What a dead process left unfinished in this build: "build", "device/runtime"..."""
        if not isinstance(self.state, BuildState):
            return []
        left = ["build"] if self.state.status == "building" else []
        left += [key for key, bench in self.state.benchmarks.items() if bench.get("status") == "running"]
        if left and build_in_use(self.dir):
            return []  # still being worked on by a live process
        return left

    def status(self) -> str:
        """One word or phrase for listings: the state's status, or what is wrong with it."""
        if self.state is None:
            return "incomplete (no state file)"
        if isinstance(self.state, UnreadableState):
            return f"unreadable ({self.state.reason})"
        if self.copy_of:
            return f"copy of {self.copy_of}"
        left = self.incomplete()
        if "build" in left:
            return "incomplete (the build process died)"
        if left:
            return f"{self.state.status}, incomplete benchmark ({', '.join(left)}: the process died)"
        return self.state.status + (" (cleaned)" if self.state.cleaned else "")


class Cache:
    def __init__(self, root: str | os.PathLike | None = None):
        self.root = resolve_cache_dir(root)

    def _foreign(self) -> bool:
        """A non-empty directory without the marker holding anything but benchit's own folders."""
        if (self.root / MARKER).exists():
            return False
        try:
            return any(child.name not in OWN_FOLDERS for child in self.root.iterdir())
        except OSError as error:  # e.g. permission denied
            raise CacheError(f"cannot read the cache {self.root}: {error.strerror or error}; "
                             "pass another -d/--cache-dir") from None

    def ensure(self) -> "Cache":
        """Create the cache (marker first) if needed; refuse a directory that is not a cache."""
        if self.root.exists() and not self.root.is_dir():
            raise CacheError(f"cache path {self.root} is a file: pass a directory with -d/--cache-dir")
        if self.root.is_dir() and self._foreign():
            raise CacheError(
                f"{self.root} is not an mlagility cache (no {MARKER} marker): choose an empty or new "
                "directory with -d/--cache-dir"
            )
        filesystem.mkdir(self.root)
        if not (self.root / MARKER).exists():
            filesystem.create_file(self.root / MARKER)
        return self

    def build_dir(self, build_name: str) -> Path:
        """The directory of a build; names that could escape the cache are refused."""
        if not _VALID_NAME.match(build_name) or ".." in build_name:
            raise UsageError(
                f"invalid build name {build_name!r}: use letters, digits, '_', '-' and '.' only"
            )
        return self.root / build_name

    def existing(self) -> "Cache":
        """This cache, which must exist and be a cache (for commands that read or delete)."""
        if not self.root.is_dir():
            raise CacheError(f"no cache at {self.root}: run benchit first or pass -d/--cache-dir")
        if self._foreign():
            raise CacheError(f"{self.root} is not an mlagility cache (no {MARKER} marker): pass -d/--cache-dir")
        return self

    def existing_build_dir(self, build_name: str) -> Path:
        """A build directory that really is a build inside this cache (no links, no escapes).

        Any directory of the cache counts, also one without a state file or with an unreadable one.
        """
        path = self.build_dir(build_name)
        if path.is_symlink() or path.resolve().parent != self.root:
            raise UsageError(f"build {build_name!r} resolves outside the cache {self.root}: refused")
        if not path.is_dir():
            raise UsageError(f"no build named {build_name!r} in {self.root} (see benchit cache list)")
        return path

    def state(self, build_name: str) -> BuildState:
        state = BuildState.load(self.existing_build_dir(build_name))
        if state is None:
            raise CacheError(f"build {build_name!r} has no state file (incomplete)")
        if isinstance(state, UnreadableState):
            raise CacheError(f"the state file of build {build_name!r} is unreadable: {state.reason}")
        return state

    def entries(self) -> list[BuildEntry]:
        """Every build directory of the cache, once each, in name order."""
        if not self.root.is_dir() or self._foreign():
            return []
        try:
            children = sorted(self.root.iterdir())
        except OSError as error:  # e.g. permission denied
            raise CacheError(f"cannot read the cache {self.root}: {error.strerror or error}; "
                             "pass another -d/--cache-dir") from None
        return [
            BuildEntry(child, BuildState.load(child))
            for child in children
            if child.is_dir() and not child.is_symlink() and _VALID_NAME.match(child.name)
        ]

    def builds(self) -> list[BuildState]:
        """The readable states of builds that are their own (no copies, nothing unreadable)."""
        return [entry.state for entry in self.entries() if entry.valid]


def cache_folder(root: str | os.PathLike, *parts: str) -> Path:
    """``<root>/<parts...>``, made as a folder of a valid cache: the one way benchit makes folders
    in a cache.

    The cache is (re-)established first (``Cache.ensure``: a cache removed while a sweep runs is
    recreated, marker first; a foreign directory refused); each folder on the way is a real
    folder (``filesystem.real_folder``), never a planted link: a link at one of benchit's own
    folders is replaced (its target untouched), a build folder that is a link is refused.
    """
    path = Cache(root).ensure().root
    own = bool(parts) and parts[0] in OWN_FOLDERS
    for part in parts:
        path = filesystem.real_folder(path / part, replace_link=own)
    return path


HEAVY_SUFFIXES = (".onnx", ".data", ".npz")


def clean_build(build_dir: Path) -> int:
    """Remove a build's heavy artifacts (ONNX files, weights, inputs); keep logs, state, results.

    Returns the bytes freed. The state keeps listing the artifacts, so a later benchmark sees
    them missing and rebuilds ("artifact missing: ...") instead of failing. The caller holds the
    build's lock.
    """
    freed = 0
    for child in build_dir.iterdir():
        if child.is_file() and not child.is_symlink() and child.name.endswith(HEAVY_SUFFIXES):
            freed += child.stat().st_size
            child.unlink()
    state = BuildState.load(build_dir)
    if isinstance(state, BuildState) and state.build_name == build_dir.name:
        state.cleaned = now()
        state.save(build_dir)
    return freed
