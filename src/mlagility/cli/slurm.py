"""``benchit slurm status|wait|cancel [JOB]``: reattach to a sweep submitted with ``--use-slurm``."""

from __future__ import annotations

import argparse

from mlagility.api.results import BenchmarkResults
from mlagility.common.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from mlagility.common.signals import interruption_name
from mlagility.reporting.printing import terminal_console


def add_slurm_command(commands) -> None:
    slurm = commands.add_parser("slurm", help="follow a sweep submitted with --use-slurm")
    subs = slurm.add_subparsers(dest="slurm_command", required=True, metavar="{status,wait,cancel}",
                                parser_class=type(slurm))
    for name, text in (("status", "show each task's state, node and elapsed time"),
                       ("wait", "wait for the job; then the same tree, summary and exit code as the sweep"),
                       ("cancel", "cancel the job's tasks that have not finished (scancel)")):
        sub = subs.add_parser(name, help=text)
        sub.add_argument("job", nargs="?", metavar="JOB", help="the job id (default: the latest sweep)")
        sub.add_argument("-d", "--cache-dir", help="the cache the sweep writes to")
        sub.set_defaults(handler=f"mlagility.cli.slurm:{name}")


def _sweep(args: argparse.Namespace):
    from mlagility.builds.cache import Cache  # lazy: keeps yaml off start-up
    from mlagility.sweep.slurm import check_slurm, find_sweep  # lazy: pulls submitit

    check_slurm()
    return find_sweep(Cache(args.cache_dir).root, args.job)


def status(args: argparse.Namespace) -> int:
    from rich.table import Table

    from mlagility.sweep.slurm import counts, progress_line, status_rows  # lazy: pulls submitit

    sweep = _sweep(args)
    rows = status_rows(sweep)
    table = Table(title=f"Slurm job {sweep.job_id} ({sweep.cache_root})", title_justify="left")
    columns = ("task", "script", "state", "node", "elapsed", "outcome")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(row[c]) for c in columns))
    console = terminal_console()
    console.print(table)
    console.print(progress_line(sweep, [r["state"] for r in rows], []))
    summary = counts([r["state"] for r in rows])
    return EXIT_FAILED if summary["failed"] else EXIT_OK


def wait(args: argparse.Namespace) -> int:
    from mlagility.reporting.status_tree import StatusTree, sweep_summary  # lazy: pulls rich
    from mlagility.sweep.slurm import _ask_cancel, follow  # lazy: pulls submitit

    sweep = _sweep(args)
    tree = StatusTree(header="Models discovered during profiling:\n")
    results = BenchmarkResults()
    try:
        follow(sweep, tree, results, tree.console, ask=_ask_cancel)
    except KeyboardInterrupt as interrupt:
        results.interrupted = interruption_name(interrupt)
    results.elapsed_s = max(
        [sweep.task_record(i).get("finished", 0) for i in range(len(sweep.scripts))] + [0]
    ) - sweep.submitted
    tree.console.print(sweep_summary(results))
    if results.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if results.succeeded else EXIT_FAILED


def cancel(args: argparse.Namespace) -> int:
    from mlagility.sweep.slurm import cancel_sweep  # lazy: pulls submitit

    sweep = _sweep(args)
    cancel_sweep(sweep)
    print(f"cancelled Slurm job {sweep.job_id} (scancel); what finished is in {sweep.cache_root}")
    return EXIT_OK
