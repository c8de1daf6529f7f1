"""``--use-slurm``: one Slurm job array (through submitit), one task per script.

Each task runs ``benchit benchmark SCRIPT --process-isolation`` on its node with the flags of the
request (``BenchmarkRequest.to_cli_args()``, the same ones an isolated child gets), writing into
the shared cache. Everything lives in the cache, so nothing is lost when the submitting process
dies:

``<cache>/_slurm/<sweep>/``
    ``sweep.json`` (scripts, job id, options), ``submitit/`` (submitit's pickles and the tasks'
    logs), ``results/<i>.json`` (the task's results, as an isolated child writes them),
    ``tasks/<i>.json`` (node, CPU, start/end times, exit code).

The attempt records (``_attempts/``) are written by the process that runs the script, on the node;
an outcome only Slurm knows (time limit, out of memory, node failure, cancelled, preempted) is
recorded by whoever collects the task (``benchit`` waiting for it, or ``benchit slurm wait``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mlagility.common.exceptions import SlurmError, one_line
from mlagility.common.exit_codes import INTERRUPTED_EXIT_CODES  # benchit stopped by SIGINT / SIGTERM
from mlagility.api import options as declared
from mlagility.builds.cache import cache_folder
from mlagility.common.filesystem import write_json
from mlagility.common.system_info import cpu_name
from mlagility.sweep.attempts import AttemptLog
from mlagility.sweep.isolation import read_results_file
from mlagility.sweep.workers import report_script

SLURM_DIR = "_slurm"
QUEUED = {"PENDING", "REQUEUED", "CONFIGURING", "UNKNOWN", "RESIZING", "SUSPENDED", "REQUEUE_HOLD",
          "REQUEUE_FED", "SPECIAL_EXIT", "STAGE_OUT"}
RUNNING = {"RUNNING", "COMPLETING", "SIGNALING", "STOPPED"}
POLL_S = 2.0


# -- checks ------------------------------------------------------------------------------------
def check_slurm() -> None:
    """Raise one line when this machine cannot submit to Slurm."""
    missing = [tool for tool in ("sbatch", "srun", "sacct", "scancel") if shutil.which(tool) is None]
    if missing:
        raise SlurmError(f"--use-slurm: Slurm is not installed here (no {', '.join(missing)} on PATH); "
                         "run benchit on a Slurm login node, or drop --use-slurm")
    try:
        import submitit  # noqa: F401
    except ImportError:
        raise SlurmError("--use-slurm needs submitit: pip install 'mlagility[slurm]'") from None


LOCAL_ONLY = ("/tmp", "/var/tmp", "/dev/shm", "/run", "/scratch/local")


def shared_filesystem_warnings(cache_root: Path, python: str = sys.executable) -> list[str]:
    """What can be checked from here about the nodes seeing the cache and the Python environment."""
    warnings = []
    for what, path, fix in (
        ("the cache", Path(cache_root).resolve(), "pass -d DIR (or set MLAGILITY_CACHE_DIR) on a shared "
         "filesystem (home, project or scratch space)"),
        ("the Python environment", Path(python).parent.parent.resolve(), "create the venv on a shared "
         "filesystem and install mlagility there"),
    ):
        local = next((p for p in LOCAL_ONLY if str(path) == p or str(path).startswith(p + "/")), None)
        if local:
            warnings.append(f"{what} ({path}) is under {local}, which is usually local to each machine: "
                            f"the Slurm nodes may not see it; {fix}")
    return warnings


# -- the sweep record ------------------------------------------------------------------------
@dataclass
class SlurmSweep:
    sweep_id: str
    cache_root: str
    scripts: list[str]  # target specs (script.py or script.py::hashes)
    paths: list[str]  # str(target.path), the keys of results and errors
    task_args: list[str]  # the benchit flags each task runs with
    attempt_arguments: dict
    options: dict  # the sweep options (--slurm-*, --max-jobs, ...)
    job_id: str | None = None
    task_ids: list[str] = field(default_factory=list)  # per script: ARRAY_INDEX (a lone task: its job id)
    submitted: float = field(default_factory=time.time)
    collected: list[int] = field(default_factory=list)  # task indexes whose outcome was recorded

    @property
    def dir(self) -> Path:
        return Path(self.cache_root) / SLURM_DIR / self.sweep_id

    @property
    def submitit_dir(self) -> Path:
        return self.dir / "submitit"

    def results_file(self, index: int) -> Path:
        return self.dir / "results" / f"{index}.json"

    def task_file(self, index: int) -> Path:
        return self.dir / "tasks" / f"{index}.json"

    def task_record(self, index: int) -> dict:
        try:
            return json.loads(self.task_file(index).read_text())
        except (OSError, ValueError):
            return {}

    def save(self) -> None:
        write_json(self.dir / "sweep.json", asdict(self))

    @classmethod
    def load(cls, folder: Path) -> "SlurmSweep":
        return cls(**json.loads((folder / "sweep.json").read_text()))

    def jobs(self) -> list:
        from submitit.slurm.slurm import SlurmJob

        ids = self.task_ids or [f"{self.job_id}_{i}" for i in range(len(self.scripts))]
        return [SlurmJob(folder=self.submitit_dir / "%j", job_id=task_id) for task_id in ids]


def find_sweep(cache_root: Path, job_id: str | None = None) -> SlurmSweep:
    """The sweep of Slurm job ``job_id`` in a cache (the latest one submitted when None)."""
    folder = Path(cache_root) / SLURM_DIR
    sweeps = []
    for path in folder.glob("*/sweep.json"):
        try:
            sweeps.append(SlurmSweep.load(path.parent))
        except (OSError, ValueError, TypeError):
            continue
    sweeps = [s for s in sweeps if s.job_id and (job_id is None or s.job_id == str(job_id).split("_")[0])]
    if not sweeps:
        which = f"job {job_id}" if job_id else "any Slurm sweep"
        raise SlurmError(f"no record of {which} in the cache {cache_root} (pass the cache with -d)")
    return max(sweeps, key=lambda s: s.submitted)


# -- the task, on a node ---------------------------------------------------------------------
try:
    from submitit.helpers import Checkpointable as _Checkpointable
except ImportError:  # submitit is only needed with --use-slurm
    _Checkpointable = object


class ScriptTask(_Checkpointable):
    """One script on one node, as ``--process-isolation`` runs it. Preempted: requeued once."""

    def __init__(self):
        self.requeued = 0

    def __call__(self, spec: str, task_args: list[str], results_file: str, task_file: str) -> dict:
        record = {
            "script": spec, "node": socket.gethostname(), "cpu": cpu_name(), "started": time.time(),
            "slurm_job": _slurm_job_id(), "requeued": self.requeued, "pid": os.getpid(),
            # > 0: Slurm requeued the task (a node failure, an admin's requeue) and it runs again
            "slurm_restarts": int(os.environ.get("SLURM_RESTART_COUNT") or 0),
        }
        write_json(task_file, record)
        argument = f"./{spec}" if spec.startswith("-") else spec  # a file name, never an option
        code = _entry_point()([argument, *task_args, "--results-file", results_file])
        record.update(finished=time.time(), exit_code=code)
        write_json(task_file, record)
        return record

    def checkpoint(self, *args, **kwargs):
        """Called by submitit on preemption: requeue once, then let the outcome be recorded."""
        if self.requeued >= 1:
            return None
        from submitit.helpers import DelayedSubmission

        self.requeued += 1
        return DelayedSubmission(self, *args, **kwargs)


# What a task runs on its node, named as an isolated child's command line names it (a process
# boundary: this module never imports the API that drives the sweep): ``benchit benchmark ARGS``.
TASK_ENTRY_POINT = "mlagility.api.command:run_benchmark"


def _entry_point():
    import importlib

    module, _, function = TASK_ENTRY_POINT.partition(":")
    return getattr(importlib.import_module(module), function)


def _slurm_job_id() -> str | None:
    array, index = os.environ.get("SLURM_ARRAY_JOB_ID"), os.environ.get("SLURM_ARRAY_TASK_ID")
    return f"{array}_{index}" if array and index else os.environ.get("SLURM_JOB_ID")


# -- submitting ------------------------------------------------------------------------------
def task_arguments(request) -> list[str]:
    """The flags of each task: the request's own (as an isolated child gets them), run isolated,
    with the isolation timeout (both derived from the option declarations)."""
    args = list(request.to_cli_args())
    given = {word.split("=")[0] for word in args}
    extra = declared.to_flags({"process_isolation": True, "timeout": request.timeout})
    return args + [word for word in extra if word.split("=")[0] not in given]


def submit(targets, request, sweep_options, warn=print) -> SlurmSweep:
    check_slurm()
    request.cache.ensure()  # the sweep's records live there, even with --analyze-only
    for warning in shared_filesystem_warnings(request.cache.root):
        warn(warning)
    import submitit

    sweep = SlurmSweep(
        sweep_id=time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6],
        cache_root=str(request.cache.root),
        scripts=[target.spec for target in targets],
        paths=[str(target.path) for target in targets],
        task_args=task_arguments(request),
        attempt_arguments=request.attempt_arguments(),
        options=asdict(sweep_options),
    )
    for sub in ("results", "tasks"):
        cache_folder(request.cache.root, SLURM_DIR, sweep.sweep_id, sub)  # marker first, no linked folder
    executor = submitit.AutoExecutor(folder=sweep.submitit_dir / "%j", cluster="slurm",
                                     slurm_max_num_timeout=0)
    minutes = sweep_options.slurm_time
    parameters = {
        "name": "benchit", "timeout_min": minutes, "slurm_array_parallelism": sweep_options.max_jobs or len(targets),
        # the time-limit warning (USR2): 90 s before the limit, less for short limits
        "slurm_signal_delay_s": min(90, max(10, minutes * 60 // 4)), "slurm_stderr_to_stdout": True,
    }
    if sweep_options.slurm_partition:
        parameters["slurm_partition"] = sweep_options.slurm_partition
    if sweep_options.slurm_mem is not None:
        parameters["mem_gb"] = sweep_options.slurm_mem
    if sweep_options.slurm_cpus is not None:
        parameters["cpus_per_task"] = sweep_options.slurm_cpus
    if sweep_options.slurm_gpus:
        parameters["gpus_per_node"] = sweep_options.slurm_gpus
    if sweep_options.exclusive:
        parameters["slurm_exclusive"] = True
    executor.update_parameters(**parameters)
    n = len(targets)
    import contextlib
    import io

    try:
        with contextlib.redirect_stderr(io.StringIO()):  # submitit prints sbatch's stderr; we say it once
            jobs = executor.map_array(
                ScriptTask(), sweep.scripts, [sweep.task_args] * n,
                [str(sweep.results_file(i)) for i in range(n)], [str(sweep.task_file(i)) for i in range(n)],
            )
    except Exception as error:  # sbatch's own message, one line
        raise SlurmError(f"sbatch refused the job array: "
                         f"{_sbatch_message(error, sweep_options.slurm_partition)}") from None
    sweep.job_id = jobs[0].job_id.split("_")[0]
    sweep.task_ids = [job.job_id for job in jobs]  # one script: a plain job, not an array
    sweep.save()
    return sweep


def _sbatch_message(error: BaseException, partition: str | None = None) -> str:
    """sbatch's error line; one about a partition names the partition (sbatch does not):
    ``Invalid partition name specified (partition 'gpux', from --slurm-partition; sinfo lists them)``."""
    text = str(error)
    lines = [line.strip() for line in text.splitlines() if "error" in line.lower() and line.strip()]
    sbatch = [line for line in lines if line.startswith("sbatch:")]
    message = one_line((sbatch or lines or [text])[-1])
    if "partition" in message.lower():
        if partition and partition not in message:
            message += f" (partition {partition!r}, from --slurm-partition; `sinfo -s` lists the partitions)"
        elif not partition:
            message += " (the cluster's default partition: no --slurm-partition given; `sinfo -s` lists the partitions)"
    return message


# -- following and collecting ----------------------------------------------------------------
def slurm_outcome(state: str, sweep: SlurmSweep, job, requeued: int = 0) -> str | None:
    """What happened to a task, when Slurm (not the script) decided it; None for a normal end."""
    state = (state or "").split()[0] if state else ""
    minutes = sweep.options.get("slurm_time")
    if state == "TIMEOUT":
        return f"timeout (Slurm time limit of {minutes} min)"
    if state == "OUT_OF_MEMORY" or (state in ("FAILED", "CANCELLED") and _killed_for_memory(job)):
        mem = sweep.options.get("slurm_mem")
        return "out of memory (Slurm" + (f", --slurm-mem {mem:g} GB)" if mem else ")")
    if state in ("NODE_FAIL", "BOOT_FAIL"):
        return f"node failure (Slurm {state})"
    if state == "CANCELLED":
        return "cancelled (Slurm scancel)"
    if state == "PREEMPTED":
        return "preempted (Slurm)" + (" after one requeue" if requeued else "")
    if state == "DEADLINE":
        return "deadline reached (Slurm)"
    if not job.paths.result_pickle.exists():
        return None if state == "COMPLETED" else f"the Slurm task ended without a result (state {state or 'unknown'})"
    try:
        outcome, value = job._get_outcome_and_result()  # submitit's own record of the task's end
    except Exception as error:
        return f"unreadable Slurm task result ({one_line(error)})"
    if outcome == "success":
        return None
    text = str(value)
    if "timed-out" in text:
        return f"timeout (Slurm time limit of {minutes} min)"
    if "checkpoint function returned None" in text or "preempt" in text:
        return "preempted (Slurm, requeued once, then stopped)"
    last = [line for line in text.strip().splitlines() if line.strip()]
    return f"error in the Slurm task: {one_line(last[-1] if last else text)}"


# what slurmstepd writes into the task's log when it kills the task for its memory: without
# cgroups (JobAcctGatherParams=OverMemoryKill, the job then ends FAILED, not OUT_OF_MEMORY) and
# with them (the cgroup's OOM killer)
MEMORY_KILL_MESSAGES = ("exceeded memory limit", "exceeded job memory limit", "oom_kill event", "oom-kill event")


def _killed_for_memory(job) -> bool:
    """Whether Slurm's log of the task says it was killed for exceeding its memory."""
    try:
        with open(job.paths.stdout, "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - 65536))
            tail = log.read().decode(errors="replace").lower()
    except (OSError, AttributeError):
        return False
    return any(message in tail for message in MEMORY_KILL_MESSAGES)


def poll_states(sweep: SlurmSweep, jobs: list) -> list[str]:
    """One ``sacct`` call for the whole array; each task's state (UNKNOWN until Slurm knows it)."""
    watcher = jobs[0].watcher
    try:
        watcher.update()
    except Exception:  # sacct briefly unavailable: keep the last states
        pass
    states = []
    for index, job in enumerate(jobs):
        state = watcher.get_state(job.job_id, mode="cache")
        if _has_result(sweep, index, job) and state.split()[0] in QUEUED | RUNNING \
                and not interrupted(sweep, index):
            state = "COMPLETED"  # the task wrote its result; Slurm will say so in a moment
        state = state.split()[0] if state else "UNKNOWN"
        if state in REQUEUABLE:
            state = _queue_state(job.job_id) or state
        states.append(state)
    return states


# states after which Slurm may requeue the task (JobRequeue=1, its default; PreemptMode=REQUEUE):
# until the task runs again, ``sacct`` still reports the killed run's state
REQUEUABLE = {"NODE_FAIL", "PREEMPTED"}


def _queue_state(task_id: str) -> str | None:
    """The task's state in Slurm's queue (``squeue``), None when it has left the queue."""
    try:
        out = subprocess.run(["squeue", "-h", "-j", task_id, "-o", "%T"], capture_output=True, text=True,
                             timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    state = out.stdout.strip().split()
    return state[0] if out.returncode == 0 and state else None


def _has_result(sweep: SlurmSweep, index: int, job) -> bool:
    """Whether the task's current run wrote its result: a result older than the run's start
    (the task record, written first) is a previous run's, before Slurm requeued the task."""
    try:
        written = job.paths.result_pickle.stat().st_mtime
    except OSError:
        return False
    return written >= sweep.task_record(index).get("started", 0)


def interrupted(sweep: SlurmSweep, index: int) -> bool:
    """Whether the task's benchit stopped on a signal (scancel, time limit, preemption all send
    SIGTERM first): its result is not the script's, and Slurm's accounting, which may lag behind
    the task's own end on a busy cluster, says why."""
    return sweep.task_record(index).get("exit_code") in INTERRUPTED_EXIT_CODES


def collect(sweep: SlurmSweep, index: int, state: str, job):
    """The results and error of one finished task; records a Slurm-side outcome in ``_attempts``."""
    record = sweep.task_record(index)
    results, errors = read_results_file(sweep.results_file(index))
    path = sweep.paths[index]
    error = errors.get(path) or errors.get("*")
    outcome = slurm_outcome(state, sweep, job, record.get("requeued", 0))
    attempts = AttemptLog(Path(sweep.cache_root))
    spec = sweep.scripts[index]
    attempt = attempts.load(spec, sweep.attempt_arguments)
    if outcome is None and state == "COMPLETED" and interrupted(sweep, index):
        outcome = f"stopped by a signal on node {record.get('node', '?')} (benchit exit code {record['exit_code']})"
    if outcome:
        log = str(job.paths.stdout) if job else None
        error = f"{outcome} (log: {log})"
        # Slurm knows why the task ended; the script's isolation parent on the node may have seen
        # only the signal Slurm sent first (SIGTERM on scancel, time limit, preemption)
        signalled = attempt is not None and attempt.outcome.startswith(("crashed (signal", "killed (SIGKILL"))
        if attempt is None or attempt.status != "finished" or signalled:
            attempt = attempt or attempts.start(spec, sweep.attempt_arguments, log)
            attempt.log = attempt.log or log
            attempts.finish(attempt, outcome)
    elif not results and error is None and (attempt is None or attempt.status != "finished"):
        error = "the Slurm task ended without writing results"
    if attempt is not None and record:
        attempt.node, attempt.cpu, attempt.slurm_job = record.get("node"), record.get("cpu"), record.get("slurm_job")
        attempt.slurm_restarts = record.get("slurm_restarts", 0)
        attempts.save(attempt)
    if index not in sweep.collected:
        sweep.collected.append(index)
        sweep.save()
    return results, error


def counts(states: list[str]) -> dict[str, int]:
    summary = {"queued": 0, "running": 0, "done": 0, "failed": 0}
    for state in states:
        if state in QUEUED:
            summary["queued"] += 1
        elif state in RUNNING:
            summary["running"] += 1
        elif state == "COMPLETED":
            summary["done"] += 1
        else:
            summary["failed"] += 1
    return summary


def progress_line(sweep: SlurmSweep, states: list[str], finished_times: list[float]) -> str:
    summary = counts(states)
    elapsed = time.time() - sweep.submitted
    finished = summary["done"] + summary["failed"]
    eta = "?"
    if finished and finished < len(states):
        eta = _duration(elapsed / finished * (len(states) - finished))
    elif finished == len(states):
        eta = "0:00"
    return (f"Slurm job {sweep.job_id}: {summary['queued']} queued, {summary['running']} running, "
            f"{summary['done']} done, {summary['failed']} failed (of {len(states)}) - "
            f"elapsed {_duration(elapsed)}, ETA {eta}")


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60}:{seconds % 60:02d}"


def follow(sweep: SlurmSweep, reporter, results, console=None, ask=None) -> None:
    """Wait for every task, showing live progress, and hand each finished script to ``reporter``
    (in the order they finish). Ctrl-C: ask (``ask``) whether to cancel the job, or cancel it."""
    import threading

    jobs = sweep.jobs()
    pending = [i for i in range(len(jobs)) if i not in sweep.collected]
    for i in sorted(set(range(len(jobs))) - set(pending)):  # collected earlier (benchit slurm wait)
        found, error = collect(sweep, i, "COMPLETED", jobs[i]) if jobs[i].paths.result_pickle.exists() else \
            _from_files(sweep, i)
        report_script(reporter, threading.Lock(), sweep.paths[i], found, error, results)
    live = None
    lock = threading.Lock()
    try:
        while pending:
            states = poll_states(sweep, jobs)
            terminal = [i for i in pending if states[i] not in QUEUED | RUNNING]
            if terminal and live is not None:
                live.stop()  # the trees print above the progress line
                live = None
            for i in terminal:
                found, error = collect(sweep, i, states[i], jobs[i])
                report_script(reporter, lock, sweep.paths[i], found, error, results)
                pending.remove(i)
            if live is None and pending:
                live = _live(console)
            if live is not None:
                live.update(progress_line(sweep, states, []))
            if pending:
                time.sleep(POLL_S)
    except KeyboardInterrupt:
        if live is not None:
            live.stop()
            live = None
        cancel = ask(sweep) if ask is not None else True
        if cancel:
            cancel_sweep(sweep)
            print(f"benchit: cancelled Slurm job {sweep.job_id} (scancel); what finished is in the cache",
                  file=sys.stderr)
        else:
            print(f"benchit: Slurm job {sweep.job_id} keeps running; follow it with: benchit slurm wait "
                  f"{sweep.job_id} -d {sweep.cache_root}", file=sys.stderr)
        raise
    finally:
        if live is not None:
            live.stop()
    results.slurm_job = sweep.job_id


def _from_files(sweep: SlurmSweep, index: int):
    results, errors = read_results_file(sweep.results_file(index))
    return results, errors.get(sweep.paths[index]) or errors.get("*")


def _live(console):
    if console is None or not getattr(console, "is_terminal", False):
        return None
    from rich.live import Live

    live = Live("", console=console, refresh_per_second=2, transient=True)
    live.start()
    return live


def cancel_sweep(sweep: SlurmSweep) -> None:
    if sweep.job_id:
        subprocess.call(["scancel", str(sweep.job_id)])  # what submitit's job.cancel() runs, for the array


def run_on_slurm(targets, request, reporter, results, sweep_options) -> None:
    """Submit ``targets`` as one job array; wait for it (unless ``--detach``)."""
    if not targets:
        return
    sweep = submit(targets, request, sweep_options, warn=reporter.warn)
    results.slurm_job = sweep.job_id
    if sweep_options.detach:
        results.detached = True
        results.scripts_run.extend(sweep.paths)
        return
    follow(sweep, reporter, results, getattr(reporter, "console", None) or
           getattr(getattr(reporter, "tree", None), "console", None), ask=_ask_cancel)


def _ask_cancel(sweep: SlurmSweep) -> bool:
    """Ctrl-C: ask on a terminal, cancel otherwise."""
    if not sys.stdin.isatty():
        return True
    try:
        answer = input(f"\nCancel Slurm job {sweep.job_id} ({len(sweep.scripts)} tasks)? [y/N] ")
    except (EOFError, KeyboardInterrupt):
        return True
    return answer.strip().lower() in ("y", "yes")


def status_rows(sweep: SlurmSweep) -> list[dict]:
    """One row per task: script, state, node, elapsed (for ``benchit slurm status``)."""
    jobs = sweep.jobs()
    states = poll_states(sweep, jobs)
    attempts = AttemptLog(Path(sweep.cache_root))
    rows = []
    for i, (script, state) in enumerate(zip(sweep.paths, states)):
        record = sweep.task_record(i)
        start, end = record.get("started"), record.get("finished")
        elapsed = _duration((end or time.time()) - start) if start else ""
        attempt = attempts.load(sweep.scripts[i], sweep.attempt_arguments)
        outcome = attempt.outcome if attempt is not None and attempt.status == "finished" else ""
        rows.append({"task": jobs[i].job_id, "script": script, "state": state,
                     "node": record.get("node", ""), "elapsed": elapsed, "outcome": outcome})
    return rows
