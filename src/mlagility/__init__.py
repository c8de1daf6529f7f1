"""mlagility: benchmark the PyTorch models of any script without changing it.

The public API (``benchmark_model``, ``benchmark_script``, ``MeasuredPerformance``) is loaded
lazily so that ``import mlagility`` (and so ``benchit --help``) never imports torch.
"""

from mlagility.version import __version__

_LAZY = {
    "benchmark_model": "mlagility.api.model",
    "benchmark_script": "mlagility.api.script",
    "MeasuredPerformance": "mlagility.api.performance",
    "InvocationResult": "mlagility.api.script",
    "write_dashboard": "mlagility.api.report",
    "compare": "mlagility.api.report",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'mlagility' has no attribute {name!r}")
