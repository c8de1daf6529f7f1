"""``benchit cache report [--html [FILE]]`` and ``benchit compare``: results people look at."""

from __future__ import annotations

import argparse
import datetime
import math
from pathlib import Path

from mlagility.api import report as api_report
from mlagility.api.report import write_dashboard
from mlagility.cli.commands import cache_report as csv_and_json_report
from mlagility.common.exit_codes import EXIT_FAILED, EXIT_OK
from mlagility.common.filesystem import write_json_output
from mlagility.reporting.printing import terminal_console
from mlagility.results.compare import format_ci, format_ratio, parse_threshold
from mlagility.results.dashboard import write_comparison

VERDICT_STYLE = {"slower": "bold red", "faster": "bold green", "no significant change": "",
                 "failed in candidate": "red", "insufficient data": "yellow",
                 "no samples": "yellow", "only in baseline": "dim", "only in candidate": "dim"}
NOTE_WIDTH = 80  # a pair's note (why no verdict) in the table; the JSON has it whole


def cache_report(args: argparse.Namespace) -> int:
    """The CSV + JSON report (as before) and, with ``--html``, the dashboard of the same caches."""
    code = csv_and_json_report(args)
    if args.html is None:
        return code

    path = Path(args.html) if args.html else (
        Path(args.report_dir) / f"mlagility_dashboard_{datetime.datetime.now():%Y-%m-%d_%H%M%S}.html")
    written = write_dashboard(args.cache_dirs or [None], path)
    terminal_console().print(f"Dashboard written to {written} ({written.stat().st_size / 2**20:.1f} MiB, works offline)")
    return code


def compare(args: argparse.Namespace) -> int:
    from rich.table import Table
    from rich.text import Text

    threshold = parse_threshold(args.threshold)
    result = api_report.compare(args.baseline, args.candidate, threshold=threshold)
    console = terminal_console()
    table = Table(title=f"{args.baseline} -> {args.candidate}", title_justify="left")
    for name, justify in (("model", "left"), ("build", "left"), ("runtime", "left"), ("precision", "left"),
                          ("metric", "left"), ("baseline ms", "right"), ("candidate ms", "right"), ("ratio", "right"), (f"{result.confidence:.0%} CI", "right"),
                          ("MWU p", "right"), ("verdict", "left")):
        table.add_column(name, justify=justify)
    number = lambda v: "" if v is None else f"{v:.4g}"  # noqa: E731
    for pair in result.pairs:
        style = VERDICT_STYLE.get(pair.verdict, "")
        table.add_row(pair.name, pair.build_name or "", pair.runtime, pair.precision or "", pair.metric,
                      number(pair.baseline_ms), number(pair.candidate_ms),
                      format_ratio(pair), format_ci(pair), "" if pair.p_value is None else f"{pair.p_value:.1e}",
                      Text(pair.verdict, style=style) + (
                          Text(f" ({_shorten(pair.note)})", style="dim") if pair.note else Text("")))
    console.print(table)
    counts = ", ".join(f"{count} {verdict}" for verdict, count in result.counts().items() if count)
    console.print(f"{len(result.pairs)} results: {counts or 'nothing to compare'} "
                  f"(threshold {threshold:.1%}; ratio = candidate / baseline median of the metric: each scenario's "
                  "primary one, median_ms for inference, tpot_ms for a generation; "
                  f"{result.confidence:.0%} {result.method})")
    console.print("run-to-run noise across the pairs: " + (
        f"sd ±{math.expm1(result.noise_sigma):.1%}, {result.confidence:.0%} band ±{math.expm1(result.noise_band):.1%} "
        "(added to each interval)" if result.noise_band is not None
        else "not estimated (fewer than 8 pairs): intervals from the samples only"))
    if result.overall:
        overall = result.overall
        style = VERDICT_STYLE.get(overall["verdict"], "")
        console.print(Text.assemble(
            f"overall ({overall['pairs']} pairs): median ratio {overall['median_ratio']:.3f}x "
            f"[{overall['ci_low']:.3f}, {overall['ci_high']:.3f}]: ", (overall["verdict"], style)))
    if args.json:
        write_json_output(args.json, result.to_dict())
        console.print(f"JSON written to {args.json}")
    if args.html:
        console.print(f"HTML written to {write_comparison(result, args.html)}")
    reasons = result.gate_failures()
    if args.fail_on_regression and reasons:
        for reason in reasons:
            console.print(Text(f"--fail-on-regression: {reason}", style="bold red"))
        return EXIT_FAILED
    return EXIT_OK


def _shorten(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= NOTE_WIDTH else text[:NOTE_WIDTH - 1] + "…"
