"""``parse``: read the standard model-script parameters from ``sys.argv`` (``--script-args``).

Corpus scripts call ``batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])`` and
get the values, in the order asked, given on the command line
(``benchit script.py --script-args "--batch_size 8"``) or else MLAgility's defaults.
"""

from __future__ import annotations

import argparse
import sys

from mlagility.common.exceptions import UsageError

DEFAULTS: dict[str, int | float] = {
    "batch_size": 1,
    "max_seq_length": 128,
    "max_audio_seq_length": 25600,
    "height": 224,
    "width": 224,
    "num_channels": 3,
    "k": 2,
    "alpha": 2.2,
    "out_channels": 1500,
    "num_layers": 8,
    "in_channels": 1433,
}


def parse(parameters: list[str], argv: list[str] | None = None) -> list[int | float]:
    """Values of ``parameters`` from ``argv`` (default ``sys.argv[1:]``), else their defaults.

    Unknown names raise ``UsageError``; arguments the script does not ask for are ignored.
    """
    unknown = [name for name in parameters if name not in DEFAULTS]
    if unknown:
        raise UsageError(
            f"unknown script parameter(s) {', '.join(unknown)}: choose from {', '.join(DEFAULTS)}"
        )
    parser = argparse.ArgumentParser(add_help=False)
    for name in parameters:
        parser.add_argument(f"--{name}", type=type(DEFAULTS[name]), default=DEFAULTS[name])
    known, _rest = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    return [getattr(known, name) for name in parameters]
