"""Work-arounds for clashes between libraries that may share benchit's process."""

from __future__ import annotations

import sys


def guard_triton_after_tensorflow() -> None:
    """Importing ``triton`` once TensorFlow is loaded crashes the process (LLVM symbols clash);
    the torch exporter and torch.compile import it on first use, so this runs before every torch
    export and compile (and when a Keras model is found). With TensorFlow loaded and triton not
    yet imported, triton is made unimportable for the rest of the process (torch then runs without
    it, as on any CPU-only install). This one change is deliberately not undone: the clash lasts
    as long as TensorFlow is loaded, which is until the process ends."""
    if "tensorflow" in sys.modules and "triton" not in sys.modules:
        sys.modules["triton"] = None  # type: ignore[assignment]
