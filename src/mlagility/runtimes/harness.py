"""The one benchmark harness: load, cold call, warm-up, timed loop, statistics, outputs, samples.

Every runtime is timed here, the same way (``benchmark``): a runtime only loads the model into a
``Session`` (``runtimes/base.py``). Runtimes with ``in_child = True`` are loaded and timed in a
fresh child process, ``python -m mlagility.runtimes.worker REQUEST.json``, which runs this same
``run_in_process`` and writes the ``Measurement`` as JSON; its stdout/stderr go to
``log_benchmark_<device>_<runtime>.txt`` in the build directory (in-process runtimes write the
same log). Either way the harness saves, in the build directory:

* ``outputs_<device>_<runtime>.npz``: the outputs of one more run, for the correctness check
  (a runtime that returns no outputs fails the benchmark: a check is never skipped silently);
* ``samples_<device>_<runtime>.npy``: the raw latencies (``samples.py``).

The timing loop and the metrics belong to the job's scenario (``scenarios/``: ``inference`` times
one call again and again, ``generation`` a ``generate()`` token by token); the harness loads,
runs the scenario, takes the outputs for the check and writes the ``Measurement``: the common
header plus the scenario's metrics. Pure Python + numpy: the child process imports no torch
unless the runtime does.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from mlagility.analysis.torch_state import preserved_state
from mlagility.builds.artifacts import describe
from mlagility.common import system_info
from mlagility.common.capture import capture_output
from mlagility.common.exceptions import BenchmarkError, UsageError, one_line, root_cause
from mlagility.common.filesystem import open_for_writing
from mlagility.runtimes.base import LoadTarget, Runtime, RuntimeOptions
from mlagility.runtimes.measurement import Measurement
from mlagility.runtimes.outputs import outputs_path, save_outputs_for_check
from mlagility.runtimes.samples import samples_path, save_samples
from mlagility.scenarios.base import scenario as scenario_class


@dataclass(frozen=True)
class BenchmarkSettings:
    """At least ``iterations`` timed runs and at least ``min_time`` s, capped by ``max_time`` s."""

    iterations: int = 100
    min_time: float = 1.0
    max_time: float = 60.0
    warmup_iterations: int = 10
    warmup_time: float = 0.25

    def __post_init__(self):
        if self.iterations < 1:
            raise UsageError(f"--iterations must be at least 1 (got {self.iterations})")
        if not self.min_time >= 0:
            raise UsageError(f"--min-time must be >= 0 seconds (got {self.min_time})")
        if not (self.max_time > 0 and self.max_time >= self.min_time):
            raise UsageError(
                f"--max-time must be > 0 and >= --min-time (got {self.max_time} < {self.min_time})"
            )

    def to_dict(self) -> dict:
        return asdict(self)


# -- files a benchmark leaves in the build directory ---------------------------------------------
def log_path(build_dir: Path, runtime: type[Runtime] | Runtime) -> Path:
    return Path(build_dir) / f"log_benchmark_{runtime.device}_{runtime.name}.txt"


# -- the benchmark --------------------------------------------------------------------------------
@dataclass
class Job:
    """One benchmark: ``runtime`` runs ``target`` with ``options``; files go to ``build_dir``.

    ``artifact``: the record of what runs (from the build's artifact rule), kept in the result.
    """

    runtime: Runtime
    target: LoadTarget
    settings: BenchmarkSettings
    options: RuntimeOptions
    build_dir: Path
    artifact: dict[str, Any] = field(default_factory=dict)
    scenario: str = "inference"

    @property
    def log(self) -> Path:
        return log_path(self.build_dir, self.runtime)


def benchmark(job: Job) -> Measurement:
    """Load the job's target on its runtime and time it; raises ``BenchmarkError`` (with the
    log's path) when loading, running or the timing's own checks fail."""
    runtime = job.runtime
    if runtime.in_child:
        return _in_child(job)

    with capture_output(job.log, mode="w"):
        try:
            return run_in_process(job)
        except BenchmarkError:
            raise
        except Exception as error:
            import traceback

            traceback.print_exc()
            raise BenchmarkError(runtime.name, one_line(root_cause(error)), str(job.log)) from error


def run_in_process(job: Job) -> Measurement:
    """Load, run the job's scenario, save outputs and samples, and describe it all as a
    ``Measurement`` (the common header plus the scenario's metrics)."""
    runtime, target, settings, options = job.runtime, job.target, job.settings, job.options
    build_dir, artifact = job.build_dir, job.artifact

    scenario = scenario_class(job.scenario)()
    print(f"{runtime.device}/{runtime.name} {runtime.version()} ({scenario.name}): {options}", flush=True)
    if target.model_path:
        print(f"artifact: {target.model_path} ({artifact.get('precision')})", flush=True)
    import importlib

    for module in runtime.imports:  # an import is not loading the model
        importlib.import_module(module)
    target.feeds()  # nor is reading the inputs
    # a model whose forward updates its buffers: loading (compiling), warm-up and timing run it
    # many times; its state is restored before the outputs for the check are taken
    keep_state = contextlib.ExitStack()
    keep_state.enter_context(preserved_state(target.model, clone_parameters=False))
    try:
        start = time.perf_counter()
        session = runtime.load(target, options)
        load_time_s = time.perf_counter() - start
    except BaseException:
        keep_state.close()
        raise
    try:
        for key, value in session.details.items():
            print(f"  {key}: {value}", flush=True)
        if type(runtime).synchronize is not Runtime.synchronize:
            session = session.synchronized(runtime.synchronize)
        with session.context() if session.context else contextlib.nullcontext():
            result = scenario.run(session, settings)
            keep_state.close()  # the outputs for the check: from the state the reference saw
            print(f"timed {len(result.samples_ms)} samples after {result.warmup_iterations} warm-up runs",
                  flush=True)
            reason = session.after_timing() if session.after_timing else None
            if reason:
                print(reason, flush=True)
                raise BenchmarkError(runtime.name, reason, str(job.log))
            with preserved_state(target.model, clone_parameters=False):  # nor leave a call behind
                outputs = scenario.outputs(session)
    finally:
        keep_state.close()
        if session.close:
            session.close()
    if not outputs:
        raise BenchmarkError(runtime.name, "the runtime returned no outputs, so they cannot be checked",
                             str(job.log))
    save_outputs_for_check(outputs_path(build_dir, runtime.device, runtime.name), outputs)  # never raises
    if session.artifact:  # the runtime ran a file of its own making: the label says so
        ran = Path(build_dir) / session.artifact["file"]
        artifact = {**describe(ran, Path(build_dir), session.artifact.get("kind", runtime.name)),
                    **{k: v for k, v in session.artifact.items() if k != "file"}}
    samples = samples_path(build_dir, runtime.device, runtime.name)
    save_samples(samples, result.samples_ms)
    return Measurement(
        device_type=runtime.device,
        device_name=runtime.device_name(),
        runtime=runtime.name,
        runtime_version=runtime.version(),
        scenario=scenario.name,
        metrics=result.metrics,
        load_time_s=load_time_s if runtime.reports_load_time else None,
        warmup_iterations=result.warmup_iterations,
        warmup_s=result.warmup_s,
        timed_s=result.timed_s,
        peak_memory_mib=system_info.peak_rss_mib(),
        threads=session.threads,
        cores=system_info.logical_cores(),
        settings=settings.to_dict(),
        timestamp=result.finished_at,
        load_average=result.load_average,
        precision=artifact.get("precision", options.precision),
        artifact=artifact,
        runtime_options=dataclasses.asdict(options),
        details={**{k: v if isinstance(v, (str, int, float, bool, type(None))) else str(v)
                    for k, v in session.details.items()}, **result.details},
        samples_file=samples.name,
        started_at=result.started_at,
        finished_at=result.finished_at,
    )


# -- the child-process protocol ---------------------------------------------------------------------
def _in_child(job: Job) -> Measurement:
    """Run the job in a worker process (``python -m mlagility.runtimes.worker``): one started
    ahead by ``start_workers`` when there is one, else a new one; read back its ``Measurement``."""
    runtime, target, settings, log = job.runtime, job.target, job.settings, job.log
    spec = _runtime_spec(type(runtime))
    system_info.cpu_name()  # probed once per process, handed down to the worker
    with tempfile.TemporaryDirectory(prefix=f"mlagility-{runtime.name}-") as tmp:
        result_path = Path(tmp) / "result.json"
        request = {
            "runtime": spec,
            "model_path": str(target.model_path) if target.model_path else None,
            "inputs_path": str(target.inputs_path) if target.inputs_path else None,
            "settings": settings.to_dict(),
            "options": dataclasses.asdict(job.options),
            "build_dir": str(job.build_dir),
            "artifact": job.artifact,
            "scenario": job.scenario,
            "result": str(result_path),
            "log": str(log),
        }
        request_path = Path(tmp) / "request.json"
        request_path.write_text(json.dumps(request))
        timeout = settings.max_time * 3 + 600
        spare = _take_worker(spec)
        if spare is not None:  # it opens the log itself, then runs the request
            try:
                spare.stdin.write(f"{request_path}\n".encode())
                spare.stdin.close()
                returncode = spare.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _stop(spare)
                raise BenchmarkError(runtime.name, f"timed out after {timeout:.0f} s", str(log))
            except BaseException:  # Ctrl-C, SIGTERM: the worker stops with benchit
                _stop(spare)
                raise
            finally:
                spare.stdout.close()
        else:
            with open_for_writing(log) as handle:
                try:
                    returncode = subprocess.run(
                        [sys.executable, "-m", "mlagility.runtimes.worker", str(request_path)],
                        stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=timeout,
                    ).returncode
                except subprocess.TimeoutExpired:
                    raise BenchmarkError(runtime.name, f"timed out after {timeout:.0f} s", str(log))
        if returncode != 0 or not result_path.exists():
            raise BenchmarkError(runtime.name, _last_error_line(log, returncode), str(log))
        return Measurement.from_dict(json.loads(result_path.read_text()))


# Workers started ahead of their benchmark: runtime class spec -> one started, unused worker
WORKER_READY = "mlagility-worker-ready"
_started: dict[str, subprocess.Popen] = {}
_ready: set[int] = set()  # pids of started workers known to have finished their imports


def _runtime_spec(cls: type[Runtime]) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def start_workers(runtimes: list[Runtime]) -> None:
    """Start the worker process of each in-child runtime now, so that its start-up (Python, numpy
    and the runtime's ``imports``: about 0.3 s for ONNX Runtime) overlaps the build instead of
    adding to every benchmark's wall time. Each worker still serves one benchmark only (a fresh
    process per measurement); it waits, idle, on its stdin for the request, and exits when benchit
    does (end of file) or is stopped by ``stop_workers`` at exit. A worker that cannot start is
    not an error here: the benchmark then starts a new one and records why it fails."""
    for runtime in runtimes:
        spec = _runtime_spec(type(runtime))
        if not runtime.in_child or (spec in _started and _started[spec].poll() is None):
            continue
        system_info.cpu_name()  # probed once, handed down through the environment
        with contextlib.suppress(OSError):
            _started[spec] = subprocess.Popen(
                [sys.executable, "-m", "mlagility.runtimes.worker", "--serve", spec],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            )


def await_workers(timeout_s: float = 600) -> None:
    """Block until every started worker has finished its imports (or died). Called before a
    build releases its shared lock (``machine/locks.py``), so that no start-up ever overlaps another
    process's timed loop."""
    for process in list(_started.values()):
        _wait_ready(process, timeout_s)


def _wait_ready(process: subprocess.Popen, timeout_s: float) -> bool:
    """Read the worker's start-up output (what its imports print, then ``WORKER_READY``)."""
    import os
    import selectors

    if process.pid in _ready:
        return process.poll() is None
    deadline = time.monotonic() + timeout_s
    seen = b""
    fd = process.stdout.fileno()
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while time.monotonic() < deadline and selector.select(max(0.0, deadline - time.monotonic())):
            chunk = os.read(fd, 65536)
            if not chunk:  # it died while importing
                return False
            seen += chunk
            if WORKER_READY.encode() in seen:
                _ready.add(process.pid)
                return True
    return False


def _take_worker(spec: str) -> subprocess.Popen | None:
    """The started worker for ``spec``, ready and alive, now owned by the caller; else None."""
    process = _started.pop(spec, None)
    if process is None:
        return None
    if _wait_ready(process, 600) and process.poll() is None:
        return process
    _stop(process)
    return None


def _stop(process: subprocess.Popen) -> None:
    _ready.discard(process.pid)
    with contextlib.suppress(OSError):
        process.kill()
    with contextlib.suppress(Exception):
        process.wait(timeout=10)


def stop_workers() -> None:
    """Stop the started workers that were not used (at exit)."""
    while _started:
        _stop(_started.popitem()[1])


atexit.register(stop_workers)


def _last_error_line(log: Path, returncode: int) -> str:
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    if returncode < 0:
        return f"worker crashed (signal {-returncode})"
    return lines[-1][:300] if lines else f"worker exited with code {returncode}"


def import_runtime(spec: str) -> type[Runtime]:
    """``module:QualName`` -> the runtime class (the worker's way to find plugins too)."""
    import importlib

    module_name, _, qualname = spec.partition(":")
    value: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        value = getattr(value, part)
    return value
