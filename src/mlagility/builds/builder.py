"""Run a sequence of stages for one build, reusing the cache when the build is not stale."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from mlagility.builds.cache import BuildLock, Cache
from mlagility.builds.stage import BuildContext, Sequence, Stage, remove_artifacts
from mlagility.builds.staleness import stale_reasons
from mlagility.builds.state import BuildState, UnreadableState
from mlagility.common import filesystem
from mlagility.common.capture import capture_output
from mlagility.common.exceptions import CacheError, StageError, one_line, root_cause
from mlagility.common.system_info import package_versions, reset_peak_rss
from mlagility.common.system_info import peak_rss_mib
from mlagility.common.signals import raise_if_stopped

# Called with a short description of what the build is doing now (for progress display).
ProgressCallback = Callable[[str], None]


@dataclass
class Build:
    """A finished (or failed) build: where it is, what happened, and how it was decided."""

    context: BuildContext
    reused: bool = False
    rebuild_reasons: list[str] = field(default_factory=list)

    @property
    def dir(self) -> Path:
        return self.context.dir

    @property
    def state(self) -> BuildState:
        return self.context.state


def lock_for(build_dir: Path) -> BuildLock:
    """The build's lock (``with lock_for(dir):``); creates the directory, refuses a link."""
    return BuildLock(build_dir)


def run_build(
    cache: Cache,
    wanted: BuildState,
    context: BuildContext,
    stages: "Sequence | list[Stage]",
    rebuild: str = "if_needed",
    progress: ProgressCallback | None = None,
) -> Build:
    """Bring the build ``wanted.build_name`` up to date; raise ``StageError`` if a stage fails.

    The caller holds the build's lock. ``context.state`` is replaced by the state actually used.
    """
    build_dir = context.dir
    stages = stages.stages if isinstance(stages, Sequence) else list(stages)
    with filesystem.writing(build_dir):
        filesystem.remove_links(build_dir)  # never write through a link planted in the build
        _remove_stale_temps(build_dir)
    old = BuildState.load(build_dir)
    reasons = stale_reasons(old, wanted, build_dir)
    if rebuild == "never":
        if isinstance(old, UnreadableState):
            raise CacheError(f"--rebuild never: {old.description} in {build_dir}; run with --rebuild if_needed")
        if old is None or old.status != "built" and not old.stages:
            raise CacheError(f"--rebuild never: no build to load in {build_dir}; run with --rebuild if_needed")
        context.state = old
        return Build(context, reused=True, rebuild_reasons=[f"stale but reused (--rebuild never): {r}" for r in reasons])
    if old is not None and not reasons and rebuild == "if_needed":
        context.state = old  # resume: stages already done are skipped below
    else:
        if old is not None and rebuild == "always":
            reasons = ["--rebuild always"]
        remove_artifacts(build_dir)
        context.state = wanted
    state = context.state
    state.package_versions = package_versions("mlagility", "torch", "onnx", "onnxruntime", "onnxscript")
    pending = [stage for stage in stages if not state.stage_done(stage.name)]
    reused = old is not None and context.state is old and not pending
    with objects_frozen():
        for stage in pending:
            if progress:
                progress(stage.description)
            _run_stage(stage, context)
    if not reused or state.status != "built":
        # also repairs a build whose stages all finished but whose last state write was lost
        # (stopped in between): it stayed "building", shown incomplete forever
        state.status = "built"
        state.save(build_dir)
    return Build(context, reused=reused, rebuild_reasons=reasons if old is not None else [])


@contextlib.contextmanager
def objects_frozen():
    """Keep the garbage collector off the objects that exist before the build (the script's, the
    frameworks'): an exporter allocates millions of objects, and each full collection would walk
    the script's too. resnet18's dynamo export: median 3.4 s instead of 3.9 s (docs/performance.md).
    Collection of what the build itself allocates is unchanged; ``gc.unfreeze()`` hands the
    frozen objects back to the oldest generation afterwards. A script that froze objects itself
    (``gc.get_freeze_count() > 0``) is left alone: its freeze is not ours to undo."""
    import gc

    if gc.get_freeze_count() or not gc.isenabled():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _run_stage(stage: Stage, context: BuildContext) -> None:
    state, build_dir = context.state, context.dir
    log = build_dir / f"log_{stage.name}.txt"
    log.unlink(missing_ok=True)
    state.status = "building"
    state.stages[stage.name] = {"status": "running", "duration_s": None, "log": log.name}
    state.save(build_dir)
    start = time.perf_counter()
    reset_peak_rss()
    try:
        with capture_output(log):
            _check_needs(stage, context)
            stage.run(context)
    except Exception as error:
        raise_if_stopped()  # a failure caused by Ctrl-C/SIGTERM: the stage stays unfinished (resumable)
        reason = error.reason if isinstance(error, StageError) else one_line(error)
        _log_traceback(log, error)
        state.stages[stage.name].update(status="failed", duration_s=_since(start), error=reason)
        state.status, state.failed_stage, state.error, state.log = "failed", stage.name, reason, str(log)
        state.save(build_dir)
        cause = root_cause(error)
        if filesystem.is_write_failure(cause):  # a full or read-only cache, not the model's fault
            raise filesystem.CacheWriteError(getattr(cause, "filename", None) or build_dir, cause) from error
        raise StageError(stage.name, reason, str(log)) from error
    state.stages[stage.name].update(status="done", duration_s=_since(start), peak_memory_mib=round(peak_rss_mib(), 1))
    state.artifact_bytes = _artifact_sizes(state, build_dir)
    state.save(build_dir)


def _remove_stale_temps(build_dir: Path) -> None:
    """Remove the temp files of atomic writes (``.<name>.<random>.tmp``) a killed writer left in
    the build; the caller holds the build's lock, so no live writer owns one."""
    for temp in build_dir.glob(".*.tmp"):
        if temp.is_file() and not temp.is_symlink():
            temp.unlink(missing_ok=True)


def _artifact_sizes(state: BuildState, build_dir: Path) -> dict[str, int]:
    """The size of each artifact now, recorded so that a later reuse can see it was changed."""
    sizes = {}
    for relative in state.artifacts.values():
        path = build_dir / relative
        if path.is_file() and not path.is_symlink():
            sizes[relative] = path.stat().st_size
    return sizes


def _check_needs(stage: Stage, context: BuildContext) -> None:
    missing = [key for key in stage.needs if context.path(key) is None or not context.path(key).exists()]
    if missing:
        raise RuntimeError(f"stage {stage.name} needs {', '.join(missing)}, which no earlier stage produced")


def _since(start: float) -> float:
    return round(time.perf_counter() - start, 4)


def _log_traceback(log: Path, error: BaseException) -> None:
    import traceback

    with contextlib.suppress(OSError), filesystem.open_for_writing(log, "a") as handle:
        handle.write("\n--- mlagility: stage failed\n")
        traceback.print_exception(error, file=handle)
