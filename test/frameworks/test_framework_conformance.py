"""Conformance over the framework registry: every registered framework whose packages are installed
here is discovered in a real script, described, built (its own sequence), benchmarked on ONNX
Runtime and checked against its reference; registration rejects broken declarations."""

from __future__ import annotations

import importlib.util

import pytest

from mlagility import benchmark_model
from mlagility.api.frameworks import describe_call
from mlagility.builds.state import BuildState
from mlagility.frameworks.base import Framework
from mlagility.frameworks.registry import FrameworkRegistry, frameworks, model_type_of
from mlagility.runtimes.registry import load_registry

REGISTRY = frameworks()
INSTALLED = [name for name, f in sorted(REGISTRY.frameworks.items())
             if all(importlib.util.find_spec(root) is not None for root in f.roots[:1])]
FAST = dict(iterations=5, min_time=0, max_time=5)


def test_builtin_frameworks_register_and_validate():
    assert not REGISTRY.broken, REGISTRY.broken
    assert {"pytorch", "keras", "sklearn"} <= set(REGISTRY.frameworks)
    runtimes = {cls.name: cls for cls in load_registry().runtimes.values()}
    for framework in REGISTRY.frameworks.values():
        framework.validate()
        if framework.reference_runtime is not None:  # its reference runs its models and is a reference
            runtime = runtimes[framework.reference_runtime]
            assert runtime.is_reference and framework.name in runtime.needs.model_types


@pytest.mark.parametrize("name", INSTALLED)
def test_framework_conformance(name, cache_dir):
    framework = REGISTRY.get(name)
    model, inputs = framework.example()
    assert model_type_of(model) == name and REGISTRY.of(model) is framework
    invocation = describe_call(model, inputs, "tiny")
    assert invocation.model.model_type == name and invocation.inputs
    assert framework.weights_hash(model) == framework.weights_hash(model)
    perf = benchmark_model(model, inputs, build_name=f"tiny_{name}", cache_dir=cache_dir, **FAST)
    state = BuildState.load(cache_dir / f"tiny_{name}")
    assert state.source["model_type"] == name
    assert perf.check is not None and perf.check["ok"], perf.check  # against its reference
    assert perf.mean_latency > 0


class _Incomplete(Framework):
    name = "incomplete"
    label = "an incomplete framework"
    roots = ("json",)
    reference_label = "itself"


@pytest.mark.parametrize("change, message", [
    (dict(name=""), "has no name"),
    (dict(name="onnx"), "other than 'onnx'"),
    (dict(roots=()), "roots must name"),
    (dict(reference_runtime=""), "reference_runtime must be"),
    (dict(), "does not implement owns()"),
])
def test_registration_rejects_a_broken_framework(change, message):
    broken = type("Broken", (_Incomplete,), change)
    with pytest.raises(TypeError, match=message):
        FrameworkRegistry().register(broken)


def test_registration_rejects_a_second_framework_of_the_same_name():
    registry = FrameworkRegistry()
    registry.register(REGISTRY.get("pytorch"))
    clash = type("Clash", (REGISTRY.get("pytorch"),), {})
    with pytest.raises(TypeError, match="already registered"):
        registry.register(clash)
    with pytest.raises(TypeError, match="not a mlagility Framework"):
        registry.register(object)
