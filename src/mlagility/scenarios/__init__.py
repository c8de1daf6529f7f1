"""Scenarios: a workload's timing loop and the metrics it declares (``base.py``).

``inference``: one call timed again and again. ``generation``: a ``generate()`` timed token by
token (TTFT, TPOT, tokens/s). Every consumer of results (status tree, ``cache report``, the
dashboard, ``benchit compare``, ``MeasuredPerformance``) takes its columns from these
declarations.
"""

# The built-in scenarios register when the package is imported (before base.py is used): base.py
# never imports them back.
from mlagility.scenarios import generation, inference  # noqa: E402,F401
