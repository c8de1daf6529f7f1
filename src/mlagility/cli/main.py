"""``benchit``: parse arguments and dispatch to a command. Imports nothing heavy at module level.

Exit codes: 0 every requested model succeeded; 1 a model or script failed; 2 usage error.
"""

from __future__ import annotations

import argparse
import sys

from mlagility.version import __version__

COMMANDS = ("benchmark", "cache", "models", "version")
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line on stderr and exit code 2."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"benchit: error: {message} (see {self.prog} --help)\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} must not be negative")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} must not be negative")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="benchit",
        description="Benchmark every PyTorch model a script calls, without changing the script.",
        epilog="Exit codes: 0 all models succeeded, 1 a model or script failed, 2 usage error. "
        "'benchit FILES...' is short for 'benchit benchmark FILES...'.",
    )
    parser.add_argument("--traceback", action="store_true", help="show Python tracebacks on errors")
    parser.add_argument("--list-runtimes", action="store_true",
                        help="list the device/runtime pairs, and why any is unavailable here")
    commands = parser.add_subparsers(dest="command", metavar="{benchmark,cache,models,version}", parser_class=_Parser)

    bench = commands.add_parser("benchmark", help="benchmark the models in scripts or .onnx files")
    bench.add_argument("input_files", nargs="+", metavar="FILES", help=".py scripts or .onnx files")
    bench.add_argument("--device", default="x86", help="device to benchmark on (default: x86)")
    bench.add_argument("--runtime", nargs="+", default=["ort"], metavar="RUNTIME",
                       help="runtime(s) to benchmark with, in turn (default: ort; also torch-eager)")
    bench.add_argument("-d", "--cache-dir", help="build cache (default: $MLAGILITY_CACHE_DIR or ~/.cache/mlagility)")
    bench.add_argument("--rebuild", default="if_needed", choices=("if_needed", "always", "never"),
                       help="when to rebuild a cached build (default: if_needed)")
    bench.add_argument("--iterations", type=_positive_int, default=100, help="minimum timed runs (default: 100)")
    bench.add_argument("--min-time", type=_seconds, default=1.0, help="minimum timed seconds (default: 1)")
    bench.add_argument("--max-time", type=_seconds, default=60.0, help="maximum timed seconds (default: 60)")
    stop = bench.add_mutually_exclusive_group()
    stop.add_argument("--analyze-only", action="store_true", help="discover models; build nothing")
    stop.add_argument("--build-only", action="store_true", help="build; do not benchmark")
    stop.add_argument("--export-only", action="store_true", help="export to ONNX and check; do not benchmark")
    bench.add_argument("--onnx-opset", type=_positive_int, help="ONNX opset to export (default: exporter's)")
    bench.add_argument("--script-args", default="", metavar='"ARGS"', help="arguments passed to the scripts' sys.argv")
    bench.add_argument("--max-depth", type=_non_negative_int, default=0,
                       help="also benchmark sub-models down to this depth (default: 0, the models the script calls)")
    bench.add_argument("--labels", nargs="+", metavar="KEY::V1,V2",
                       help="only scripts whose '# labels:' line has every KEY with one of its values")
    bench.add_argument("--process-isolation", action="store_true",
                       help="run each script in its own child process (a crash or hang costs only that script)")
    bench.add_argument("--timeout", type=_seconds, default=None,
                       help="seconds before an isolated script is killed (default: $MLAGILITY_TIMEOUT_SECONDS or 3600)")
    bench.add_argument("--resume", action="store_true",
                       help="skip scripts already attempted with the same arguments (successes and failures)")
    bench.add_argument("--precision", choices=("fp32", "fp16"), default="fp32",
                       help="fp16: convert weights/compute to fp16, keeping fp32 inputs/outputs (default: fp32)")
    bench.add_argument("--quantize", choices=("int8",), help="int8: ONNX Runtime dynamic quantization")
    bench.add_argument("--sequence-file", metavar="FILE",
                       help="a Python file defining get_sequence(): the build stages to run instead of the default")
    bench.add_argument("--lean-cache", action="store_true",
                       help="remove heavy artifacts (ONNX files, inputs) once each build is benchmarked")
    bench.add_argument("--no-check", action="store_true",
                       help="skip comparing each runtime's outputs with PyTorch eager's")
    bench.add_argument("--results-file", help=argparse.SUPPRESS)
    bench.set_defaults(handler="mlagility.cli.commands:benchmark")

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
    report.set_defaults(handler="mlagility.cli.commands:cache_report")

    models = commands.add_parser("models", help="the bundled model corpus")
    models_commands = models.add_subparsers(dest="models_command", required=True, metavar="{location}", parser_class=_Parser)
    location = models_commands.add_parser("location", help="print the corpus path")
    location.add_argument("--quiet", action="store_true", help="print only the path")
    location.set_defaults(handler="mlagility.cli.commands:models_location")

    version = commands.add_parser("version", help="print the mlagility version")
    version.set_defaults(handler="mlagility.cli.commands:version")
    return parser


def _with_default_command(argv: list[str]) -> list[str]:
    """``benchit FILE...`` means ``benchit benchmark FILE...``."""
    first = next((i for i, arg in enumerate(argv) if not arg.startswith("-") or arg in ("-d",)), None)
    if first is None or argv[first] in COMMANDS or argv[first] == "-d":
        return argv
    return [*argv[:first], "benchmark", *argv[first:]]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(_with_default_command(argv))
    if args.list_runtimes:
        from mlagility.cli.commands import list_runtimes

        return list_runtimes(args)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    module_name, function_name = args.handler.split(":")
    import importlib

    from mlagility.common.exceptions import MLAgilityError
    from mlagility.sweep.signals import terminate_as_interrupt

    with terminate_as_interrupt() as stop:  # SIGTERM: the same orderly stop as Ctrl-C, exit 143
        try:
            handler = getattr(importlib.import_module(module_name), function_name)
            return stop.exit_code(handler(args))
        except MLAgilityError as error:
            if args.traceback:
                raise
            print(f"benchit: error: {error}", file=sys.stderr)
            return EXIT_USAGE
        except KeyboardInterrupt:
            print("benchit: interrupted", file=sys.stderr)
            return stop.exit_code(130)


if __name__ == "__main__":
    sys.exit(main())
