"""The commands behind ``benchit``: each takes the parsed arguments and returns an exit code."""

from __future__ import annotations

import argparse
import sys

EXIT_OK, EXIT_FAILED = 0, 1


def version(args: argparse.Namespace) -> int:
    from mlagility.version import __version__

    print(__version__)
    return EXIT_OK


def benchmark(args: argparse.Namespace) -> int:
    from mlagility.api.script import benchmark_script
    from mlagility.common.status_tree import StatusTree

    tree = StatusTree(header="Models discovered during profiling:\n")
    results = benchmark_script(
        args.input_files,
        cache_dir=args.cache_dir,
        device=args.device,
        runtime=args.runtime,
        rebuild=args.rebuild,
        iterations=args.iterations,
        min_time=args.min_time,
        max_time=args.max_time,
        analyze_only=args.analyze_only,
        build_only=args.build_only,
        export_only=args.export_only,
        onnx_opset=args.onnx_opset,
        script_args=args.script_args,
        reporter=tree,
    )
    failed = [r for r in results if r.failed]
    summary = f"\n{len(results)} model invocation(s) found, {len(failed)} failed"
    if results.script_errors:
        summary += f", {len(results.script_errors)} script(s) raised"
    tree.console.print(summary + ".")
    return EXIT_OK if results.succeeded else EXIT_FAILED


def cache_location(args: argparse.Namespace) -> int:
    from mlagility.build.cache import resolve_cache_dir

    print(resolve_cache_dir(args.cache_dir))
    return EXIT_OK


def cache_list(args: argparse.Namespace) -> int:
    from rich.table import Table

    from mlagility.build.cache import Cache
    from mlagility.common.filesystem import directory_size
    from mlagility.common.printing import terminal_console

    cache = Cache(args.cache_dir)
    builds = cache.builds()
    console = terminal_console()
    if not builds:
        console.print(f"No builds in {cache.root}")
        return EXIT_OK
    table = Table(title=f"Builds in {cache.root}")
    for column in ("build", "status", "runtimes benchmarked", "size", "last used"):
        table.add_column(column)
    for state in builds:
        runtimes = ", ".join(
            key for key, value in state.benchmarks.items() if value.get("status") == "benchmarked"
        )
        size = directory_size(cache.root / state.build_name) / 2**20
        table.add_row(state.build_name, state.status, runtimes or "-", f"{size:,.1f} MiB", state.updated)
    console.print(table)
    return EXIT_OK
