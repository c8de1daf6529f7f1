"""Terminal output: a rich console that keeps writing to the terminal while stages redirect fds.

Markup is off: user and library text (error messages, file names) is always printed literally;
styles come from ``rich.text.Text`` objects only.
"""

from __future__ import annotations

import os
import sys


def terminal_console(stderr: bool = False):
    """A rich Console on a duplicate of fd 1 (or 2), unaffected by ``capture_output``."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    try:
        fd = stream.fileno()
        is_tty = os.isatty(fd)
        file = os.fdopen(os.dup(fd), "w", buffering=1, encoding="utf-8", errors="replace")
    except (AttributeError, OSError, ValueError):  # e.g. a notebook or a replaced sys.stdout
        return Console(file=stream, highlight=False, markup=False)
    # Off a terminal (logs, pipes) use a wide page rather than wrapping at 80 columns.
    width = None if is_tty else 160
    return Console(file=file, force_terminal=is_tty or None, width=width, highlight=False, markup=False)


def format_size(megabytes: float) -> str:
    return "<0.1 MB" if megabytes < 0.1 else f"{megabytes:,.1f} MB"


def format_bytes(count: float) -> str:
    """Decimal units: ``3.1 MB`` is 3.1 x 10^6 bytes."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            return f"{count / scale:,.1f} {unit}"
    return f"{count:,.0f} B"


def format_ms(value: float | None) -> str:
    from mlagility.scenarios.base import format_value

    return format_value(value)


def format_flops(flops: float) -> str:
    for unit, scale in (("TFLOP", 1e12), ("GFLOP", 1e9), ("MFLOP", 1e6), ("kFLOP", 1e3)):
        if flops >= scale:
            return f"{flops / scale:,.2f} {unit}"
    return f"{flops:,.0f} FLOP"
