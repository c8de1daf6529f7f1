"""Per-script attempt records in the cache, so that ``--resume`` skips what was tried before.

A record is written as ``started`` before a script runs and ``finished`` (with its outcome) after;
both by the process that runs the script. A record left ``started`` by a dead process means the
script (or the machine) died without an outcome: ``--resume`` does not retry it. A script stopped
by Ctrl-C or SIGTERM has no record (``--resume`` runs it again). A record that cannot be read or
is not valid counts as no record (the script runs again); reports show it as ``unreadable``.
A cache that cannot be written gets no records: ``start`` returns None and the script still runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mlagility.builds.cache import cache_folder
from mlagility.builds.state import now
from mlagility.common import filesystem
from mlagility.common.records import InvalidRecord, from_record

ATTEMPTS_DIR = "_attempts"


@dataclass
class Attempt:
    script: str
    arguments: dict
    status: str = "started"  # started | finished
    outcome: str = ""  # ok | failed | error | crashed (signal N) | killed | timeout after Ns | ...
    pid: int = field(default_factory=os.getpid)
    started: str = field(default_factory=now)
    finished: str | None = None
    log: str | None = None
    node: str | None = None  # where the script ran (hostname; a Slurm node)
    cpu: str | None = None
    slurm_job: str | None = None  # ARRAYID_INDEX for --use-slurm
    slurm_restarts: int = 0  # times Slurm requeued the task (node failure, admin) before this run


def read_attempt(path: Path) -> Attempt:
    """A validated attempt record; raises ``ValueError``/``OSError`` with the reason."""
    attempt = from_record(Attempt, filesystem.read_yaml(path))
    if attempt.status not in ("started", "finished"):
        raise InvalidRecord(f"field 'status' is {attempt.status!r}, not started or finished")
    return attempt


def canonical_script(script: str) -> str:
    """The script as an absolute path (with its ``::hashes`` suffix, if any)."""
    path, sep, hashes = str(script).partition("::")
    return str(Path(path).resolve()) + sep + hashes


def attempt_key(script: str, arguments: dict) -> str:
    text = json.dumps({"script": str(Path(script).resolve()), **arguments}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class AttemptLog:
    def __init__(self, cache_root: Path):
        self.dir = Path(cache_root) / ATTEMPTS_DIR
        self.write_error: str | None = None

    def path(self, script: str, arguments: dict) -> Path:
        """``_attempts/<script stem>_<key>.yaml``; a long stem is cut (``bounded_name``) so that any
        legal script name makes a legal file name (the key tells scripts apart)."""
        stem = filesystem.bounded_name(Path(script).stem)
        return self.dir / f"{stem}_{attempt_key(script, arguments)}.yaml"

    def load(self, script: str, arguments: dict) -> Attempt | None:
        """The record, or None if there is none or it cannot be trusted."""
        try:
            return read_attempt(self.path(script, arguments))
        except (OSError, UnicodeDecodeError, ValueError):
            return None

    def save(self, attempt: Attempt) -> None:
        cache_folder(self.dir.parent, ATTEMPTS_DIR)  # the cache re-established, no linked folder
        filesystem.write_yaml(self.path(attempt.script, attempt.arguments), asdict(attempt))

    def forget(self, script: str, arguments: dict) -> None:
        """Remove the record (an interrupted script is not an attempt)."""
        with contextlib.suppress(OSError):
            self.path(script, arguments).unlink(missing_ok=True)

    def start(self, script: str, arguments: dict, log: str | None = None) -> Attempt | None:
        """Record the start of an attempt; None (no record) if the cache cannot be written."""
        attempt = Attempt(canonical_script(script), arguments, log=log)
        try:
            self.save(attempt)
        except filesystem.CacheWriteError as error:
            self.write_error = str(error)
            return None
        return attempt

    def finish(self, attempt: Attempt, outcome: str) -> None:
        attempt.status, attempt.outcome, attempt.finished = "finished", outcome, now()
        try:
            self.save(attempt)
        except filesystem.CacheWriteError as error:
            self.write_error = str(error)

    def previous(self, script: str, arguments: dict, wait_s: float = 0) -> Attempt | None:
        """The earlier attempt, waiting up to ``wait_s`` for one whose process still runs."""
        deadline = time.monotonic() + wait_s
        while True:
            attempt = self.load(script, arguments)
            if attempt is None or attempt.status == "finished" or not process_alive(attempt.pid):
                return attempt
            if time.monotonic() >= deadline:
                return attempt
            time.sleep(0.5)


def process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
