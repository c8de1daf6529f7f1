"""The wiring for one invocation: build it (cached), then benchmark it on each runtime in turn.

For each runtime: the build's artifact rule names the file it runs (``builds/artifacts.py``), the
harness loads and times it (``runtimes/harness.py``), and its saved outputs are compared with the
framework's reference outputs (``runtimes/outputs.py``). Nothing here raises: every failure is
recorded on the ``InvocationResult`` and in the build state.
"""

from __future__ import annotations

import contextlib
import time

from mlagility.analysis.copies import fresh_copy
from mlagility.analysis.generation import GenerationCall, script_precision
from mlagility.analysis.torch_state import clean_context, preserved_state
from mlagility.api.performance import MeasuredPerformance
from mlagility.api.request import BenchmarkRequest
from mlagility.api.results import InvocationResult, Reporter
from mlagility.builds.artifacts import artifact_for, requested_precision
from mlagility.builds.builder import lock_for, run_build
from mlagility.builds.cache import clean_build
from mlagility.builds.stage import BuildContext, Stage
from mlagility.builds.state import BuildState
from mlagility.common.exceptions import BenchmarkError, CacheError, StageError, one_line
from mlagility.machine.locks import benchmarking, building, waiting_for
from mlagility.common.signals import raise_if_stopped
from mlagility.frameworks.registry import frameworks
from mlagility.runtimes import harness
from mlagility.runtimes.base import LoadTarget
from mlagility.runtimes.outputs import (TOLERANCES, compare, compare_tokens, logits_at_divergence, outputs_path,
                                        read_outputs)


@contextlib.contextmanager
def eval_mode(module):
    """Put every submodule in eval mode for the build and benchmark; restore each one after."""
    if module is None or not hasattr(module, "modules"):
        yield
        return
    modes = [(sub, sub.training) for sub in module.modules()]
    module.eval()
    try:
        yield
    finally:
        for sub, training in modes:
            sub.training = training


def run_invocation(
    result: InvocationResult,
    request: BenchmarkRequest,
    reporter: Reporter,
    stages,
    source: dict,
    weights_hash: str | None,
    model=None,
    args: tuple = (),
    kwargs: dict | None = None,
    onnx_source=None,
    identity: dict | None = None,
) -> None:
    """Describe the wanted build of ``result``'s invocation, then build and benchmark it.

    ``source``: what the build records about where the model came from (script, name, class...).
    ``identity``: the build options to record (default: the request's; a framework's sequence
    records its own stage names).
    ``model``/``args``/``kwargs``: the live call (absent for ``.onnx`` files, ``onnx_source``).
    """
    invocation, info = result.invocation, result.model
    wanted = BuildState(
        build_name=result.build_name,
        source={"model_name": info.name, "class": info.qualified_class, "model_type": info.model_type,
                "params": info.params, **source},
        model_hash=info.model_hash,
        weights_hash=weights_hash,
        invocation_hash=invocation.hash,
        inputs=[spec.to_dict() for spec in invocation.inputs],
        options=identity or request.options.identity(),
    )

    if model is not None:  # the build's calls (export trace...) never touch the recorded call
        args, kwargs = fresh_copy((args, kwargs or {}))
    context = BuildContext(dir=request.cache.build_dir(result.build_name), state=wanted, options=request.options,
                           model=model, args=args, kwargs=kwargs or {}, onnx_source=onnx_source,
                           generation=invocation.call if invocation.generation is not None else None)
    build_and_benchmark(result, wanted, context, stages, request, reporter)


def build_and_benchmark(
    result: InvocationResult,
    wanted: BuildState,
    context: BuildContext,
    stages: list[Stage],
    request: BenchmarkRequest,
    reporter: Reporter,
) -> None:
    """Fill ``result`` with the build's outcome and one performance per runtime; never raises."""

    def progress(activity: str) -> None:
        result.activity = activity
        reporter.changed(result)

    result.build_dir = str(context.dir)
    try:
        with waiting_for(request.cache.root, lock_for(context.dir)), preserved_state(context.model), \
                clean_context(), eval_mode(context.model):
            with building(request.cache.root):  # builds share the machine (machine/locks.py)
                if not request.stops_after_build:  # benchmark workers start while the build runs
                    harness.start_workers(request.runtimes)
                try:
                    build = run_build(request.cache, wanted, context, stages, request.rebuild, progress)
                finally:
                    harness.await_workers()  # their start-up stays inside the shared window
            result.reused, result.rebuild_reasons = build.reused, build.rebuild_reasons
            result.exporter, result.opset = build.state.exporter, build.state.opset
            result.flops = (build.state.onnx_stats or {}).get("flops")
            if request.stops_after_build:
                result.status = "exported" if request.export_only else "built"
            else:
                _benchmark_all(result, build, request, progress)
            if request.lean_cache:
                clean_build(context.dir)
    except StageError as error:
        raise_if_stopped()  # a failure that follows Ctrl-C/SIGTERM is the stop (common/signals.py)
        result.fail(error.stage, error.reason, error.log_path)
    except CacheError as error:
        raise_if_stopped()
        result.fail("cache", str(error))
    except Exception as error:  # an unexpected failure stays with this invocation only
        raise_if_stopped()
        result.fail("mlagility", one_line(error))
    result.activity = ""
    reporter.changed(result)


def _reference_outputs(build, request: BenchmarkRequest, live: bool = False, invocation=None):
    """The framework's outputs on the build's inputs (None for .onnx files or with --no-check):
    those the build saved from the weights it holds (``reference`` artifact), or, with ``live``
    (for runtimes that run the script's model object itself), the live model's where its framework
    computes them (``Framework.live_reference``: PyTorch's, with its state preserved, on fresh
    copies of the call's arguments). For a generation: the new tokens the script's own
    ``generate()`` returned."""
    context = build.context
    if not request.check:
        return None
    if invocation is not None and invocation.generation is not None:
        return [invocation.call.tokens.cpu().numpy()]
    framework = None
    if context.model is not None:
        framework = frameworks().get(build.state.source.get("model_type", "pytorch"))
    if live and framework is not None:
        outputs = framework.live_reference(context)
        if outputs is not None:
            return outputs
    saved = context.path("reference")
    if saved is not None and saved.is_file():
        return read_outputs(saved, "the reference outputs")  # unreadable: the check says why
    return framework.live_reference(context) if framework is not None else None


def _check(runtime, build, reference, request: BenchmarkRequest, invocation=None, memo: dict | None = None,
           ran: str | None = None) -> dict | None:
    scenario = invocation.scenario if invocation is not None else "inference"
    if reference is None or (runtime.is_reference and scenario == "inference"):
        return None
    outputs = read_outputs(outputs_path(build.dir, runtime.device, runtime.name))  # never raises
    precision = request.options.quantize or request.options.precision
    if scenario == "generation":  # every runtime's tokens, against the script's own (or eager's, synthetic sizes)
        check = compare_tokens(reference, outputs)
        call = invocation.call
        check["reference"] = "PyTorch eager's generate()" if getattr(call, "overrides", None) else "the script's own"
        check["precision"] = precision or "fp32"
        _label_precisions(check, call, runtime, ran or check["precision"])
        if "first_divergent_token" in check and isinstance(outputs, list) and len(outputs) > 1:
            reference_logits = _reference_logits(call, memo if memo is not None else {})
            if reference_logits is None:
                check["logits_note"] = "the reference's logits could not be computed"
            else:
                logits_at_divergence(check, reference_logits, outputs[1])
        return check
    return compare(reference, outputs, TOLERANCES.get(precision, TOLERANCES["fp32"]))


SHORT_DTYPES = {"float32": "fp32", "float16": "fp16", "bfloat16": "bf16"}


def _label_precisions(check: dict, call, runtime, ran: str) -> None:
    """A generation's token check names what computed each side where they differ: the script's
    tokens at its own precision (``analysis/generation.py: script_precision``, e.g. ``bfloat16
    autocast``), the runtime's at what it ran (the live model's parameters' dtype for a runtime of
    the live model, which runs outside the script's autocast; else the artifact's precision, e.g.
    ``fp32``). Tokens that differ then are not a correctness failure of the runtime: ``ok`` None,
    and the error says both precisions ("tokens differ from the script's (script ran bfloat16
    autocast, ort ran fp32): ...")."""
    script = getattr(call, "precision", "float32")
    if getattr(call, "overrides", None):  # a synthetic size: its reference ran like the runtimes
        return
    if runtime.needs.kind == "model" and getattr(call, "model", None) is not None:
        ran = script_precision(call.model)  # inside clean_context: the parameters' dtype
    script_short = " ".join(SHORT_DTYPES.get(word, word) for word in script.split())
    ran_short = SHORT_DTYPES.get(ran, ran)
    if script_short in ("fp32", ran_short):  # an fp16/int8 build of an fp32 script: the build's own choice, said
        return                                # by check["precision"]
    check.update(script_precision=script, ran_precision=ran_short)
    if check.get("ok") is False:
        check["ok"] = None  # the reference was computed at another precision: not a verdict on the runtime
        check["error"] = (f"tokens differ from the script's (script ran {script}, {runtime.name} ran {ran_short}): "
                          f"{check.get('error')}")


def _reference_logits(call, memo: dict):
    """The reference generation's next-token logits at every step (steps x batch x vocab), from
    the script's ``generate()`` run again on the live model with transformers' ``output_logits``
    (its state and torch's RNG preserved, under the script's autocast where it ran under one);
    computed once per invocation, only where a runtime's tokens diverged; None where it cannot be
    (a replayed decode loop, an error)."""
    if "logits" in memo:
        return memo["logits"]
    memo["logits"] = None

    if not isinstance(call, GenerationCall):
        return None
    try:
        import numpy as np
        import torch

        logits: list = []
        autocast = contextlib.nullcontext()
        if call.precision.endswith(" autocast"):  # the script's precision, as its tokens were made
            parameter = next(call.model.parameters(), None)
            autocast = torch.autocast(parameter.device.type if parameter is not None else "cpu",
                                      dtype=getattr(torch, call.precision.split()[0]))
        with preserved_state(call.model, clone_parameters=False), torch.random.fork_rng(), torch.no_grad(), autocast:
            call.run(call.model, call.fresh(), lambda: None, {}, logits=logits)
        memo["logits"] = np.stack(logits) if logits else None
    except Exception:  # the check then says the logits were not compared; the tokens' verdict stands
        raise_if_stopped()
    return memo["logits"]


def _benchmark_all(result: InvocationResult, build, request: BenchmarkRequest, progress) -> None:
    invocation = result.invocation
    scenario = invocation.scenario if invocation is not None else "inference"
    reference = _reference_outputs(build, request, invocation=invocation)
    live_reference = None
    if any(r.needs.kind == "model" for r in request.runtimes):  # runtimes that run the live model
        live_reference = _reference_outputs(build, request, live=True, invocation=invocation)
    precision = requested_precision(build.state.options or {})
    memo: dict = {}  # the reference generation's logits, computed once where tokens diverge
    for runtime in request.runtimes:  # one at a time: never two timed runtimes at once
        progress(f"Benchmarking on {runtime.name}")
        key = f"{runtime.device}/{runtime.name}"
        try:
            if scenario not in runtime.scenarios:
                raise BenchmarkError(runtime.name, f"not supported: {runtime.name} does not run the {scenario} "
                                     f"scenario (it runs: {', '.join(runtime.scenarios)})")
            artifact = artifact_for(build.context, runtime.needs, runtime.name)
            context = build.context
            target = LoadTarget(model_path=artifact.path, inputs_path=artifact.inputs, model=context.model,
                                args=context.args, kwargs=context.call_kwargs(),
                                generation=invocation.call if scenario == "generation" else None,
                                build_dir=build.dir)
            build.state.benchmark_running(key, build.dir)  # a process killed now leaves it "running"
            started = time.perf_counter()
            runtime_options = runtime.options(precision, **(request.runtime_options or {}).get(runtime.name, {}))
            with benchmarking(request.cache.root, f"{build.state.build_name} {key}") as window:
                measurement = harness.benchmark(harness.Job(runtime, target, request.settings, runtime_options,
                                                            build.dir, artifact.record, scenario))  # alone on the machine
            wall_s = time.perf_counter() - started
        except BenchmarkError as error:
            raise_if_stopped()  # a benchmark cut short by Ctrl-C/SIGTERM is not the runtime's failure
            if error.not_supported:  # the runtime's refusal of this model: its outcome, not a failure of the run
                result.unsupported[runtime.name] = error.reason
                build.state.benchmarks[key] = {"status": "not supported", "scenario": scenario,
                                               "error": error.reason, "log": error.log_path}
                build.state.save(build.dir)
                continue
            result.runtime_errors[runtime.name] = error.reason
            result.fail("benchmark", str(error), error.log_path)
            build.state.benchmarks[key] = {"status": "failed", "scenario": scenario, "error": error.reason,
                                            "log": error.log_path}
        except Exception as error:
            raise_if_stopped()
            result.runtime_errors[runtime.name] = one_line(error)
            result.fail("benchmark", f"benchmark on {runtime.name} failed: {one_line(error)}")
            build.state.benchmarks[key] = {"status": "failed", "scenario": scenario, "error": one_line(error)}
        else:
            check = _check(runtime, build, live_reference if runtime.needs.kind == "model" else reference, request,
                           invocation, memo, ran=measurement.precision)
            result.performance[runtime.name] = MeasuredPerformance(measurement, build.state.build_name, check)
            build.state.benchmarks[key] = {"status": "benchmarked", **measurement.to_dict(), "wall_s": round(wall_s, 4),
                                           "workers": window["workers"], "node": window["node"],
                                           "window": [window["start"], window["end"]]}
            if check is not None:
                result.checks[runtime.name] = check
                build.state.benchmarks[key]["check"] = check
        build.state.save(build.dir)
    if not result.runtime_errors:  # every runtime benchmarked it, or said it does not support it
        result.status = "benchmarked" if result.performance or not result.unsupported else "not supported"
