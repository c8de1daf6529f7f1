"""The wiring for models of other frameworks (Keras, scikit-learn & co), kept apart from the
PyTorch path so that ``script.py``/``pipeline.py``/``model.py`` need one call each.

- ``build_plan(model_type, request)``: the stages and the build-identity options of an invocation;
- ``runtime_mismatch(runtime, build)``: why a live-model runtime cannot run this model's framework;
- ``benchmark_framework_model(model, inputs, ...)``: ``benchmark_model`` for a Keras model or a
  fitted estimator.
"""

from __future__ import annotations

import dataclasses

from mlagility.analysis.framework_discovery import model_type_of, weights_hash_of
from mlagility.builds.stage import Sequence

MODEL_TYPE_NAMES = {
    "pytorch": "Pytorch (torch.nn.Module)",
    "keras": "Keras (keras.Model)",
    "sklearn": "scikit-learn estimator",
    "onnx": "ONNX file",
}


def build_plan(model_type: str, request) -> tuple[Sequence, dict]:
    """The sequence to run for an invocation of ``model_type`` and the options identity to record."""
    from mlagility.builds.framework_stages import sequence_for, stage_names

    if model_type == "pytorch":
        return request.pytorch_stages(), request.options.identity()
    options = dataclasses.replace(request.options, sequence=stage_names(model_type, request.options))
    stages = sequence_for(model_type, request.options) if request.needs_onnx else Sequence("none", [])
    return stages, options.identity()


def runtime_mismatch(runtime, build) -> str | None:
    """A runtime that runs the live model (torch-eager, keras) runs its own framework's only."""
    model = build.context.model
    if not getattr(runtime, "needs_model", False) or model is None:
        return None
    needs = getattr(runtime, "needs", None)  # the harness interface declares needs.model_types
    wanted = tuple(getattr(needs, "model_types", ())) or (getattr(runtime, "model_type", "pytorch"),)
    actual = model_type_of(model)
    if actual not in wanted:
        names = " or ".join(MODEL_TYPE_NAMES.get(w, w) for w in wanted)
        return f"{runtime.name} runs {names} models, not a {MODEL_TYPE_NAMES.get(actual, actual)}"
    return None


def benchmark_framework_model(model, inputs, build_name=None, **given):
    """Build a Keras model / fitted estimator called with ``inputs`` and benchmark it.

    ``inputs``: for an estimator, the ``X`` array (or a 1-tuple); for a Keras model, a tuple of
    positional arguments, a dict of keyword arguments, or a single array.
    """
    from mlagility.analysis import hashing
    from mlagility.analysis.model_info import Invocation, ModelInfo
    from mlagility.api.pipeline import build_and_benchmark
    from mlagility.api.request import BenchmarkRequest
    from mlagility.api.results import InvocationResult, QuietReporter
    from mlagility.builds.stage import BuildContext
    from mlagility.builds.state import BuildState
    from mlagility.common.exceptions import BenchmarkError, StageError, UsageError

    model_type = model_type_of(model)
    if model_type == "keras":
        from mlagility.analysis.keras_discovery import KerasDiscovery as discovery_class
        from mlagility.analysis.keras_discovery import block_triton_after_tensorflow, named_inputs

        block_triton_after_tensorflow()

        args, kwargs = _split(inputs)
        named = named_inputs(model, args, kwargs)
    elif model_type == "sklearn":
        from mlagility.analysis.sklearn_discovery import SklearnDiscovery as discovery_class
        from mlagility.analysis.sklearn_discovery import is_fitted

        if not is_fitted(model):
            raise UsageError(f"benchmark_model needs a fitted estimator: fit the {type(model).__name__} first")
        import numpy as np

        X = inputs[0] if isinstance(inputs, tuple) else inputs
        args, kwargs, named = (X,), {}, [("X", np.asarray(X))]
    else:
        raise UsageError(f"benchmark_model needs a torch.nn.Module, a keras.Model or a fitted estimator, "
                         f"got {type(model).__name__}")
    from mlagility.api import options as declared

    request = BenchmarkRequest.create(declared.API_MODEL, **given)
    runtime = request.runtimes[0].name
    request.cache.ensure()
    found = discovery_class("<benchmark_model>", lambda *_: None)
    found.suspended = True
    invocation: Invocation = found.record(model, named, args, kwargs)
    info: ModelInfo = invocation.model
    info.name, info.file, info.line = build_name or type(model).__name__, "", 0
    name = build_name or f"{type(model).__name__.lower()}_{invocation.hash}{request.build_suffix}"
    result = InvocationResult("", info, invocation, build_name=name)
    stages, options = build_plan(model_type, request)
    wanted = BuildState(
        build_name=name,
        source={"model_name": info.name, "class": info.qualified_class, "params": info.params,
                "model_type": model_type},
        model_hash=info.model_hash, weights_hash=weights_hash_of(model_type, model),
        invocation_hash=invocation.hash, inputs=[spec.to_dict() for spec in invocation.inputs], options=options,
    )
    context = BuildContext(request.cache.build_dir(name), wanted, request.options, model=model, args=args, kwargs=kwargs)
    build_and_benchmark(result, wanted, context, stages, request, QuietReporter())
    if result.failed:
        if result.failed_stage == "benchmark":
            raise BenchmarkError(runtime, result.runtime_errors.get(runtime, result.error), result.log)
        raise StageError(result.failed_stage, result.error, result.log)
    return None if request.stops_after_build else result.performance[runtime]


def _split(inputs) -> tuple[tuple, dict]:
    if isinstance(inputs, dict):
        return (), dict(inputs)
    if isinstance(inputs, tuple):
        return inputs, {}
    return (inputs,), {}  # an array, or a list of arrays for a multi-input Keras model
