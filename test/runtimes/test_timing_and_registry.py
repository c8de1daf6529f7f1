"""The shared timing method and the runtime registry (filled from entry points)."""

from __future__ import annotations

import time

import pytest

from mlagility.common.exceptions import UnsupportedRuntimeError, UsageError
from mlagility.runtimes.registry import load_registry
from mlagility.runtimes.harness import BenchmarkSettings
from mlagility.scenarios.inference import measure, statistics


def test_measure_runs_cold_call_warmup_then_at_least_n_iterations():
    calls = []
    settings = BenchmarkSettings(iterations=20, min_time=0, max_time=10, warmup_iterations=3, warmup_time=0)
    _, timings = measure(lambda: calls.append(1), settings)
    assert timings.warmup_iterations == 3
    assert len(timings.samples_ms) == 20
    assert len(calls) == 1 + 3 + 20


def test_measure_resets_before_every_call_outside_the_timed_window():
    events = []
    settings = BenchmarkSettings(iterations=5, min_time=0, max_time=10, warmup_iterations=2, warmup_time=0)
    measure(lambda: events.append("run"), settings, reset=lambda: events.append("reset"))
    assert events == ["reset", "run"] * (1 + 2 + 5)


def test_measure_honours_min_time_and_max_time():
    settings = BenchmarkSettings(iterations=1, min_time=0.2, max_time=5, warmup_iterations=0, warmup_time=0)
    _, timings = measure(lambda: time.sleep(0.01), settings)
    assert timings.timed_s >= 0.2 and len(timings.samples_ms) >= 10
    capped = BenchmarkSettings(iterations=10_000, min_time=0, max_time=0.1, warmup_iterations=0, warmup_time=0)
    _, timings = measure(lambda: time.sleep(0.01), capped)
    assert 1 <= len(timings.samples_ms) < 100 and timings.timed_s < 1


def test_statistics_on_known_values():
    stats = statistics([float(v) for v in range(1, 101)])
    assert stats["mean_ms"] == 50.5 and stats["median_ms"] == 50.5
    assert stats["min_ms"] == 1 and stats["max_ms"] == 100
    assert stats["p90_ms"] == pytest.approx(90.1) and stats["p99_ms"] == pytest.approx(99.01)
    assert stats["throughput_ips"] == pytest.approx(1000 / 50.5)
    assert stats["timed_iterations"] == 100


@pytest.mark.parametrize(
    "kwargs", [dict(iterations=0), dict(min_time=-1), dict(max_time=0), dict(min_time=5, max_time=1)]
)
def test_invalid_settings_are_usage_errors(kwargs):
    with pytest.raises(UsageError):
        BenchmarkSettings(**kwargs)


def test_builtin_runtimes_come_from_entry_points():
    registry = load_registry()
    assert {"x86/ort", "x86/torch-eager"} <= set(registry.keys())
    assert registry.get("x86", "ort").name == "ort"
    with pytest.raises(UnsupportedRuntimeError, match="valid combinations are .*--device x86 --runtime ort"):
        registry.get("x86", "nope")


def test_registration_rejects_runtimes_that_break_the_contract():
    """Each broken class is refused at registration with a reason naming what is wrong; a broken
    plugin never hides the others (``load_registry`` lists it under ``broken``)."""
    from dataclasses import dataclass

    from mlagility.runtimes.base import ArtifactNeeds, Runtime, RuntimeOptions, Session
    from mlagility.runtimes.registry import RuntimeRegistry

    class Good(Runtime):
        name = "good"

        def load(self, target, options):
            return Session(run=lambda: None, threads=1)

    class NoName(Good):
        name = ""

    class NoLoad(Runtime):
        name = "no-load"

    class BadOptions(Good):
        name = "bad-options"
        options_class = dict

    @dataclass(frozen=True)
    class NotOptions:
        threads: int = 1

    class OptionsNotRuntimeOptions(Good):
        name = "not-runtime-options"
        options_class = NotOptions

    class BadNeeds(Good):
        name = "bad-needs"
        needs = "onnx"

    class LiveModelInChild(Good):
        name = "live-in-child"
        needs = ArtifactNeeds(kind="model")
        in_child = True

    class NoScenario(Good):
        name = "no-scenario"
        scenarios = ()

    registry = RuntimeRegistry()
    registry.register(Good)
    cases = {NoName: "has no name", NoLoad: "does not implement load", BadOptions: "options_class",
             OptionsNotRuntimeOptions: "options_class", BadNeeds: "needs must be an ArtifactNeeds",
             LiveModelInChild: "in_child = False", NoScenario: "scenarios"}
    for cls, reason in cases.items():
        with pytest.raises(TypeError, match=reason):
            registry.register(cls)
    with pytest.raises(TypeError, match="not a mlagility Runtime subclass"):
        registry.register(object)

    class Impostor(Good):
        name = "good"

    with pytest.raises(TypeError, match="x86/good is already registered"):
        registry.register(Impostor)
    assert list(registry.runtimes) == [("x86", "good")]
    with pytest.raises(ValueError, match="kind must be"):
        ArtifactNeeds(kind="tensorflow")
    with pytest.raises(ValueError, match="precisions"):
        ArtifactNeeds(precisions=("fp8",))
    assert issubclass(Good.options_class, RuntimeOptions)
