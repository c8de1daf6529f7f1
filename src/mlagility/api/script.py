"""``benchmark_script``: run scripts (or ``.onnx`` files), benchmark every model they call."""

from __future__ import annotations

import os
import time
from pathlib import Path

from mlagility.api import options
from mlagility.api.request import BenchmarkRequest
from mlagility.api.results import BenchmarkResults, InvocationResult, QuietReporter, Reporter
from mlagility.builds.cache import derive_build_name
from mlagility.common.exceptions import one_line
from mlagility.sweep.attempts import AttemptLog
from mlagility.common.signals import interruption_name, raise_if_stopped
from mlagility.sweep.targets import Target, expand_inputs, labels_match, parse_label_filter
from mlagility.analysis.framework_discovery import FrameworkDiscovery, weights_hash_of
from mlagility.analysis.generation import synthetic_invocations
from mlagility.analysis.script import as_imported, dropped_in_forked_children, end_scripts, run_script
from mlagility.api.frameworks import build_plan
from mlagility.api.onnx_file import benchmark_onnx_file
from mlagility.api.pipeline import run_invocation
from mlagility.builds.cache import cache_folder
from mlagility.common.filesystem import open_for_writing
from mlagility.machine.locks import building
from mlagility.reporting.status_tree import StatusTree, sweep_summary
from mlagility.sweep.isolation import LOGS_DIR, script_log_path, run_isolated
from mlagility.sweep.scale import SweepOptions, run_sweep

__all__ = ["benchmark_script", "InvocationResult", "BenchmarkResults"]

_OWN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@options.with_options(options.API_SCRIPT, leading=["input_scripts"], trailing=["reporter", "quiet"])
def benchmark_script(input_scripts, reporter: Reporter | None = None, quiet: bool = False,
                     **given) -> BenchmarkResults:
    """Run each script as ``python script.py`` would and benchmark every model it calls.

    ``input_scripts``: a path or a list of paths, globs, ``.txt`` lists, or ``script.py::hash1,hash2``
    (only those invocations are built). ``labels``: ``["key::a,b", ...]`` keeps scripts whose
    labels match every key. ``reporter``: receives progress events (``api.results.Reporter``);
    by default the status tree and the summary are printed as ``benchit`` prints them (as
    MLAgility did); ``quiet=True`` prints nothing. Returns one ``InvocationResult`` per distinct model invocation; a script that
    fails is recorded in ``results.script_errors`` and never stops the others. Raises
    ``UsageError`` for a bad option value or input path, before any work starts.
    """
    started = time.perf_counter()
    paths = [input_scripts] if isinstance(input_scripts, (str, Path)) else list(input_scripts)
    targets = expand_inputs(paths)
    request = BenchmarkRequest.create(options.API_SCRIPT, **given)
    wanted_labels = parse_label_filter(request.labels)
    request.cache.ensure()  # also for --analyze-only: attempt records and script logs live there
    tree = None
    if reporter is None and not quiet:
        reporter = tree = StatusTree(header="Models discovered during profiling:\n")
    reporter = reporter or QuietReporter()
    results = BenchmarkResults()
    sweep = SweepOptions.from_values(request.values)
    try:
        if sweep.scaled:
            run_sweep(targets, request, reporter, results, sweep, lambda t, r=request: _skip_reason(t, wanted_labels, r))
        for target in targets if not sweep.scaled else ():
            skip = _skip_reason(target, wanted_labels, request)
            if skip:
                results.skipped[str(target.path)] = skip
                continue
            results.scripts_run.append(str(target.path))
            found: list[InvocationResult] = []
            try:
                error = _run_target(target, request, reporter, found)
            finally:  # an interrupted script keeps what its models finished
                results.extend(found)
            if error:
                results.script_errors[str(target.path)] = error
    except KeyboardInterrupt as interrupt:
        results.interrupted = interruption_name(interrupt)
    results.elapsed_s = time.perf_counter() - started
    if tree is not None:
        tree.console.print(sweep_summary(results))
    return results


def _skip_reason(target: Target, wanted_labels: dict, request: BenchmarkRequest) -> str | None:
    if wanted_labels and not labels_match(target.labels, wanted_labels):
        return "labels do not match --labels"
    if request.resume:
        previous = AttemptLog(request.cache.root).previous(
            target.spec, request.attempt_arguments(), wait_s=request.timeout
        )
        if previous is not None:
            outcome = previous.outcome if previous.status == "finished" else "no outcome recorded (died)"
            return f"attempted before ({outcome})"
    return None


def _run_target(target: Target, request: BenchmarkRequest, reporter: Reporter,
                found: list[InvocationResult]) -> str | None:
    """One script or .onnx file, reported; its results go into ``found`` as they come (an
    interrupted script keeps them); returns its error line (or None)."""
    reporter.script_started(str(target.path))
    for warning in target.label_warnings:
        reporter.warn(warning)
    traceback_text = None
    if request.process_isolation:
        try:
            isolated, error = run_isolated(target, request)
        except KeyboardInterrupt as interrupt:  # keep what the stopped child finished
            isolated = getattr(interrupt, "results", [])
            found.extend(isolated)
            for result in isolated:
                reporter.changed(result)
            reporter.script_finished(str(target.path), f"interrupted by {interruption_name(interrupt)}")
            raise
        found.extend(isolated)
        for result in isolated:
            reporter.changed(result)
    else:
        attempts = AttemptLog(request.cache.root)
        attempt = attempts.start(target.spec, request.attempt_arguments())
        try:
            if target.path.suffix == ".onnx":
                found.extend(benchmark_onnx_file(target.path, request, reporter))
                error = None
            else:
                error, traceback_text = _run_script(target, request, reporter, found)
        except KeyboardInterrupt as interrupt:  # Ctrl-C or SIGTERM: not an attempt; --resume runs it again
            for result in found:
                if result.activity:  # cut short: not left showing as still building or benchmarking
                    result.activity, result.status = "", "interrupted"
                    reporter.changed(result)
            if attempt:
                attempts.path(target.spec, request.attempt_arguments()).unlink(missing_ok=True)
            reporter.script_finished(str(target.path), f"interrupted by {interruption_name(interrupt)}")
            raise
        if attempt and traceback_text:
            attempt.log = str(_write_script_log(request, target, traceback_text))
            error = f"{error} (log: {attempt.log})"
        if attempt:
            failed = error or any(result.failed for result in found)
            attempts.finish(attempt, f"error: {error}" if error else "failed" if failed else "ok")
    reporter.script_finished(str(target.path), error, traceback_text)
    return error


def _write_script_log(request: BenchmarkRequest, target: Target, text: str) -> Path:
    """The script's traceback, in the cache's ``_logs`` (where isolated children log too)."""
    path = script_log_path(request, target)
    cache_folder(request.cache.root, LOGS_DIR)  # a cache (marker first), no linked folder
    with open_for_writing(path, "a") as log:
        log.write(text)
    return path


def _run_script(target: Target, request: BenchmarkRequest, reporter: Reporter,
                found: list[InvocationResult]) -> tuple[str | None, str | None]:
    """Run one script with discovery, its results appended to ``found`` as models are called;
    returns its error line and traceback (or None)."""
    author = target.author or ""

    def on_invocation(invocation, module) -> None:
        # Called from inside the script (the one place data turns back, see docs/architecture.md):
        # nothing benchit raises here may reach the script's frames.
        result = InvocationResult(
            script=str(target.path),
            model=invocation.model,
            invocation=invocation,
            build_name=derive_build_name(target.path.stem, author, invocation.hash, request.build_suffix),
        )
        found.append(result)
        try:
            reporter.changed(result)
            if request.analyze_only or (target.hashes and invocation.hash not in target.hashes):
                result.status = "analyzed" if request.analyze_only else "skipped"
                reporter.changed(result)
                return
            with as_imported():  # benchit's export and calls see torch as imported, not the script's patches
                _build_invocation(result, module, target, request, reporter)
        except Exception as error:  # benchit's own fault: this invocation's failure, not the script's
            raise_if_stopped()  # unless a Ctrl-C/SIGTERM caused it: then the stop goes on
            result.fail("mlagility", one_line(error))
            reporter.changed(result)
        if invocation.generation is not None and not request.analyze_only:
            _synthetic_generations(invocation, module)

    def _synthetic_generations(invocation, module) -> None:
        """--prompt-lengths / --new-tokens / --batch-sizes: the generation at other sizes."""
        values = request.values
        try:
            variants = synthetic_invocations(invocation, values.get("prompt_lengths"), values.get("new_tokens"),
                                             values.get("batch_sizes"),
                                             warn=lambda text: reporter.warn(f"{invocation.model.name}: {text}"))
        except Exception as error:
            raise_if_stopped()
            reporter.warn(f"{invocation.model.name}: the generation at other sizes could not be made: "
                          f"{one_line(error)}")
            return
        for variant in variants:
            on_invocation(variant, module)

    error = traceback_text = None
    try:
        with FrameworkDiscovery(target.path, on_invocation, max_depth=request.max_depth) as discovery, \
                dropped_in_forked_children(discovery.go_inert), building(request.cache.root):
            run_script(target.path, request.script_args)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # the script's own failure (SystemExit != 0 included)
        error, traceback_text = script_failure(exc, target.path)
    finally:
        end_scripts()  # after discovery's last builds (models called from threads)
    unknown = [h for h in target.hashes or [] if h not in {r.invocation.hash for r in found}]
    if unknown:
        error = (error + "; " if error else "") + f"unknown invocation hash(es): {', '.join(unknown)}"
    return error, traceback_text


def script_failure(exc: BaseException, script: Path) -> tuple[str, str]:
    """``script raised KeyError: None (at script.py, line 12)`` and the script's own traceback
    (the frames of mlagility that ran it are left out)."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith(_OWN_DIR)]
    script_path = str(script.resolve())
    own = [f for f in frames if f.filename == script_path] or frames
    where = f" (at {Path(own[-1].filename).name}, line {own[-1].lineno})" if own else ""
    text = "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames)) + "".join(
        traceback.format_exception_only(type(exc), exc))
    return f"script raised {one_line(exc)}{where}", text


def _build_invocation(result: InvocationResult, module, target: Target, request: BenchmarkRequest, reporter) -> None:
    model_type = result.model.model_type
    source = {"script": result.script, "location": result.model.location, "labels": target.labels,
              "parent_invocation": result.invocation.parent_invocation,
              "arguments": dict(result.invocation.constants)}
    if result.invocation.generation is not None:
        source["generation"] = result.invocation.generation.to_dict()
    stages, identity = build_plan(model_type, request, result.invocation.scenario)
    run_invocation(result, request, reporter, stages, source, weights_hash_of(model_type, module),
                   model=module, args=result.invocation.args, kwargs=result.invocation.kwargs, identity=identity)
