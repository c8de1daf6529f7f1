"""The public API: ``benchmark_script``, ``benchmark_model``, ``MeasuredPerformance``.

Import from here or from the top-level package; both load lazily.
"""

from mlagility import __getattr__  # noqa: F401  (lazy loading shared with the top package)
