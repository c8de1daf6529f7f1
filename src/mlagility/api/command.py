"""``benchit benchmark`` as an API-level entry point: what the CLI's ``benchmark`` command, each
``--process-isolation`` child (``python -m mlagility.api.command FILE ... --results-file F``) and
each Slurm task on its node (``run_benchmark(argv)``) run. The CLI sits on top of it and only
parses and dispatches: nothing here imports ``cli/``.

- ``benchmark_command(args)``: run it with the status tree (``reporting/``) and return the exit code;
- ``run_benchmark(argv)``: parse ``argv`` (``api/entry.py``) and run it, guarded.
Exit codes: ``common/exit_codes.py``.
"""

from __future__ import annotations

import argparse
import sys

from mlagility.api import options
from mlagility.api.entry import Parser, add_benchmark_arguments, guarded
from mlagility.api.script import benchmark_script
from mlagility.common.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from mlagility.reporting.printing import clean_text
from mlagility.reporting.status_tree import StatusTree, sweep_summary
from mlagility.sweep.isolation import write_results_file


def benchmark_command(args: argparse.Namespace) -> int:
    """Benchmark ``args.input_files`` with the status tree; the exit code."""
    tree = StatusTree(header="Models discovered during profiling:\n")
    reporter = ResultsFileReporter(tree, args.results_file) if args.results_file else tree
    results = benchmark_script(args.input_files, reporter=reporter, **options.from_namespace(args))
    if results.detached:  # --use-slurm --detach: submitted, not waited for
        return print_detached(results, tree.console)
    if args.results_file:
        reporter.write(results.script_errors)
    tree.console.print(sweep_summary(results))
    if getattr(args, "traceback", False):
        for script, text in tree.tracebacks.items():
            print(clean_text(f"\n{script}:\n{text}"), file=sys.stderr)
    if results.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if results.succeeded else EXIT_FAILED


def print_detached(results, console) -> int:
    job = results.slurm_job
    if job is None:
        console.print("Nothing to submit.")
        return EXIT_OK
    console.print(f"Submitted Slurm job {job} ({len(results.scripts_run)} scripts).")
    console.print(f"Follow it with: benchit slurm status {job}   or   benchit slurm wait {job}")
    print(job)
    return EXIT_OK


def run_benchmark(argv: list[str]) -> int:
    """``benchit benchmark ARGV`` in this process (a Slurm task, an isolated child)."""
    parser = Parser(prog="benchit benchmark")
    parser.add_argument("--traceback", action="store_true", help="show Python tracebacks on errors")
    add_benchmark_arguments(parser)
    args = parser.parse_args(argv)
    if not args.input_files:
        parser.error("no input files: pass one or more .py scripts, .onnx files or .txt lists")
    return guarded(benchmark_command, args)


class ResultsFileReporter:
    """Forwards events to the tree and keeps a JSON results file current (isolated children)."""

    def __init__(self, tree, path: str):
        self._write = write_results_file  # imported at start-up, not under memory pressure
        self.tree, self.path, self.results, self.errors = tree, path, [], {}

    def script_started(self, script: str) -> None:
        self.tree.script_started(script)

    def warn(self, message: str) -> None:
        self.tree.warn(message)

    def changed(self, result) -> None:
        if result not in self.results:
            self.results.append(result)
        self.tree.changed(result)
        if not result.activity:
            self.write(self.errors)

    def script_finished(self, script: str, error: str | None, traceback_text: str | None = None) -> None:
        if error:
            self.errors[script] = error
        self.write(self.errors)
        if traceback_text:  # the child's stderr is the script's log
            print(traceback_text, file=sys.stderr, flush=True)
        self.tree.script_finished(script, error, traceback_text)

    def write(self, errors: dict) -> None:
        self._write(self.path, self.results, errors)


if __name__ == "__main__":  # an isolated child: python -m mlagility.api.command FILE ... --results-file F
    sys.exit(run_benchmark(sys.argv[1:]))
