"""The cache: where builds live, its marker, safe build paths, listing builds."""

from __future__ import annotations

import os
import re
from pathlib import Path

from mlagility.builds.state import STATE_FILE, BuildState
from mlagility.common.exceptions import CacheError, UsageError

MARKER = ".mlagility_cache"
ENV_VAR = "MLAGILITY_CACHE_DIR"
_VALID_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


def resolve_cache_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """The cache directory: the flag, else ``MLAGILITY_CACHE_DIR``, else ``~/.cache/mlagility``."""
    chosen = cache_dir or os.environ.get(ENV_VAR) or Path.home() / ".cache" / "mlagility"
    return Path(chosen).expanduser().resolve()


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


class Cache:
    def __init__(self, root: str | os.PathLike | None = None):
        self.root = resolve_cache_dir(root)

    def ensure(self) -> "Cache":
        """Create the cache if needed; refuse a non-empty directory that is not a cache."""
        if self.root.exists() and not self.root.is_dir():
            raise CacheError(f"cache path {self.root} is a file: pass a directory with -d/--cache-dir")
        if self.root.is_dir() and any(self.root.iterdir()) and not (self.root / MARKER).exists():
            raise CacheError(
                f"{self.root} is not an mlagility cache (no {MARKER} marker): choose an empty or new "
                "directory with -d/--cache-dir"
            )
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / MARKER).touch()
        return self

    def build_dir(self, build_name: str) -> Path:
        """The directory of a build; names that could escape the cache are refused."""
        if not _VALID_NAME.match(build_name) or ".." in build_name:
            raise UsageError(
                f"invalid build name {build_name!r}: use letters, digits, '_', '-' and '.' only"
            )
        return self.root / build_name

    def existing(self) -> "Cache":
        """This cache, which must exist and carry the marker (for commands that read or delete)."""
        if not self.root.is_dir():
            raise CacheError(f"no cache at {self.root}: run benchit first or pass -d/--cache-dir")
        if not (self.root / MARKER).exists():
            raise CacheError(f"{self.root} is not an mlagility cache (no {MARKER} marker): pass -d/--cache-dir")
        return self

    def existing_build_dir(self, build_name: str) -> Path:
        """A build directory that really is a build inside this cache (no links, no escapes)."""
        path = self.build_dir(build_name)
        if path.is_symlink() or path.resolve().parent != self.root:
            raise UsageError(f"build {build_name!r} resolves outside the cache {self.root}: refused")
        if not (path / STATE_FILE).is_file():
            raise UsageError(f"no build named {build_name!r} in {self.root} (see benchit cache list)")
        return path

    def state(self, build_name: str) -> BuildState:
        state = BuildState.load(self.existing_build_dir(build_name))
        if state is None:
            raise CacheError(f"the state file of build {build_name!r} is unreadable")
        return state

    def builds(self) -> list[BuildState]:
        if not (self.root / MARKER).exists():
            return []
        states = []
        for child in sorted(self.root.iterdir()):
            if child.is_dir() and not child.is_symlink() and (child / STATE_FILE).is_file():
                state = BuildState.load(child)
                if state is not None:
                    states.append(state)
        return states


HEAVY_SUFFIXES = (".onnx", ".data", ".npz")


def clean_build(build_dir: Path) -> int:
    """Remove a build's heavy artifacts (ONNX files, weights, inputs); keep logs, state, results.

    Returns the bytes freed. The state keeps listing the artifacts, so a later benchmark sees
    them missing and rebuilds ("artifact missing: ...") instead of failing.
    """
    from mlagility.builds.state import now

    freed = 0
    for child in build_dir.iterdir():
        if child.is_file() and not child.is_symlink() and child.name.endswith(HEAVY_SUFFIXES):
            freed += child.stat().st_size
            child.unlink()
    state = BuildState.load(build_dir)
    if state is not None:
        state.cleaned = now()
        state.save(build_dir)
    return freed
