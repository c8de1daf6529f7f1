"""benchit's exit codes, in one place (the CLI, the API's command entry point, the Slurm task's
record and the isolated children's outcomes all read them)."""

from __future__ import annotations

import signal

EXIT_OK = 0  # every requested model succeeded
EXIT_FAILED = 1  # a model or script failed (or --fail-on-regression found one)
EXIT_USAGE = 2  # bad input or usage: one line on stderr
EXIT_INTERRUPTED = 128 + signal.SIGINT  # 130: stopped by Ctrl-C (common/signals.py)
EXIT_TERMINATED = 128 + signal.SIGTERM  # 143: stopped by SIGTERM
INTERRUPTED_EXIT_CODES = (EXIT_INTERRUPTED, EXIT_TERMINATED)
