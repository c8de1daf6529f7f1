"""The framework wiring of one invocation, through the framework registry
(``frameworks/registry.py``), so that ``script.py``/``pipeline.py``/``model.py`` need one call each.

- ``build_plan(model_type, request)``: the stages and the build-identity options of an invocation;
- ``describe_call(model, inputs, build_name)``: what ``benchmark_model`` builds for a live model.
"""

from __future__ import annotations

import dataclasses

from mlagility.analysis.model_info import Invocation
from mlagility.builds.generation_export import generation_sequence
from mlagility.builds.stage import Sequence
from mlagility.common.exceptions import UsageError
from mlagility.frameworks.registry import frameworks


def build_plan(model_type: str, request, scenario: str = "inference") -> tuple[Sequence, dict]:
    """The sequence to run for an invocation of ``model_type`` and the options identity to record.

    A ``generation`` (a ``generate()`` call): its prefill and decode graphs with the KV cache
    (``builds/generation_export.py``) when an ONNX runtime is requested, else nothing to build
    (the PyTorch runtimes run the live model). Otherwise the framework's own plan
    (``Framework.build_plan``), else its sequence with its stage names recorded."""
    if scenario == "generation":
        stages = generation_sequence(request.options) if request.needs_onnx else Sequence("generation", [])
        return stages, {**request.options.identity(), "scenario": "generation"}
    framework = frameworks().get(model_type)
    plan = framework.build_plan(request)
    if plan is not None:
        return plan
    full = framework.sequence(dataclasses.replace(request.options, export_only=False))
    options = dataclasses.replace(request.options, sequence=full.names)
    stages = framework.sequence(request.options) if request.needs_onnx else Sequence("none", [])
    return stages, options.identity()


def describe_call(model, inputs, build_name: str | None) -> Invocation:
    """The ``Invocation`` of ``model`` called with ``inputs``, by the framework that owns it.

    Raises ``UsageError`` for a model of no registered framework (or a call its framework cannot
    describe: an unfitted estimator)."""
    registry = frameworks()
    framework = registry.of(model)
    if framework is None:
        known = ", ".join(f.label for f in registry.ordered())
        raise UsageError(f"benchmark_model needs a model of a registered framework ({known}), "
                         f"got {type(model).__name__}")
    invocation = framework.describe_call(model, inputs, build_name)
    info = invocation.model
    info.name, info.file, info.line = build_name or type(model).__name__, "", 0
    return invocation
