"""The commands behind ``benchit``: each takes the parsed arguments and returns an exit code."""

from __future__ import annotations

import argparse

from mlagility.common.exceptions import CacheError, UsageError
from mlagility.common.exit_codes import EXIT_FAILED, EXIT_OK
from mlagility.reporting.printing import terminal_console
from mlagility.runtimes.registry import load_registry
from mlagility.version import __version__


def version(args: argparse.Namespace) -> int:
    print(__version__)
    return EXIT_OK


def cache_location(args: argparse.Namespace) -> int:
    from mlagility.builds.cache import resolve_cache_dir  # lazy: keeps yaml off start-up

    print(resolve_cache_dir(args.cache_dir))
    return EXIT_OK


def cache_list(args: argparse.Namespace) -> int:
    from rich.table import Table

    from mlagility.builds.cache import Cache  # lazy: keeps yaml off start-up
    from mlagility.builds.state import BuildState  # lazy: keeps yaml off start-up
    from mlagility.common.filesystem import directory_size  # lazy: keeps yaml off start-up

    cache = Cache(args.cache_dir)
    console = terminal_console()
    if not cache.root.exists():
        console.print(f"No builds yet: no cache at {cache.root}")
        return EXIT_OK
    entries = cache.existing().entries()
    if not entries:
        console.print(f"No builds in {cache.root}")
        return EXIT_OK
    table = Table(title=f"Builds in {cache.root}")
    for column in ("build", "status", "runtimes benchmarked", "size", "last used"):
        table.add_column(column)
    for entry in entries:  # one row per folder: copies, unreadable and incomplete ones say so
        state = entry.state if isinstance(entry.state, BuildState) else None
        runtimes = ", ".join(
            key for key, value in (state.benchmarks if state else {}).items() if value.get("status") == "benchmarked"
        )
        size = directory_size(entry.dir) / 2**20
        table.add_row(entry.name, entry.status(), runtimes or "-", f"{size:,.1f} MiB", state.updated if state else "-")
    console.print(table)
    return EXIT_OK


def cache_stats(args: argparse.Namespace) -> int:
    import yaml
    from rich.syntax import Syntax

    from mlagility.builds.cache import Cache  # lazy: keeps yaml off start-up

    state = Cache(args.cache_dir).existing().state(args.build)
    console = terminal_console()
    console.print(Syntax(yaml.safe_dump(state.to_dict(), sort_keys=False), "yaml", theme="ansi_dark"))
    return EXIT_OK


def _selected_builds(args: argparse.Namespace):
    """The build folders named (or every one with --all), each once, by folder name."""
    from mlagility.builds.cache import Cache  # lazy: keeps yaml off start-up

    cache = Cache(args.cache_dir).existing()
    if args.all == bool(args.builds):
        raise UsageError(f"cache {args.cache_command}: name builds or pass --all (not both)")
    if args.all:
        return cache, [entry.dir for entry in cache.entries()]
    return cache, [cache.existing_build_dir(name) for name in dict.fromkeys(args.builds)]


def _each_unlocked(dirs, verb: str, skipped: list):
    """Yield each build folder with its lock held; skip (saying so) those another process holds."""
    from mlagility.builds.cache import BuildLock  # lazy: keeps yaml off start-up

    for build_dir in dirs:
        if not build_dir.is_dir():
            continue
        lock = BuildLock(build_dir)
        if not lock.try_acquire():
            print(f"skipped {build_dir}: in use by another benchit process (not {verb})")
            skipped.append(build_dir)
            continue
        try:
            yield build_dir
        finally:
            lock.release()


def cache_delete(args: argparse.Namespace) -> int:
    from mlagility.common.filesystem import remove_path  # lazy: keeps yaml off start-up

    _cache, dirs = _selected_builds(args)
    skipped: list = []
    for build_dir in _each_unlocked(dirs, "deleted", skipped):
        remove_path(build_dir)
        print(f"deleted {build_dir}")
    return EXIT_FAILED if skipped else EXIT_OK


def cache_clean(args: argparse.Namespace) -> int:
    from mlagility.builds.cache import clean_build  # lazy: keeps yaml off start-up

    _cache, dirs = _selected_builds(args)
    skipped: list = []
    for build_dir in _each_unlocked(dirs, "cleaned", skipped):
        freed = clean_build(build_dir)
        print(f"cleaned {build_dir} ({freed / 2**20:,.1f} MiB freed)")
    return EXIT_FAILED if skipped else EXIT_OK


def cache_report(args: argparse.Namespace) -> int:
    from rich.table import Table

    from mlagility.results.report import summarize, write_report  # lazy: keeps yaml off start-up

    csv_path, json_path, frame = write_report(args.cache_dirs or [None], args.report_dir)
    console = terminal_console()
    console.print(f"Report written to {csv_path} and {json_path}")
    table = Table(title="Builds", title_justify="left")
    table.add_column("")
    table.add_column("count", justify="right")
    for label, count in summarize(frame):
        table.add_row(label, str(count))
    console.print(table)
    return EXIT_OK


def models_location(args: argparse.Namespace) -> int:
    from pathlib import Path

    corpus = Path(__file__).resolve().parents[3] / "models"
    if not corpus.is_dir():
        raise CacheError(f"the model corpus is not installed beside mlagility (looked in {corpus}); clone the repository")
    if args.quiet:
        print(corpus)
    else:
        folders = sorted(p.name for p in corpus.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
        count = sum(len(list((corpus / f).glob("*.py"))) for f in folders)
        print(f"The mlagility model corpus ({count} scripts in {', '.join(folders)}) is at:\n{corpus}")
    return EXIT_OK


def list_runtimes(args: argparse.Namespace) -> int:
    from rich.table import Table

    registry = load_registry()
    table = Table(title="Runtimes (--device D --runtime R)", title_justify="left")
    for column in ("device", "runtime", "available here", "class"):
        table.add_column(column)
    for (device, name), runtime in sorted(registry.runtimes.items()):
        reason = runtime.unavailable_reason()
        table.add_row(device, name, "yes" if reason is None else f"no: {reason}",
                      f"{runtime.__module__}.{runtime.__qualname__}")
    for entry, error in registry.broken.items():
        table.add_row("?", entry, f"no: plugin failed to load ({error})", "")
    terminal_console().print(table)
    return EXIT_OK
