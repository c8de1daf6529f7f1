"""``benchmark_model``: benchmark one PyTorch model on given inputs."""

from __future__ import annotations

from mlagility.analysis.framework_discovery import weights_hash_of
from mlagility.api import options
from mlagility.api.frameworks import build_plan
from mlagility.api.performance import MeasuredPerformance
from mlagility.api.pipeline import run_invocation
from mlagility.api.request import BenchmarkRequest
from mlagility.api.results import InvocationResult, QuietReporter
from mlagility.common.exceptions import BenchmarkError, StageError, UsageError

__all__ = ["benchmark_model"]


@options.with_options(options.API_MODEL, leading=["model", "inputs", "build_name"],
                      trailing=["script_name", "backend"])
def benchmark_model(model, inputs, build_name: str | None = None, script_name: str | None = None,
                    backend: str = "local", **given) -> MeasuredPerformance | None:
    """Build ``model`` called with ``inputs`` and benchmark it on ``device``/``runtime``.

    ``inputs`` is a dict of keyword arguments (as MLAgility), a tuple of positional arguments,
    or a single tensor. ``build_name`` names the build directory (default: the class name and
    the invocation hash). ``script_name`` (MLAgility's) is recorded as the build's script.
    ``backend``: MLAgility's ``"local"`` (the only one; ``"remote"`` is a ``UsageError``).
    Returns the ``MeasuredPerformance`` of the first runtime, or None with ``build_only``/
    ``export_only``. Raises ``UsageError`` for bad arguments, ``StageError`` when a build stage
    fails, ``BenchmarkError`` when the benchmark fails (each with its log's path).
    """
    if backend != "local":
        raise UsageError(f"backend {backend!r} is not available: mlagility benchmarks locally (backend='local')")
    request = BenchmarkRequest.create(options.API_MODEL, **given)
    invocation, module = describe_call(model, inputs, build_name)
    info = invocation.model
    name = build_name or f"{info.class_name.lower()}_{invocation.hash}{request.build_suffix}"
    request.cache.ensure()
    result = InvocationResult(script_name or "", info, invocation, build_name=name)
    stages, identity = build_plan(info.model_type, request)
    run_invocation(result, request, QuietReporter(), stages, {"script": script_name},
                   weights_hash_of(info.model_type, module), model=module, args=invocation.args,
                   kwargs=invocation.kwargs, identity=identity)
    if result.failed:
        if result.failed_stage == "benchmark":
            runtime = request.runtimes[0].name
            raise BenchmarkError(runtime, result.runtime_errors.get(runtime, result.error), result.log)
        raise StageError(result.failed_stage, result.error, result.log)
    return None if request.stops_after_build else result.performance[request.runtimes[0].name]


def describe_call(model, inputs, build_name: str | None):
    """The ``Invocation`` of ``model`` called with ``inputs``, and the model to build.

    PyTorch modules here; Keras models and fitted estimators through ``api/frameworks.py``.
    """
    from mlagility.analysis import hashing
    from mlagility.analysis.framework_discovery import model_type_of
    from mlagility.analysis.model_info import Invocation, ModelInfo

    if model_type_of(model) != "pytorch":
        from mlagility.api.frameworks import framework_invocation

        return framework_invocation(model, inputs, build_name), model
    args, kwargs = _split_inputs(inputs)
    signature, specs = hashing.input_signature(model, args, kwargs)
    model_hash = hashing.model_hash(model)
    params = list(model.parameters())
    info = ModelInfo(
        name=build_name or type(model).__name__,
        class_name=type(model).__name__,
        qualified_class=f"{type(model).__module__}.{type(model).__qualname__}",
        file="", line=0,
        params=sum(p.numel() for p in params),
        size_mb=sum(p.numel() * p.element_size() for p in params) / 1e6,
        model_hash=model_hash,
    )
    invocation = Invocation(hashing.invocation_hash(model_hash, signature), info, specs, signature,
                            args=args, kwargs=kwargs)
    return invocation, model


def _split_inputs(inputs) -> tuple[tuple, dict]:
    import torch

    if isinstance(inputs, dict):
        return (), dict(inputs)
    if isinstance(inputs, (tuple, list)):
        return tuple(inputs), {}
    if isinstance(inputs, torch.Tensor):
        return (inputs,), {}
    raise UsageError(
        f"inputs must be a dict of keyword arguments, a tuple of arguments or a tensor, "
        f"got {type(inputs).__name__}"
    )
