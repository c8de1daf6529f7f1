"""Where the scripts of a sweep run: one after the other here (the default), ``--workers N`` child
processes at once on this machine (``sweep/workers.py``), or one Slurm task each
(``sweep/slurm.py``). The options are declared in ``api/options.py``; this module validates them
once, through those declarations, and dispatches."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Callable

from mlagility.api import options as declared
from mlagility.common.exceptions import UsageError
from mlagility.sweep.attempts import AttemptLog
from mlagility.sweep.workers import run_on_workers

SWEEP_OPTIONS = ("workers", "use_slurm", "slurm_partition", "max_jobs", "slurm_time", "slurm_mem",
                 "slurm_cpus", "slurm_gpus", "exclusive", "detach")


@dataclass
class SweepOptions:
    workers: int = 1
    use_slurm: bool = False
    slurm_partition: str | None = None
    max_jobs: int | None = None
    slurm_time: int = 60
    slurm_mem: float | None = None
    slurm_cpus: int | None = None
    slurm_gpus: int | None = None
    exclusive: bool = True
    detach: bool = False

    @classmethod
    def create(cls, **values) -> "SweepOptions":
        """Checked by the declared options (one ``UsageError`` line for a bad value)."""
        unknown = sorted(set(values) - set(SWEEP_OPTIONS))
        if unknown:
            raise TypeError(f"benchmark_script() got unexpected keyword argument(s): {', '.join(unknown)}")
        checked = {}
        for field in fields(cls):
            option = declared.BY_NAME[field.name]
            value = values.get(field.name)
            checked[field.name] = option.check(value) if value is not None or option.env else option.default
            if checked[field.name] is None:
                checked[field.name] = option.default
        sweep = cls(**checked)

        if sweep.detach and not sweep.use_slurm:
            raise UsageError("--detach needs --use-slurm (a local sweep cannot outlive its process)")
        if sweep.use_slurm and sweep.workers > 1:
            raise UsageError("--workers and --use-slurm exclude each other: Slurm runs the tasks in parallel")
        return sweep

    @classmethod
    def from_values(cls, values: dict) -> "SweepOptions":
        """From a request's resolved options (``BenchmarkRequest.values``)."""
        return cls.create(**{name: values.get(name) for name in SWEEP_OPTIONS})

    @property
    def scaled(self) -> bool:
        return self.use_slurm or self.workers > 1


def run_sweep(targets, request, reporter, results, sweep: SweepOptions, skip: Callable) -> None:
    """Run ``targets`` (minus those ``skip`` gives a reason for) on workers or Slurm."""
    todo = []
    for target in targets:
        reason = skip(target) if not sweep.use_slurm else _slurm_skip(target, request, skip)
        if reason:
            results.skipped[str(target.path)] = reason
        else:
            todo.append(target)
    if sweep.use_slurm:
        from mlagility.sweep.slurm import run_on_slurm  # lazy: pulls submitit

        run_on_slurm(todo, request, reporter, results, sweep)
    else:
        run_on_workers(todo, request, reporter, results, sweep.workers)


def _slurm_skip(target, request, skip) -> str | None:
    """``--resume`` for Slurm: an attempt still ``started`` is running on some node (its pid means
    nothing here), so it is skipped without waiting for it."""
    import dataclasses

    reason = skip(target, dataclasses.replace(request, values={**request.values, "resume": False}))  # labels
    if reason or not request.resume:
        return reason

    previous = AttemptLog(request.cache.root).load(target.spec, request.attempt_arguments())
    if previous is None:
        return None
    outcome = previous.outcome if previous.status == "finished" else "started, no outcome recorded yet"
    return f"attempted before ({outcome})"
