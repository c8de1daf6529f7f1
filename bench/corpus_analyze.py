"""The whole corpus through ``benchit --analyze-only --process-isolation``: the outcome per script.

Not part of CI (a median 7.6 s per script on 2 cores: hours for the 1,416 scripts). Each script
runs in its own child process (a crash or hang costs only that script; ``--timeout`` kills it),
with ``HF_HUB_OFFLINE=1``. One CSV row per script is appended as soon as the script is done, so
the run can be polled and resumed (scripts already in the CSV are skipped):

    .venv/bin/python bench/corpus_analyze.py [models/timm ...] [--out corpus_analyze.csv] [--timeout 300]
    make corpus-analyze

Columns: ``script, corpus, outcome, models, classes, hashes, seconds, error`` where ``outcome`` is
``ok`` (the script ran and called ``expected`` models), ``wrong-count`` or ``error``. A script is
expected to call one model, or the number in its ``# expected-calls: N`` line. A summary per
corpus is printed at the end; the exit status is 0 only when every script is ``ok``.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import time
from collections import Counter, defaultdict
from pathlib import Path

from mlagility import benchmark_script

MODELS = Path(__file__).resolve().parent.parent / "models"
COLUMNS = ["script", "corpus", "outcome", "models", "classes", "hashes", "seconds", "error"]


def corpus_scripts(selection: list[str]) -> list[Path]:
    folders = [Path(s) for s in selection] or sorted(p for p in MODELS.iterdir() if p.is_dir())
    scripts = []
    for folder in folders:
        found = [folder] if folder.is_file() else sorted(folder.glob("*.py"))
        scripts += [p.resolve() for p in found if p.name not in ("generate.py", "verify.py", "__init__.py")]
    return scripts


def expected_calls(script: Path) -> int:
    match = re.search(r"^# expected-calls: (\d+)", script.read_text(), re.MULTILINE)
    return int(match.group(1)) if match else 1


def analyze(script: Path, cache: Path, timeout: float) -> dict:
    started = time.perf_counter()
    results = benchmark_script(
        [script], cache_dir=cache, analyze_only=True, process_isolation=True, timeout=timeout
    )
    error = results.script_errors.get(str(script), "")
    expected = expected_calls(script)
    outcome = "error" if error else "ok" if len(results) == expected else "wrong-count"
    if outcome == "wrong-count":
        error = f"{len(results)} model invocations, expected {expected}"
    return {
        "script": str(script.relative_to(MODELS.parent)) if script.is_relative_to(MODELS.parent) else str(script),
        "corpus": script.parent.name,
        "outcome": outcome,
        "models": len(results),
        "classes": " ".join(r.model.class_name for r in results),
        "hashes": " ".join(r.invocation.hash for r in results),
        "seconds": f"{time.perf_counter() - started:.1f}",
        "error": error,
    }


def summary(out: Path) -> bool:
    counts: dict[str, Counter] = defaultdict(Counter)
    with open(out, newline="") as handle:
        for row in csv.DictReader(handle):
            counts[row["corpus"]][row["outcome"]] += 1
            counts["all"][row["outcome"]] += 1
    print(f"{'corpus':20s} {'scripts':>8s} {'ok':>6s} {'wrong-count':>12s} {'error':>6s}")
    for corpus, c in sorted(counts.items(), key=lambda item: item[0] == "all"):
        print(f"{corpus:20s} {sum(c.values()):8d} {c['ok']:6d} {c['wrong-count']:12d} {c['error']:6d}")
    return all(c["ok"] == sum(c.values()) for c in counts.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", help="corpus folders or scripts (default: all of models/)")
    parser.add_argument("--out", default="corpus_analyze.csv", help="CSV to append to (default: %(default)s)")
    parser.add_argument("--cache", default=None, help="cache dir for the run (default: a folder next to --out)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per script (default: 300)")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    out = Path(args.out)
    cache = Path(args.cache or out.with_suffix(".cache"))
    done = set()
    if out.exists():
        with open(out, newline="") as handle:
            done = {row["script"] for row in csv.DictReader(handle)}
    with open(out, "a", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        if not done:
            writer.writeheader()
        for script in corpus_scripts(args.folders):
            name = str(script.relative_to(MODELS.parent)) if script.is_relative_to(MODELS.parent) else str(script)
            if name in done:
                continue
            row = analyze(script, cache, args.timeout)
            writer.writerow(row)
            handle.flush()
            print(f"{row['outcome']:12s} {row['seconds']:>6s} s  {name}  {row['error'][:100]}", flush=True)
    return 0 if summary(out) else 1


if __name__ == "__main__":
    raise SystemExit(main())
