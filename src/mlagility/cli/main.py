"""``benchit``: parse arguments and dispatch to a command. Imports nothing heavy at module level.

Exit codes: 0 every requested model succeeded; 1 a model or script failed; 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from mlagility.api.entry import Parser as _Parser
from mlagility.api.entry import add_benchmark_arguments, guarded
from mlagility.cli.commands import list_runtimes
from mlagility.cli.slurm import add_slurm_command
from mlagility.common.exit_codes import EXIT_USAGE

COMMANDS = ("benchmark", "cache", "compare", "models", "slurm", "version")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="benchit",
        description="Benchmark every PyTorch model a script calls, without changing the script.",
        epilog="Exit codes: 0 all models succeeded, 1 a model or script failed, 2 usage error. "
        "'benchit FILES...' is short for 'benchit benchmark FILES...'.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--traceback", action="store_true", default=argparse.SUPPRESS,
                        help="show Python tracebacks on errors")
    parser.add_argument("--traceback", action="store_true", help="show Python tracebacks on errors")
    parser.add_argument("--list-runtimes", action="store_true",
                        help="list the device/runtime pairs, and why any is unavailable here")
    commands = parser.add_subparsers(dest="command", metavar="{benchmark,cache,compare,models,slurm,version}", parser_class=_Parser)

    bench = commands.add_parser("benchmark", help="benchmark the models in scripts or .onnx files",
                                parents=[common])
    add_benchmark_arguments(bench)
    bench.set_defaults(handler="mlagility.api.command:benchmark_command")

    cache = commands.add_parser("cache", help="look at and manage the build cache")
    cache_commands = cache.add_subparsers(dest="cache_command", required=True, parser_class=_Parser,
                                          metavar="{location,list,stats,delete,clean,report}")
    for name, text in (("location", "print the cache directory"), ("list", "list the builds in the cache")):
        sub = cache_commands.add_parser(name, help=text)
        sub.add_argument("-d", "--cache-dir", help="cache directory")
        sub.set_defaults(handler=f"mlagility.cli.commands:cache_{name}")
    stats = cache_commands.add_parser("stats", help="show one build's state and statistics")
    stats.add_argument("build", metavar="BUILD")
    stats.add_argument("-d", "--cache-dir", help="cache directory")
    stats.set_defaults(handler="mlagility.cli.commands:cache_stats")
    for name, text in (("delete", "delete builds entirely"),
                       ("clean", "remove builds' heavy artifacts, keeping logs, state and results")):
        sub = cache_commands.add_parser(name, help=text)
        sub.add_argument("builds", nargs="*", metavar="BUILD")
        sub.add_argument("--all", action="store_true", help="every build in the cache")
        sub.add_argument("-d", "--cache-dir", help="cache directory")
        sub.set_defaults(handler=f"mlagility.cli.commands:cache_{name}")
    report = cache_commands.add_parser("report", help="write a CSV and a JSON report of one or more caches")
    report.add_argument("-d", "--cache-dir", nargs="+", dest="cache_dirs", metavar="DIR",
                        help="caches to report on (default: the cache)")
    report.add_argument("-r", "--report-dir", default=".", help="where to write the report (default: .)")
    report.add_argument("--html", nargs="?", const="", metavar="FILE",
                        help="also write an offline HTML dashboard (default FILE: mlagility_dashboard_<date>.html in the report dir)")
    report.set_defaults(handler="mlagility.cli.report_commands:cache_report")

    compare = commands.add_parser("compare", help="compare two runs (caches or report files), with statistics")
    compare.add_argument("baseline", metavar="BASELINE", help="cache directory or report file (.json/.csv)")
    compare.add_argument("candidate", metavar="CANDIDATE", help="cache directory or report file (.json/.csv)")
    compare.add_argument("--threshold", default="5%", metavar="PCT",
                         help="ignore changes smaller than this (default: 5%%)")
    compare.add_argument("--fail-on-regression", action="store_true",
                         help="exit 1 when a significant slowdown beyond the threshold is found")
    compare.add_argument("--html", metavar="FILE", help="also write the comparison as an HTML page")
    compare.add_argument("--json", metavar="FILE", help="also write the comparison as JSON")
    compare.set_defaults(handler="mlagility.cli.report_commands:compare")

    models = commands.add_parser("models", help="the bundled model corpus")
    models_commands = models.add_subparsers(dest="models_command", required=True, metavar="{location}", parser_class=_Parser)
    location = models_commands.add_parser("location", help="print the corpus path")
    location.add_argument("--quiet", action="store_true", help="print only the path")
    location.set_defaults(handler="mlagility.cli.commands:models_location")

    add_slurm_command(commands)

    version = commands.add_parser("version", help="print the mlagility version")
    version.set_defaults(handler="mlagility.cli.commands:version")
    return parser


TOP_LEVEL_FLAGS = ("--traceback", "--list-runtimes")
FILE_SUFFIXES = (".py", ".onnx", ".txt")


def _with_default_command(argv: list[str]) -> list[str]:
    """``benchit [OPTIONS] FILE... [OPTIONS]`` means ``benchit benchmark ...``: options may come
    before or after the files, as in MLAgility."""
    position = 0
    while position < len(argv) and argv[position] in TOP_LEVEL_FLAGS:
        position += 1
    rest = argv[position:]
    if not rest or rest[0] in COMMANDS or rest[0] in ("-h", "--help"):
        return argv
    return [*argv[:position], "benchmark", *rest]


def _looks_like_input(word: str) -> bool:
    return word.partition("::")[0].endswith(FILE_SUFFIXES)


def _recover_files(args: argparse.Namespace) -> None:
    """``--runtime ort torch-eager script.py``: a list option swallowed the files after it."""
    for name in ("runtime", "labels"):
        values = getattr(args, name, None)
        while values and _looks_like_input(values[-1]) and len(values) > 1:
            args.input_files.insert(0, values.pop())


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(_with_default_command(argv))
    if getattr(args, "command", None) == "benchmark":
        _recover_files(args)
        if not args.input_files:
            parser.error("no input files: pass one or more .py scripts, .onnx files or .txt lists")
    if args.list_runtimes:
        return list_runtimes(args)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    module_name, function_name = args.handler.split(":")
    # each command's module is imported only when it runs (--help, version, cache stay instant),
    # inside guarded(): Ctrl-C while torch imports is the same orderly stop
    return guarded(lambda given: getattr(importlib.import_module(module_name), function_name)(given), args)


if __name__ == "__main__":
    sys.exit(main())
