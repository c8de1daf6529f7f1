"""What every command line of benchit shares, light enough for ``benchit --help`` (no torch, no
rich): the parser class (a bad flag: one line, exit 2), the ``benchmark`` flags (from the option
declaration) and ``guarded`` (how a command's errors and stops become exit codes,
``common/exit_codes.py``). The CLI (``cli/main.py``) and the API's command entry point
(``api/command.py``: isolated children, Slurm tasks) both use it."""

from __future__ import annotations

import argparse
import sys
from typing import Callable

from mlagility.api import options
from mlagility.common.exceptions import MLAgilityError
from mlagility.common.exit_codes import EXIT_INTERRUPTED, EXIT_USAGE
from mlagility.common.signals import terminate_as_interrupt
from mlagility.reporting.printing import clean_text


class Parser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line on stderr and exit code 2."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"benchit: error: {message} (see {self.prog} --help)\n")


def add_benchmark_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``benchmark`` command's files and flags."""
    parser.add_argument("input_files", nargs="*", metavar="FILES", help=".py scripts, .onnx files or .txt lists")
    options.add_arguments(parser)
    parser.add_argument("--results-file", help=argparse.SUPPRESS)


def guarded(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a command: SIGTERM is the same orderly stop as Ctrl-C (exit 143, 130), an
    ``MLAgilityError`` one line on stderr and exit 2 (its traceback with ``--traceback``)."""
    with terminate_as_interrupt() as stop:
        try:
            return stop.exit_code(handler(args))
        except MLAgilityError as error:
            if getattr(args, "traceback", False):
                raise
            print(clean_text(f"benchit: error: {error}"), file=sys.stderr)
            return EXIT_USAGE
        except KeyboardInterrupt:
            print("benchit: interrupted", file=sys.stderr)
            return stop.exit_code(EXIT_INTERRUPTED)
