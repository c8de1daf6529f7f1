"""The scenario contract: a scenario owns its timing loop and declares its metrics once.

Learned from optimum-benchmark (``scenarios/inference/scenario.py``: a scenario per workload;
``benchmark/report.py``: report targets with units), without its branching on the task inside a
scenario: each workload is its own ``Scenario``.

A ``Metric`` is declared once, with its unit and direction; the status tree, the report columns,
the dashboard, ``benchit compare`` and ``MeasuredPerformance`` read the declarations
(``all_metrics``, ``scenario(name).metrics``) instead of writing metric names out by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar

from mlagility.common.exceptions import UsageError


@dataclass(frozen=True)
class Metric:
    """One number a scenario reports.

    ``name`` carries its unit (``_ms``, ``_s``, ``_mib``, ``_per_s``); ``unit`` is the text shown
    in headers; ``lower_is_better``: True for latencies, False for throughputs, None for counts and
    workload sizes (never compared). ``label``: the short header used in tables and charts.
    """

    name: str
    unit: str
    label: str
    lower_is_better: bool | None
    description: str = ""

    @property
    def compared(self) -> bool:
        return self.lower_is_better is not None


@dataclass
class ScenarioResult:
    """What a scenario's timing loop produced.

    ``metrics``: declared metric name -> value (None where undefined). ``samples_ms``: the raw
    samples of the scenario's ``primary`` metric (saved as the benchmark's ``.npy``, used by
    ``benchit compare``). ``details``: extra facts to record (e.g. TPOT by past length).
    """

    metrics: dict[str, float | int | None]
    samples_ms: list[float]
    warmup_iterations: int = 0
    warmup_s: float = 0.0
    timed_s: float = 0.0
    load_average: float | None = None
    started_at: str = ""
    finished_at: str = ""
    details: dict[str, Any] = field(default_factory=dict)


class Scenario:
    """A workload: ``run(session, settings) -> ScenarioResult`` owns the timing loop.

    ``name``: the registry key (``inference``, ``generation``). ``metrics``: every metric it
    reports, declared once. ``primary``: the metric whose raw samples are kept and compared
    (``median_ms`` for inference, ``tpot_ms`` for generation); ``throughput``: the metric shown
    as the speed in tables and charts.
    """

    name: ClassVar[str] = ""
    metrics: ClassVar[tuple[Metric, ...]] = ()
    primary: ClassVar[str] = ""
    throughput: ClassVar[str] = ""
    table: ClassVar[tuple[str, ...]] = ()  # the metrics of the tree's runtime comparison table
    whole_call: ClassVar[str] = ""  # the metric that is one whole call's time (loop and script estimates)

    @classmethod
    def describe(cls, measurement) -> list[str]:
        """The terminal lines of a measurement's metrics (the status tree prints them as they are)."""
        return ["   ".join(f"{m.label}: {format_value(measurement.metrics.get(m.name))}" for m in cls.metrics)]

    def run(self, session, settings) -> ScenarioResult:  # pragma: no cover - abstract
        """The timing loop over a loaded ``Session`` (``runtimes/base.py``)."""
        raise NotImplementedError

    def outputs(self, session) -> list:  # pragma: no cover - abstract
        """One more untimed run's outputs, flattened to arrays, for the correctness check."""
        raise NotImplementedError

    @classmethod
    def metric(cls, name: str) -> Metric:
        return next(m for m in cls.metrics if m.name == name)

    @classmethod
    def validate(cls) -> None:
        """Raise ``TypeError`` if the declaration is incomplete (run at registration)."""
        names = [m.name for m in cls.metrics]
        if not cls.name or not names:
            raise TypeError(f"{cls.__qualname__} needs a name and metrics")
        if len(set(names)) != len(names):
            raise TypeError(f"{cls.__qualname__} declares a metric twice")
        for wanted in (cls.primary, cls.throughput, cls.whole_call, *cls.table):
            if wanted not in names:
                raise TypeError(f"{cls.__qualname__}: {wanted!r} is not one of its metrics")


_SCENARIOS: dict[str, type[Scenario]] = {}


def register(cls: type[Scenario]) -> type[Scenario]:
    """Class decorator: validate and register a scenario under ``cls.name``."""
    cls.validate()
    clash = {m.name for m in cls.metrics} & HEADER_FIELDS
    if clash:
        raise TypeError(f"{cls.__qualname__}: metric names clash with the result header: {sorted(clash)}")
    _SCENARIOS[cls.name] = cls
    return cls


def scenario(name: str) -> type[Scenario]:
    """The registered scenario ``name``; ``UsageError`` naming the known ones otherwise."""
    try:
        return _SCENARIOS[name]
    except KeyError:
        raise UsageError(f"unknown scenario {name!r} (known: {', '.join(sorted(_SCENARIOS))})") from None


def scenarios() -> dict[str, type[Scenario]]:
    return dict(_SCENARIOS)


def all_metrics() -> list[Metric]:
    """Every declared metric of every scenario, in declaration order, each name once."""
    seen: dict[str, Metric] = {}
    for cls in scenarios().values():
        for metric in cls.metrics:
            seen.setdefault(metric.name, metric)
    return list(seen.values())


def metric_names() -> list[str]:
    return [m.name for m in all_metrics()]


def scenario_of(row) -> type[Scenario]:
    """The scenario of a result row or record (its ``scenario`` field; ``inference`` when it has
    none, as results written before scenarios existed, or names one this version does not know)."""
    name = row.get("scenario") if hasattr(row, "get") else None
    known = scenarios()
    return known.get(name) if isinstance(name, str) and name in known else known["inference"]


def primary_value(row):
    """The value of a row's primary metric (``median_ms``, ``tpot_ms``...): what is compared."""
    return row.get(scenario_of(row).primary)


# The common header of every result (runtimes/measurement.py): no metric may take these names.
HEADER_FIELDS = frozenset({
    "device_type", "device_name", "runtime", "runtime_version", "scenario", "metrics", "load_time_s",
    "peak_memory_mib", "threads", "cores", "settings", "timestamp", "load_average", "precision", "artifact",
    "runtime_options", "details", "samples_file", "started_at", "finished_at", "warmup_iterations", "warmup_s",
    "timed_s",
})

ProgressCallback = Callable[[], None]


def format_value(value) -> str:
    """A metric's value for a terminal: 3 significant digits below 10, one decimal above (thousands
    separated), integers as they are, ``-`` for none."""
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:,.1f}"
