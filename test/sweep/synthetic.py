"""Import ``bench/synthetic_cache.py`` and ``bench/headless.py`` from the sweep tests."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import headless  # noqa: E402,F401
from synthetic_cache import make_cache  # noqa: E402,F401
