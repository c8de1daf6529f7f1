"""Load an mlagility report (CSV or JSON) into a pandas DataFrame, for notebooks."""

from __future__ import annotations

from pathlib import Path


def load_report(path) -> "pandas.DataFrame":  # noqa: F821
    """``load_report("mlagility_report_2026-11-28_120000.csv")`` -> DataFrame (one row per build x runtime)."""
    import pandas as pd

    path = Path(path)
    if path.suffix == ".json":
        return pd.read_json(path, orient="records")
    return pd.read_csv(path)


def cache_report(*cache_dirs) -> "pandas.DataFrame":  # noqa: F821
    """The report of one or more caches, without writing files (default: the cache)."""
    from mlagility.sweep.report import report_frame

    return report_frame(list(cache_dirs) or [None])
