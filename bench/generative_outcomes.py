"""The generative corpus's outcome per script and runtime, from a report: the Markdown table and
the counts of docs/corpus.md ("Generative corpus", per runtime).

    mkdir -p /tmp/gen/py && for f in models/generative/*.py; do
        (cd models/generative && HF_HUB_OFFLINE=1 .venv/bin/python $(basename $f)) > /tmp/gen/py/$(basename $f .py).out
    done
    HF_HUB_OFFLINE=1 .venv/bin/benchit models/generative/*.py --runtime ort openvino ort-genai torch-eager \\
        --iterations 2 --min-time 0 --max-time 5 -d /tmp/gen/cache --process-isolation --timeout 900
    .venv/bin/benchit cache report -d /tmp/gen/cache -r /tmp/gen/report
    .venv/bin/python bench/generative_outcomes.py /tmp/gen/report/mlagility_report_*.csv \\
        --cache /tmp/gen/cache --python-out /tmp/gen/py

Per script and runtime, one cell: "TPOT x ms" (a generation benchmarked) or "x ms/call" (a model
called once per step, measured as inference), "not supported: <reason class>" (the runtime's own
"not supported..." outcome), or "failed: <reason class>" (anything else; the class is the reason
with its variable parts left out, every distinct class listed under the table with its scripts).
A benchmark whose tokens or outputs differ from the framework's says so. A script of several
models has one entry per model ("2/3 benchmarked; ..."). A script that failed as a whole (raised,
crashed, timed out) is "failed (script): ..." in every runtime.

"output identical": the script's stdout under `python` (``--python-out``: ``<name>.out``) against
its isolated child's log under benchit (``<cache>/_logs/<name>_<hash>.log``): every line python
printed must appear in the log, in the same order ("yes"), else "no" and the first missing line
among the notes.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter, defaultdict
from pathlib import Path

RUNTIMES = ("ort", "openvino", "ort-genai", "torch-eager")

# (pattern on the reason, its class, the cell's text or None for the class): the first pattern that
# matches names the class; order matters
NOT_SUPPORTED = (
    (r"encoder-decoder", "encoder-decoder", None),
    (r"beam search", "beam search", None),
    (r"uses sampling|is sampling|\bsampl", "sampling", None),
    (r"model builder does not support (\S+)", "architecture not in onnxruntime-genai's model builder",
     r"model builder lacks \1"),
    (r"padded batch", "padded batch (attention_mask with zeros)", "padded batch"),
    (r"static cache|StaticCache", "static cache", None),
    (r"decode loop|hand-written loop|model calls? (?:made )?by the script", "the script's own decode loop", None),
    (r"only a script's generate\(\)|does not run the inference scenario",
     "not a generation (ort-genai runs only the generation scenario)", "not a generation"),
    (r"no exporter could export", "no exporter could export the KV cache", None),
    # onnxruntime-genai 0.18.0's own limits (runtimes/ort_genai.py KNOWN_LIMITS and its builder's KeyError)
    (r"sliding window \((\d+) positions\); it allocates (\d+)",
     "onnxruntime-genai's GroupQueryAttention: sliding window or rotary dimension",
     r"GroupQueryAttention: sliding window \1 > KV cache capacity \2"),
    (r"rotary dimension <= head_size / 2 and a multiple of 8",
     "onnxruntime-genai's GroupQueryAttention: sliding window or rotary dimension",
     "GroupQueryAttention: rotary dimension not <= head_size / 2 and a multiple of 8 (partial rotary)"),
    (r"model builder cannot read this \S+ config \(KeyError: '(\w+)'\)",
     "onnxruntime-genai's model builder cannot read the transformers 5 config (KeyError)",
     r"model builder: KeyError '\1' reading the config"),
    (r"eos_token_id (\d+) into genai_config.json .* outside the (\d+)-token vocabulary",
     "the model builder's eos_token_id is outside the vocabulary",
     r"eos_token_id \1 (in the model builder's genai_config, not the script's config) outside the vocabulary (\2)"),
)
FAILED = (
    (r"no exporter could export", "no exporter could export the model with its KV cache", None),
    (r"[Tt]imed out|timeout", "timed out", None),
    (r"outputs? differ|tokens differ", "outputs differ", None),
)


def classify(error: str, table) -> tuple[str, str]:
    """(reason class, the cell's text) of an error."""
    for pattern, name, text in table:
        match = re.search(pattern, error)
        if match:
            return name, match.expand(text) if text else name
    # unknown: the reason itself, less the runtime prefix and paths
    reason = re.sub(r"^(not supported( on [\w-]+| by onnxruntime-genai)?:\s*)", "", error.strip())
    reason = re.sub(r"/\S+", "<path>", reason)[:120]
    return reason, reason


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and value == value


def model_cell(row: dict) -> tuple[str, str, str | None]:
    """(kind: benchmarked / not supported / failed, the cell's text, the reason class or None)."""
    error = str(row.get("error") or "")
    if row.get("status") == "failed" or (error and not is_number(row.get("tpot_ms")) and not is_number(row.get("median_ms"))):
        if error.startswith("not supported"):
            reason, text = classify(error, NOT_SUPPORTED)
            return "not supported", f"not supported: {text}", reason
        reason, text = classify(error, FAILED) if error else (f"{row.get('status')} (no error recorded)",) * 2
        stage = row.get("failed_stage")
        return "failed", f"failed ({stage}): {text}" if stage and stage != "benchmark" else f"failed: {text}", reason
    if is_number(row.get("tpot_ms")):
        text = f"TPOT {row['tpot_ms']:.3g} ms"
    elif is_number(row.get("median_ms")):
        text = f"{row['median_ms']:.4g} ms/call"
    else:
        return "failed", f"not benchmarked ({row.get('status')})", f"not benchmarked ({row.get('status')})"
    if row.get("check_ok") is False or str(row.get("check_ok")) == "False":
        text += " (outputs differ)"
    return "benchmarked", text, None


def cell(models: list[dict]) -> tuple[str, str, list[tuple[str, str]]]:
    """One script x runtime: (overall kind, text, [(kind, reason class)...])."""
    outcomes = [model_cell(m) for m in models]
    reasons = [(kind, reason) for kind, _, reason in outcomes if reason]
    if len(outcomes) == 1:
        kind, text, _ = outcomes[0]
        return kind, text, reasons
    done = sum(kind == "benchmarked" for kind, _, _ in outcomes)
    kind = "benchmarked" if done == len(outcomes) else ("failed" if any(k == "failed" for k, _, _ in outcomes)
                                                          else "not supported" if not done else "partly")
    parts = [f"{m.get('model_class')}: {text}" for m, (_, text, _) in zip(models, outcomes)]
    return kind, f"{done}/{len(outcomes)} benchmarked; " + "; ".join(parts), reasons


def output_identical(name: str, cache: Path, python_out: Path) -> tuple[str, str | None]:
    expected = python_out / f"{name}.out"
    logs = sorted((cache / "_logs").glob(f"{name}_*.log"), key=lambda p: p.stat().st_mtime)
    if not expected.is_file() or not logs:
        return "—", "no python output" if not expected.is_file() else "no benchit log"
    lines = [line.rstrip() for line in expected.read_text(errors="replace").splitlines() if line.strip()]
    if not lines:
        return "—", "prints nothing"
    log = iter(line.rstrip() for line in logs[-1].read_text(errors="replace").splitlines())
    for line in lines:
        if not any(candidate == line for candidate in log):
            return "no", f"missing under benchit: {line[:100]!r}"
    return "yes", None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", help="a .csv report (benchit cache report)")
    parser.add_argument("--cache", required=True, type=Path, help="the cache the report was made from")
    parser.add_argument("--python-out", required=True, type=Path, help="folder of <script>.out: stdout under python")
    args = parser.parse_args()
    import pandas as pd

    frame = pd.read_csv(args.report)
    frame = frame[frame["script"].notna()]
    frame = frame.astype(object).where(frame.notna(), None)  # empty cells as None, not NaN
    rows = defaultdict(lambda: defaultdict(list))  # script -> runtime -> models
    script_failures: dict[str, str] = {}
    for row in frame.to_dict("records"):
        name = Path(row["script"]).stem
        if row.get("failed_stage") == "script":
            script_failures[name] = str(row.get("error"))
            continue
        if isinstance(row.get("runtime"), str):
            rows[name][row["runtime"]].append(row)
        else:  # a build that never reached a benchmark: it counts for every runtime
            for runtime in RUNTIMES:
                rows[name][runtime].append(row)
    counts = {r: Counter() for r in RUNTIMES}
    checked = {r: Counter() for r in RUNTIMES}  # benchmarked models: check_ok True / False / none
    classes = {r: defaultdict(list) for r in RUNTIMES}
    identical = Counter()
    notes = []
    print("| script | " + " | ".join(RUNTIMES) + " | output identical |")
    print("|---|" + "---|" * (len(RUNTIMES) + 1))
    for name in sorted(set(rows) | set(script_failures)):
        cells = []
        for runtime in RUNTIMES:
            if name in script_failures:
                reason, text = classify(script_failures[name], FAILED)
                kind, text, reasons = "failed", f"failed (script): {text}", [("failed", reason)]
            elif not rows[name][runtime]:
                kind, text, reasons = "failed", "no result", [("failed", "no result")]
            else:
                kind, text, reasons = cell(rows[name][runtime])
            counts[runtime][kind] += 1
            for model in rows[name][runtime]:
                if is_number(model.get("tpot_ms")) or is_number(model.get("median_ms")):
                    checked[runtime][str(model.get("check_ok"))] += 1
            for reason_kind, reason in reasons:
                classes[runtime][f"{reason_kind}: {reason}"].append(name)
            cells.append(text)
        same, note = output_identical(name, args.cache, args.python_out)
        identical[same] += 1
        if note:
            notes.append(f"`{name}.py`: {note}")
        print(f"| `{name}.py` | " + " | ".join(cells) + f" | {same} |")
    print()
    total = len(set(rows) | set(script_failures))
    for runtime in RUNTIMES:
        count = counts[runtime]
        print(f"- **{runtime}**: {count['benchmarked']} of {total} benchmarked, "
              f"{count['not supported']} not supported, {count['failed']} failed"
              + (f", {count['partly']} partly benchmarked" if count["partly"] else "")
              + f"; of the models benchmarked, {checked[runtime]['True']} match the framework's tokens/outputs, "
              f"{checked[runtime]['False']} differ, {checked[runtime]['None']} not checked")
        for reason, names in sorted(classes[runtime].items(), key=lambda kv: (-len(kv[1]), kv[0])):
            shown = ", ".join(f"`{n}`" for n in sorted(set(names)))
            print(f"  - {reason} ({len(set(names))}): {shown}")
    print(f"- **output identical** (python vs benchit): {identical['yes']} yes, {identical['no']} no, "
          f"{identical['—']} not compared")
    for note in notes:
        print(f"  - {note}")


if __name__ == "__main__":
    main()
