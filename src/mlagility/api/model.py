"""``benchmark_model``: benchmark one model (of any registered framework) on given inputs."""

from __future__ import annotations

from mlagility.analysis.framework_discovery import weights_hash_of
from mlagility.api import options
from mlagility.api.frameworks import build_plan, describe_call
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
    invocation, module = describe_call(model, inputs, build_name), model
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
    if request.stops_after_build:
        return None
    runtime = request.runtimes[0].name
    if runtime in result.unsupported:  # the API's caller asked for this runtime's performance: there is none
        raise BenchmarkError(runtime, result.unsupported[runtime], result.log)
    return result.performance[runtime]
