"""SIGTERM (what ``timeout``, ``kill`` and CI cancellations send) stops a sweep like Ctrl-C.

Inside ``terminate_as_interrupt()``, SIGTERM raises ``Terminated`` (a ``KeyboardInterrupt``), so
the same orderly stop runs: isolated children's process trees are killed, temp folders removed,
the interrupted script is not recorded as attempted, the summary is printed. ``exit_code`` then
turns the interrupted exit code 130 into 143 (128 + SIGTERM), the code a process killed by
SIGTERM would have had.

The interrupt is raised wherever the main thread is, also inside library code that turns it into
another error (a C extension's import gives "ImportError: initialization failed") or drops it (a
finalizer). So the signal is also recorded (``received``), and benchit's handlers of a model's
failures call ``raise_if_stopped()`` first: a failure that follows a stop request is the stop,
never recorded as the model's failure, and the sweep stops.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading

from mlagility.common.exit_codes import EXIT_INTERRUPTED


class Terminated(KeyboardInterrupt):
    """SIGTERM was received."""


def interruption_name(interrupt: KeyboardInterrupt) -> str:
    """``SIGTERM`` for ``Terminated``, else ``Ctrl-C`` (what a summary says stopped the sweep)."""
    return "SIGTERM" if isinstance(interrupt, Terminated) else "Ctrl-C"


def raise_if_stopped() -> None:
    """Raise the interrupt again if Ctrl-C or SIGTERM was received (see the module's docstring)."""
    if received.signal == signal.SIGTERM:
        raise Terminated()
    if received.signal == signal.SIGINT:
        raise KeyboardInterrupt()


class _Received:
    signal: int | None = None

    def exit_code(self, code: int) -> int:
        return 128 + self.signal if self.signal and code == EXIT_INTERRUPTED else code


received = _Received()


@contextlib.contextmanager
def terminate_as_interrupt():
    """Handle SIGTERM as an interrupt while the body runs (main thread only; else a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    owner = os.getpid()

    def handler(signum, _frame):
        if os.getpid() != owner:  # a process the script forked (a multiprocessing pool worker):
            signal.signal(signum, signal.SIG_DFL)  # it ends as it would under python
            os.kill(os.getpid(), signum)
            return
        if received.signal is None:  # a second SIGTERM during the cleanup does not abort it
            received.signal = signum
            raise Terminated()

    def interrupt_handler(signum, frame):
        if os.getpid() == owner and received.signal is None:
            received.signal = signum
        signal.default_int_handler(signum, frame)  # KeyboardInterrupt, each time, as under python

    received.signal = None
    previous = signal.signal(signal.SIGTERM, handler)
    previous_int = signal.getsignal(signal.SIGINT)
    if previous_int is signal.default_int_handler:  # not when Ctrl-C is ignored (a background job)
        signal.signal(signal.SIGINT, interrupt_handler)
    try:
        yield received
    finally:
        signal.signal(signal.SIGTERM, previous)
        if previous_int is signal.default_int_handler:
            signal.signal(signal.SIGINT, previous_int)
