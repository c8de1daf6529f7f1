"""``benchmark_script``: run scripts (or ``.onnx`` files), benchmark every model they call."""

from __future__ import annotations

from pathlib import Path

from mlagility.api.onnx_file import benchmark_onnx_file
from mlagility.api.pipeline import build_and_benchmark
from mlagility.api.request import BenchmarkRequest, check_input_files
from mlagility.api.results import BenchmarkResults, InvocationResult, QuietReporter, Reporter
from mlagility.common.exceptions import one_line

__all__ = ["benchmark_script", "InvocationResult", "BenchmarkResults"]


def benchmark_script(
    input_scripts,
    cache_dir=None,
    device: str = "x86",
    runtime="ort",
    rebuild: str = "if_needed",
    iterations: int = 100,
    min_time: float = 1.0,
    max_time: float = 60.0,
    analyze_only: bool = False,
    build_only: bool = False,
    export_only: bool = False,
    onnx_opset: int | None = None,
    script_args=None,
    reporter: Reporter | None = None,
) -> BenchmarkResults:
    """Run each script as ``python script.py`` would and benchmark every model it calls.

    ``input_scripts`` is a path or a list of paths to ``.py`` scripts or ``.onnx`` files.
    Returns one ``InvocationResult`` per distinct model invocation; a script that raised is listed
    in ``results.script_errors`` and does not stop the others. ``runtime`` may be a list.
    """
    paths = [input_scripts] if isinstance(input_scripts, (str, Path)) else list(input_scripts)
    files = check_input_files(paths)
    request = BenchmarkRequest.create(
        cache_dir, device, runtime, rebuild, iterations, min_time, max_time,
        analyze_only, build_only, export_only, onnx_opset, script_args,
    )
    if not analyze_only:
        request.cache.ensure()
    reporter = reporter or QuietReporter()
    results = BenchmarkResults()
    for path in files:
        reporter.script_started(str(path))
        if path.suffix == ".onnx":
            results.extend(benchmark_onnx_file(path, request, reporter))
            error = None
        else:
            found, error = _run_script(path, request, reporter)
            results.extend(found)
        if error:
            results.script_errors[str(path)] = error
        reporter.script_finished(str(path), error)
    return results


def _run_script(path: Path, request: BenchmarkRequest, reporter: Reporter):
    """Run one script with discovery; returns its results and its error line (or None)."""
    from mlagility.analysis.discovery import ModelDiscovery
    from mlagility.analysis.script import run_script

    found: list[InvocationResult] = []

    def on_invocation(invocation, module) -> None:
        result = InvocationResult(
            script=str(path),
            model=invocation.model,
            invocation=invocation,
            build_name=f"{path.stem}_{invocation.hash}",
        )
        found.append(result)
        reporter.changed(result)
        if request.analyze_only:
            result.status = "analyzed"
            reporter.changed(result)
            return
        _build_invocation(result, module, request, reporter)

    error = None
    try:
        with ModelDiscovery(path, on_invocation):
            run_script(path, request.script_args)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # the script's own failure (SystemExit != 0 included)
        error = f"script raised {one_line(exc)}"
    return found, error


def _build_invocation(result: InvocationResult, module, request: BenchmarkRequest, reporter) -> None:
    from mlagility.analysis.hashing import weights_hash
    from mlagility.build.stages import BuildContext, pytorch_sequence
    from mlagility.build.state import BuildState

    invocation, info = result.invocation, result.model
    wanted = BuildState(
        build_name=result.build_name,
        source={
            "script": result.script,
            "model_name": info.name,
            "class": info.qualified_class,
            "location": info.location,
            "params": info.params,
        },
        model_hash=info.model_hash,
        weights_hash=weights_hash(module),
        invocation_hash=invocation.hash,
        inputs=[spec.to_dict() for spec in invocation.inputs],
        options=request.options.identity(),
    )
    context = BuildContext(
        dir=request.cache.build_dir(result.build_name),
        state=wanted,
        options=request.options,
        model=module,
        args=invocation.args,
        kwargs=invocation.kwargs,
    )
    stages = pytorch_sequence(request.options) if request.needs_onnx else []
    build_and_benchmark(result, wanted, context, stages, request, reporter)
