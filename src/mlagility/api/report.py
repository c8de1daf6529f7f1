"""Load an mlagility report (CSV or JSON) into a pandas DataFrame, for notebooks."""

from __future__ import annotations

from pathlib import Path

from mlagility.common.filesystem import write_json_output
from mlagility.results.compare import compare as compare_runs
from mlagility.results.dashboard import write_comparison, write_dashboard as dashboard_html
from mlagility.results.report import read_report, report_frame


def load_report(path) -> "pandas.DataFrame":  # noqa: F821
    """``load_report("mlagility_report_2026-11-28_120000.csv")`` -> DataFrame (one row per build x runtime).

    A file that is not a valid report raises ``mlagility.common.exceptions.UsageError`` saying why (one line).
    """
    return read_report(Path(path))


def cache_report(*cache_dirs) -> "pandas.DataFrame":  # noqa: F821
    """The report of one or more caches, without writing files (default: the cache)."""
    return report_frame(list(cache_dirs) or [None])


def write_dashboard(sources=None, path="mlagility_dashboard.html", title: str | None = None):
    """Write the offline HTML dashboard of caches and/or report files; returns its ``Path``.

    ``write_dashboard(["~/.cache/mlagility"], "dashboard.html")``; ``sources=None``: the cache.
    """
    if sources is None or isinstance(sources, (str, Path)):
        sources = [sources]
    return dashboard_html(list(sources), path, title)


def compare(baseline, candidate, threshold: float | str = 0.05, html=None, json=None):
    """Compare two runs (cache dirs or report files) -> ``mlagility.results.compare.Comparison``.

    Each pair gets the ratio of medians (candidate / baseline), its 95% bootstrap confidence
    interval, the Mann-Whitney U p-value and a verdict ("slower", "failed in candidate", "only in
    baseline", "faster", "no significant change", "insufficient data", "no samples", "only in
    candidate"; ``pair.note`` says why there is no statistical verdict); ``threshold`` (0.05 or
    "5%") ignores smaller changes. ``result.gate_failures()``: why ``--fail-on-regression`` would
    fail (empty: it passes). ``html``/``json``: also write the comparison there. A path that is
    neither a cache nor a valid report file raises ``UsageError``.
    """
    result = compare_runs(baseline, candidate, threshold)
    if html:
        write_comparison(result, html)
    if json:
        write_json_output(json, result.to_dict())
    return result
