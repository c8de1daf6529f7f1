"""Terminal output: a rich console that keeps writing to the terminal while stages redirect fds.

Markup is off: user and library text (error messages, file names) is always printed literally;
styles come from ``rich.text.Text`` objects only.

Text that came from a script or a record (class and file names, error messages, labels, build
names) never drives the terminal: ``clean_text`` removes escape sequences (CSI, OSC, DCS...) and
every other C0/C1 control but newline and tab, and shows bidirectional-override characters
visibly (``<U+202E>``). The console of ``terminal_console`` applies it to everything it prints
(``SafeConsole``); code that builds ``Text`` objects calls it first so that widths are right.
"""

from __future__ import annotations

import functools
import os
import re
import sys

from mlagility.scenarios.base import format_value

# ESC [ ... final (CSI, also the 8-bit 0x9b); ESC ] / P / X / ^ / _ ... terminator (OSC, DCS, SOS,
# PM, APC, also 8-bit); ESC + intermediates + final (the other escape sequences)
_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -/]*[0-~]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text) -> str:
    """``text`` safe to print on a terminal: no escape sequences, no control characters but
    newline and tab, bidirectional controls shown as ``<U+202E>``."""
    text = text if isinstance(text, str) else str(text)
    if text.isprintable():  # the common case: nothing to do (newline and tab are not printable)
        return text
    text = _CONTROLS.sub("", _SEQUENCES.sub("", text))
    return _BIDI.sub(lambda match: f"<U+{ord(match.group()):04X}>", text)


@functools.lru_cache(maxsize=None)
def _safe_console_class():
    from rich.console import Console
    from rich.segment import Segment

    class SafeConsole(Console):
        """A rich Console that prints every piece of text through ``clean_text`` (styles and
        the console's own control codes, e.g. a live display's cursor moves, are kept)."""

        def render_str(self, text, *args, **kwargs):
            return super().render_str(clean_text(text), *args, **kwargs)

        def render(self, renderable, options=None):
            for segment in super().render(renderable, options):
                if segment.control or segment.text.isprintable():
                    yield segment
                else:
                    yield Segment(clean_text(segment.text), segment.style, segment.control)

    return SafeConsole


def terminal_console(stderr: bool = False):
    """A rich Console on a duplicate of fd 1 (or 2), unaffected by ``capture_output``."""
    Console = _safe_console_class()
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
    return format_value(value)


def format_flops(flops: float) -> str:
    for unit, scale in (("TFLOP", 1e12), ("GFLOP", 1e9), ("MFLOP", 1e6), ("kFLOP", 1e3)):
        if flops >= scale:
            return f"{flops / scale:,.2f} {unit}"
    return f"{flops:,.0f} FLOP"
