"""The live status tree: one node per script, one per model invocation, as MLAgility prints it."""

from __future__ import annotations

from pathlib import Path

from rich.console import Group
from rich.live import Live
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from mlagility.frameworks.registry import label_of, reference_label_of
from mlagility.reporting.printing import clean_text, format_bytes, format_flops, format_ms, format_size, terminal_console
from mlagility.runtimes.registry import non_default_options, reference_runtime_names
from mlagility.scenarios.base import format_value

SUCCESS = {
    "analyzed": "Analyzed (not built)",
    "skipped": "Skipped (hash not in the script.py::hashes list)",
    "exported": "Exported to ONNX (not benchmarked)",
    "built": "Built (not benchmarked)",
}


class StatusTree:
    """A ``Reporter`` drawing results with rich, live, without clearing the user's screen."""

    def __init__(self, console=None, header: str | None = None):
        self.console = console or terminal_console()
        self.header = header
        self.script: str | None = None
        self.results: list = []
        self.error: str | None = None
        self.finished = False  # script_finished was called for the current script
        self.frames: list[str] = []
        self.tracebacks: dict[str, str] = {}  # script -> its traceback (printed with --traceback)
        self._live: Live | None = None

    # -- Reporter events ---------------------------------------------------------------------
    def script_started(self, script: str) -> None:
        self.script, self.results, self.error, self.finished = script, [], None, False
        if self.header:
            self.console.print(self.header)
            self.header = None
        if not self.console.is_terminal:
            return  # logs and pipes get the final tree once, in script_finished
        self._live = Live(
            self, console=self.console, refresh_per_second=4, transient=False,
            redirect_stdout=True, redirect_stderr=True,
        )
        self._live.start()

    def warn(self, message: str) -> None:
        self.console.print(Text(clean_text(f"warning: {message}"), style="yellow"))

    def changed(self, result) -> None:
        if result not in self.results:
            self.results.append(result)
        if self._live is not None:
            self._live.refresh()

    def script_finished(self, script: str, error: str | None, traceback_text: str | None = None) -> None:
        self.error, self.finished = error, True
        self.frames = _last_frames(traceback_text)
        if traceback_text:
            self.tracebacks[script] = traceback_text
        if self._live is not None:
            self._live.stop()
            self._live = None
        else:
            self.console.print(self)

    # -- rendering ---------------------------------------------------------------------------
    def __rich__(self) -> Tree:
        tree = Tree(Text(clean_text(f"{Path(self.script or '').name}:"), style="bold"), guide_style="dim")
        if not self.results and self.error is None:
            tree.add(Text("(the script called no model)" if self.finished else "(running the script, no model called yet)",
                          style="dim"))
        nodes = {}
        for group in group_by_model(self.results):
            parent = nodes.get(group[0].invocation.parent_invocation, tree)
            if len(group) == 1:
                nodes[group[0].invocation.hash] = parent.add(self._invocation_node(group[0]))
                continue
            # One model called with several signatures: the model once, its invocations under it.
            model_node = parent.add(self._model_node(group))
            for number, result in enumerate(group, 1):
                nodes[result.invocation.hash] = model_node.add(self._invocation_only_node(result, number))
        estimate = script_estimate(self.results) if self.finished else None
        if estimate:
            tree.add(Text(estimate))
        if self.error:
            node = tree.add(Text(clean_text(f"Script error: {self.error}"), style="bold red"))
            for frame in self.frames:
                node.add(Text(clean_text(frame), style="red"))
        return tree

    def _model_rows(self, grid, info) -> None:
        kind = label_of(info.model_type)
        grid.add_row("Model Type:", kind)
        wrapper = f", called through {info.wrapper}" if getattr(info, "wrapper", None) else ""
        grid.add_row("Class:", clean_text(f"{info.class_name} ({info.qualified_class}{wrapper})"))
        if info.file:
            grid.add_row("Location:", clean_text(info.location if info.line else info.file))
        grid.add_row("Parameters:", f"{info.params:,} ({format_size(info.size_mb)})")

    def _invocation_rows(self, grid, result) -> None:
        invocation = result.invocation
        grid.add_row("Input Shape:", invocation.input_shapes)
        if getattr(invocation, "generation", None) is not None:
            grid.add_row("Generation:", invocation.generation.summary)
        if getattr(invocation, "constants", None):
            grid.add_row("Arguments:", invocation.constant_arguments)
        grid.add_row("Hash:", invocation.hash)
        if result.build_dir:
            grid.add_row("Build dir:", clean_text(result.build_dir))
        if result.reused:
            grid.add_row("Build:", "cached build reused (no export)")
        elif result.exporter:
            grid.add_row("Build:", f"built with the {result.exporter} exporter, opset {result.opset}")
        for reason in result.rebuild_reasons:
            label = "Stale:" if reason.startswith("stale but reused") else "Rebuilt:"
            grid.add_row(label, Text(reason, style="yellow"))
        grid.add_row("Status:", self._status(result))

    @staticmethod
    def _grid() -> Table:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="cyan", no_wrap=True)
        grid.add_column()
        return grid

    def _invocation_node(self, result) -> Group:
        info, invocation = result.model, result.invocation
        executed = f" (executed {invocation.executions}x)" if info.model_type != "onnx" else ""
        grid = self._grid()
        self._model_rows(grid, info)
        self._invocation_rows(grid, result)
        return Group(Text(clean_text(f"{info.name}{executed}"), style="bold"), Padding(grid, (0, 0, 0, 4), expand=False))

    def _model_node(self, group) -> Group:
        info = group[0].model
        total = sum(result.invocation.executions for result in group)
        grid = self._grid()
        self._model_rows(grid, info)
        title = f"{info.name} ({len(group)} invocations, executed {total}x in all)"
        return Group(Text(clean_text(title), style="bold"), Padding(grid, (0, 0, 0, 4), expand=False))

    def _invocation_only_node(self, result, number: int) -> Group:
        grid = self._grid()
        self._invocation_rows(grid, result)
        title = f"Invocation {number} (executed {result.invocation.executions}x)"
        return Group(Text(title, style="bold"), Padding(grid, (0, 0, 0, 4), expand=False))

    def _status(self, result):
        lines = []
        for runtime, perf in result.performance.items():
            lines.append(Text(f"Successfully benchmarked on {perf.device_name} ({runtime} v{perf.runtime_version}, "
                              f"{perf.precision})", style="green"))
            lines += [Text(line) for line in perf.scenario_class.describe(perf.measurement)]
            lines.append(Text(clean_text(f"Ran: {_artifact_text(perf.artifact)}{_options_text(perf.measurement)}"),
                              style="dim"))
            if result.flops and perf.scenario == "inference":
                gflops = result.flops / (perf.median_latency / 1e3) / 1e9
                lines.append(Text(f"Compute: {format_flops(result.flops)} per inference, {gflops:,.3g} GFLOP/s at the median"))
            executions = result.invocation.executions
            if executions > 1:  # a loop (a UNet under a scheduler): the steps and their total
                step = getattr(perf, perf.scenario_class.whole_call)
                if step:
                    lines.append(Text(f"Loop: called {executions}x by the script: {executions} x {format_ms(step)} ms "
                                      f"= {format_ms(executions * step)} ms per run of the script"))
            lines += _measurement_warnings(perf)
            if runtime in result.checks:
                lines.append(_check_text(result.checks[runtime], result.model.model_type))
        if len(result.performance) > 1:
            lines.append(comparison_table(result))
        for runtime, reason in result.unsupported.items():  # a runtime's refusal: its reason, not a failure
            lines.append(Text(clean_text(unsupported_text(runtime, reason)), style="yellow"))
        if result.failed:
            for text in _failure_texts(result):  # every runtime's failure, in the order they ran
                lines.append(Text(clean_text(text), style="bold red"))
            if result.log:
                lines.append(Text(clean_text(f"Log: {result.log}"), style="red"))
        elif result.activity:
            lines.append(Text(f"{result.activity}...", style="yellow"))
        elif result.status in SUCCESS:
            lines.append(Text(SUCCESS[result.status], style="green"))
        elif result.status == "found":
            lines.append(Text("Discovered", style="yellow"))
        elif result.status == "interrupted":
            lines.append(Text("Interrupted before it finished", style="yellow"))
        return Group(*lines) if lines else Text("")


NOISY_CV = 0.2
LAST_FRAMES = 3


def script_estimate(results) -> str | None:
    """``End-to-end estimate of one run of the script: ort 12.3 ms, torch-eager 40.1 ms`` for a
    script whose top-level models (a pipeline's text encoder, UNet, VAE decoder...) were each
    benchmarked on a runtime: the sum of each one's whole-call time (median, or e2e for a
    generation) x the calls the script made. Only where there are two models or more, and only
    runtimes that ran every one of them."""
    top = [r for r in results if r.model.depth == 0 and not r.failed]
    if len({model_key(r) for r in top}) < 2 or len(top) != len([r for r in results if r.model.depth == 0]):
        return None
    runtimes = set.intersection(*(set(r.performance) for r in top)) if top else set()
    totals = {}
    for runtime in sorted(runtimes):
        total = 0.0
        for result in top:
            perf = result.performance[runtime]
            value = getattr(perf, perf.scenario_class.whole_call)
            if not value:
                break
            total += value * result.invocation.executions
        else:
            totals[runtime] = total
    if not totals:
        return None
    shown = ", ".join(f"{runtime} {format_ms(total)} ms" for runtime, total in totals.items())
    return (f"End-to-end estimate of one run of the script (each model's median x its calls): {shown}")


def _last_frames(traceback_text: str | None) -> list[str]:
    """The last frames of a script's traceback, one line each: ``file.py:12 in f: code``."""
    import re

    if not traceback_text:
        return []
    frames = re.findall(r'File "([^"]+)", line (\d+), in (\S+)\n(?:    (.*)\n)?', traceback_text)
    return [f"{Path(file).name}:{line} in {where}: {code.strip()}" for file, line, where, code in frames[-LAST_FRAMES:]]


def _options_text(measurement) -> str:
    """``, options: key=value ...`` for the runtime options that differ from the defaults."""
    changed = non_default_options(measurement.device_type, measurement.runtime, measurement.runtime_options)
    return (", options: " + " ".join(f"{key}={value}" for key, value in changed.items())) if changed else ""


def _artifact_text(artifact: dict) -> str:
    """``model-opt.onnx (fp32 weights, float32 I/O, 3.1 MB, sha256 1a2b3c4d)`` or the live model."""
    if not artifact or artifact.get("kind") == "model":
        return f"the live model in-process ({(artifact or {}).get('precision', 'fp32')})"
    io = sorted(set(artifact.get("inputs", []) + artifact.get("outputs", [])))
    graphs = artifact.get("graphs")  # a generation build: its graphs, named by their manifest
    shown = f"{' + '.join(map(str, graphs.values()))} ({artifact.get('file')})" if isinstance(graphs, dict) \
        else artifact.get("file")
    return (f"{shown} ({artifact.get('precision')} weights, {'/'.join(io) or '?'} I/O, "
            f"{format_bytes(artifact.get('bytes') or 0)}, sha256 {str(artifact.get('sha256', ''))[:8]})")


def model_key(result) -> tuple:
    """What identifies one model object across its invocations (results from a child process
    carry copies of its ``ModelInfo``, so equal fields, not identity)."""
    info = result.model
    # a sub-model is grouped under each parent invocation it ran in
    return (result.script, info.name, info.model_hash, info.file, info.line, result.invocation.parent_invocation)


def group_by_model(results) -> list[list]:
    """Results grouped by model, in the order each model was first found."""
    groups: dict[tuple, list] = {}
    for result in results:
        groups.setdefault(model_key(result), []).append(result)
    return list(groups.values())


def _measurement_warnings(perf) -> list:
    warnings = []
    if (perf.cv or 0) > NOISY_CV:
        warnings.append(Text(f"Warning: noisy measurement (coefficient of variation {perf.cv:.0%}); "
                             "rerun on a quieter machine or raise --min-time", style="yellow"))
    if perf.load_average is not None and perf.load_average > perf.cores:
        warnings.append(Text(f"Warning: machine busy while timing (load average {perf.load_average:.1f} "
                             f"on {perf.cores} cores)", style="yellow"))
    return warnings


SCRIPT_TOKENS = "the script's own"  # what a generation's tokens are checked against, by default


def _check_text(check: dict, model_type: str = "pytorch") -> Text:
    if check.get("kind") == "tokens":
        precisions = (f" (script ran {check['script_precision']}, this runtime ran {check.get('ran_precision')})"
                      if check.get("script_precision") else "")
        if check.get("ok") is None and "first_divergent_token" in check:  # the script ran another precision
            error = check.get("error") or ""
            return Text(clean_text(error[:1].upper() + error[1:]), style="yellow")
        if check.get("ok") is None:
            return Text(f"Tokens not compared with {check.get('reference', SCRIPT_TOKENS)}: {check.get('error')}",
                        style="yellow")
        if check.get("ok"):
            batch = check.get("batch_size", 1)
            return Text(f"Tokens match {check.get('reference', SCRIPT_TOKENS)} "
                        f"({check.get('new_tokens', check['tokens'])} new tokens"
                        f"{f' x batch {batch}' if batch > 1 else ''}){precisions}", style="green")
        if check.get("precision") in ("fp16", "int8") and "first_divergent_token" in check:
            # a converted build's greedy tokens may legitimately take the other side of a near-tie:
            # where and by how much, not a verdict (the margin says whether it was a near-tie)
            return Text(clean_text(f"Tokens diverge from {check.get('reference', SCRIPT_TOKENS)} "
                                   f"({check['precision']}): {check.get('error')}"), style="yellow")
        return Text(clean_text(f"MISMATCH: {check.get('error')}"), style="bold red")
    reference = reference_label_of(model_type)
    errors = [o for o in check.get("outputs", []) if "max_rel_error" in o]
    worst = max((o["max_rel_error"] for o in errors), default=0.0)
    worst_abs = max((o["max_abs_error"] for o in errors), default=0.0)
    if check.get("ok") is None:  # nothing could be compared (outputs unreadable, not comparable)
        reason = (check.get("error") or "no comparable output").removeprefix("not compared: ")
        return Text(f"Outputs not compared with {reference}: {reason}", style="yellow")
    labels = [o for o in check.get("outputs", []) if "mismatches" in o]
    exact = "".join(f", labels {o['compared'] - o['mismatches']} of {o['compared']} equal" for o in labels)
    skipped = f"; {check['not_compared']}, not compared" if check.get("not_compared") else ""
    if check.get("ok"):
        return Text(f"Outputs match {reference} (max abs error {worst_abs:.2g}, max rel error {worst:.2g}, "
                    f"tolerance {check['tolerance']:g}{exact}){skipped}", style="green")
    detail = check.get("error") or f"max rel error {worst:.3g} > tolerance {check['tolerance']:g}"
    return Text(clean_text(f"MISMATCH: outputs differ from {reference}: {detail}"), style="bold red")


def comparison_table(result) -> Table:
    """One row per runtime: median, p90, throughput, speedup over the framework's own runtime
    (torch-eager, keras: ``Runtime.is_reference``) when it ran, memory, load."""
    references = reference_runtime_names()
    reference = next((name for name in result.performance if name in references), None)
    scenario = next(iter(result.performance.values())).scenario_class
    table = Table(title="Runtime comparison", title_justify="left", show_edge=False, pad_edge=False)
    speedup_column = [f"vs {reference}"] if reference else []  # none when the reference did not run
    metrics = [scenario.metric(name) for name in scenario.table]
    for column in ["runtime", *(m.label for m in metrics), *speedup_column, "peak MiB", "load/compile s", "check"]:
        table.add_column(column, justify="left" if column in ("runtime", "check") else "right")
    base = result.performance.get(reference)
    primary = scenario.primary
    for name, perf in result.performance.items():
        check = result.checks.get(name)
        verdict = "-" if check is None else {True: "ok", None: "not checked"}.get(check["ok"], "MISMATCH")
        if check and check["ok"] is None and "first_divergent_token" in check:  # another precision than the script's
            verdict = f"differs at {check['first_divergent_token']} ({check.get('ran_precision')} vs script)"
        if check and check["ok"] is False and check.get("precision") in ("fp16", "int8") \
                and "first_divergent_token" in check:
            verdict = f"diverges at {check['first_divergent_token']}"
        if name not in result.checks and name in references:
            verdict = "reference"
        load = "-" if perf.load_time is None else f"{perf.load_time:.3f}"
        ratio = base and getattr(base, primary) and getattr(perf, primary)
        speedup = ([f"{getattr(base, primary) / getattr(perf, primary):.2f}x" if ratio else "-"] if base else [])
        table.add_row(name, *(format_value(perf.metrics.get(m.name)) for m in metrics),
                      *speedup, f"{perf.peak_memory_mib:,.0f}", load, verdict)
    return table


def unsupported_text(runtime: str, reason: str) -> str:
    """A runtime's refusal as one line that names the runtime once: ``not supported on ort: <why>``
    as it is, ``ort-genai: not supported by onnxruntime-genai: <why>``."""
    if reason.startswith((f"not supported on {runtime}:", f"not supported: {runtime} ")):
        return reason
    return f"{runtime}: {reason}"


def _failure_texts(result) -> list[str]:
    """``export failed: <reason>``, or for a benchmark one ``benchmark on <runtime> failed:
    <reason>`` per runtime that failed (several runtimes can fail on one model)."""
    if result.failed_stage == "benchmark":
        if result.runtime_errors:
            return [f"benchmark on {runtime} failed: {reason}" for runtime, reason in result.runtime_errors.items()]
        return [result.error or "benchmark failed"]
    return [f"{(result.failed_stage or 'build').replace('_', ' ')} failed: {result.error}"]


def sweep_summary(results) -> Table:
    """The end of a sweep: scripts, models, failures grouped by stage and reason, total time."""
    from collections import Counter

    table = Table(title="Summary", show_header=False, title_justify="left", box=None, padding=(0, 2))
    table.add_column(style="cyan")
    table.add_column()
    statuses = Counter(result.status for result in results)
    built = sum(statuses[s] for s in ("built", "exported", "benchmarked", "not supported")) + sum(
        1 for r in results if r.failed and r.failed_stage == "benchmark"
    )
    table.add_row("Scripts", f"{len(results.scripts_run)} run, {len(results.skipped)} skipped, "
                  f"{len(results.script_errors)} with errors")
    reused = sum(1 for result in results if result.reused)
    built_text = f"{built} built ({reused} reused from the cache)" if reused else f"{built} built"
    models = len(group_by_model(results))
    found = f"{models} found" if models == len(results) else f"{models} found ({len(results)} invocations)"
    unsupported = f", {statuses['not supported']} not supported" if statuses["not supported"] else ""
    table.add_row("Models", f"{found}, {built_text}, {statuses['benchmarked']} benchmarked, "
                  f"{statuses['failed']} failed{unsupported}")
    mismatches = sum(1 for r in results for c in r.checks.values() if c.get("ok") is False)
    if mismatches:
        table.add_row(Text("Mismatches", style="bold red"), f"{mismatches} runtime output(s) differ from their reference "
                      "(PyTorch eager, Keras, the estimator, or the script's generated tokens)")
    failures: Counter = Counter()
    examples: dict = {}
    for result in results:  # each failure (each runtime's, for a benchmark) and each refusal, grouped by reason
        outcomes = [(f"Failed: {result.failed_stage or 'build'}", text) for text in _failure_texts(result)] \
            if result.failed else []
        outcomes += [("Not supported", unsupported_text(runtime, reason)) for runtime, reason in result.unsupported.items()]
        for label, text in outcomes:
            key = (label, _reason_class(text))
            failures[key] += 1
            examples.setdefault(key, text)  # the whole reason: the table wraps it
    for key, count in failures.most_common():
        style = "yellow" if key[0] == "Not supported" else "red"
        table.add_row(Text(clean_text(key[0]), style=style), Text(clean_text(f"{count} x {examples[key]}")))
    for script, error in results.script_errors.items():
        table.add_row(Text("Script error", style="red"), Text(clean_text(f"{Path(script).name}: {error}")))
    skipped = Counter(results.skipped.values())
    for reason, count in skipped.most_common():
        table.add_row("Skipped", Text(clean_text(f"{count} x {reason}")))
    if results.interrupted:
        table.add_row(Text("Interrupted", style="bold red"), f"stopped by {results.interrupted}; what finished is kept, --resume runs the rest")
    table.add_row("Total time", f"{results.elapsed_s:,.1f} s")
    return table


def _reason_class(error: str) -> str:
    """The key failures are grouped by: the first clause of their reason without hashes and
    numbers (the summary shows the first real reason of each group, never this key)."""
    import re

    first = error.split(";")[0]
    return re.sub(r"\b[0-9a-f]{8}\b|\d+(\.\d+)?", "N", first)[:160]
