"""Per-corpus outcome of a corpus sweep, from its cache: a Markdown table for docs/corpus.md.

    .venv/bin/python bench/corpus_sample.py > /tmp/sample.txt
    .venv/bin/benchit /tmp/sample.txt --process-isolation --resume -d /tmp/sweep \\
        --iterations 10 --min-time 0 --max-time 5 --timeout 600
    .venv/bin/python bench/corpus_outcomes.py /tmp/sweep /tmp/sample.txt

Scripts come from the list; models found/exported/optimized/benchmarked from the builds' state;
script-level failures (raised, crashed, timeout) from the attempt records.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

from mlagility.sweep.report import report_frame


def main(cache: str, sample: str) -> None:
    scripts = [Path(line.strip()) for line in Path(sample).read_text().splitlines() if line.strip()]
    corpus_of = {str(s): s.parent.name for s in scripts}
    frame = report_frame([cache])
    frame = frame[frame["script"].isin(corpus_of) & frame["build_name"].notna()]  # script failures below
    attempts = [yaml.safe_load(p.read_text()) for p in (Path(cache) / "_attempts").glob("*.yaml")]
    outcome = {a["script"]: a.get("outcome", "") for a in attempts}
    rows = defaultdict(Counter)
    failures = defaultdict(Counter)
    for script, corpus in corpus_of.items():
        rows[corpus]["scripts"] += 1
        rows[corpus]["attempted"] += script in outcome
        if outcome.get(script, "").startswith(("error", "crashed", "killed", "timeout")):
            failures[corpus][f"script: {outcome[script][:110]}"] += 1
    for build in frame.to_dict("records"):
        corpus = corpus_of[build["script"]]
        rows[corpus]["models"] += 1
        rows[corpus]["exported"] += bool(build["onnx_exported"])
        rows[corpus]["optimized"] += bool(build["onnx_optimized"])
        ok = build["runtime"] == "ort" and build["status"] != "failed" and build["median_ms"] == build["median_ms"]
        rows[corpus]["benchmarked"] += bool(ok)
        rows[corpus]["match"] += bool(ok and build["check_ok"] is True)
        rows[corpus]["checked"] += bool(ok and build["check_ok"] in (True, False))
        if ok and build["check_ok"] is False:
            failures[corpus][f"outputs differ from PyTorch eager: {build['model_class']} "
                             f"(max rel error {build['max_rel_error']:.3g})"] += 1
        elif not ok and build["status"] in ("building", "new"):
            failures[corpus][f"build never finished ({build['status']}): {build['model_class']}"] += 1
        elif not ok:
            failures[corpus][f"{build['failed_stage']}: {str(build['error'])[:110]}"] += 1
    total = Counter()
    print("| corpus | scripts | attempted | models found | exported | optimized | benchmarked on ort | rate "
          "| outputs match eager / checked |")
    print("|---|---|---|---|---|---|---|---|---|")
    for corpus, counts in rows.items():
        total.update(counts)
        print(_row(corpus, counts))
    print(_row("**all**", total))
    print("\nFailures by reason:\n")
    for corpus, reasons in failures.items():
        for reason, count in reasons.most_common():
            print(f"- {corpus}: {count} x {reason}")


def _row(name, c) -> str:
    rate = f"{c['benchmarked'] / c['models']:.1%}" if c["models"] else "-"
    return (f"| {name} | {c['scripts']} | {c['attempted']} | {c['models']} | {c['exported']} | {c['optimized']} "
            f"| {c['benchmarked']} | {rate} | {c['match']} / {c['checked']} |")


if __name__ == "__main__":
    main(*sys.argv[1:3])
