"""Outcome accounting (issue 21): a runtime that does not support a model is its own outcome, not
a failure (tree, summary, exit code, ``cache report``); every runtime's failure is shown; the
summary shows each failure's whole reason."""

from __future__ import annotations

import csv
import textwrap

import pytest
import yaml
from conftest import EXAMPLES, FAST, run_benchit

# a build whose ONNX file names an operator no runtime implements: ort and openvino both fail to
# load it, each with its own reason (ort's is longer than the 160 characters the summary once kept)
UNKNOWN_OPERATOR = '''
import onnx

from mlagility.builds.stages import Sequence, Stage, export_sequence


class UnknownOperator(Stage):
    name = "unknown_operator"
    needs = ("onnx",)

    def run(self, ctx):
        path = str(ctx.path("onnx"))
        model = onnx.load(path)
        model.graph.node[0].op_type = "OperatorThatNoRuntimeImplementsAnywhere"
        onnx.save_model(model, path)


def get_sequence():
    return Sequence("unknown_operator", [export_sequence(), UnknownOperator()])
'''

# keras runs Keras models only (a runtime every install registers: the keras extra is in every session)
REFUSAL = "not supported: keras runs keras models, not pytorch"


def report_of(cache, folder):
    report = run_benchit("cache", "report", "-d", cache, "-r", folder)
    assert report.returncode == 0, report.stdout + report.stderr
    [path] = folder.glob("*.csv")
    return report, list(csv.DictReader(path.open()))


def summary_of(stdout: str) -> str:
    return stdout[stdout.index("Summary"):]


def flat(text: str) -> str:
    """Text with its wrapping undone (rich wraps long cells at spaces)."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def refused(tmp_path_factory):
    """hello_world (a PyTorch model) on ort (benchmarked) and keras (runs Keras models: not supported)."""
    base = tmp_path_factory.mktemp("refused")
    done = run_benchit(EXAMPLES / "hello_world.py", "-d", base / "cache", "--runtime", "ort", "keras", *FAST)
    report, rows = report_of(base / "cache", base / "report")
    return done, report, rows


def test_a_runtime_that_does_not_support_the_model_is_not_a_failure(refused):
    done, _, _ = refused
    assert done.returncode == 0, done.stdout + done.stderr  # nothing failed
    assert REFUSAL in done.stdout and "benchmark on keras failed" not in done.stdout, done.stdout
    assert "Outputs match PyTorch eager" in done.stdout  # ort's own outcome is there too
    summary = summary_of(done.stdout)
    assert "1 benchmarked, 0 failed" in summary and "Failed" not in summary, summary
    assert f"Not supported    1 x {REFUSAL}" in summary or flat(f"Not supported 1 x {REFUSAL}") in flat(summary), summary


def test_cache_report_says_not_supported(refused):
    _, report, rows = refused
    by_runtime = {row["runtime"]: row for row in rows}
    assert by_runtime["keras"]["status"] == "not supported" and by_runtime["keras"]["error"] == REFUSAL
    assert by_runtime["keras"]["failed_stage"] == ""
    assert by_runtime["ort"]["status"] == "built" and float(by_runtime["ort"]["median_ms"]) > 0
    counts = {line.strip("│ ").rsplit("│", 1)[0].strip(): line.strip("│ ").rsplit("│", 1)[-1].strip()
              for line in report.stdout.splitlines() if line.count("│") == 3}
    assert counts["succeeded"] == "1" and counts["failed"] == "0", report.stdout
    assert counts["not supported (build x runtime)"] == "1", report.stdout


@pytest.fixture(scope="module")
def two_failures(tmp_path_factory):
    base = tmp_path_factory.mktemp("two_failures")
    sequence = base / "unknown_operator.py"
    sequence.write_text(textwrap.dedent(UNKNOWN_OPERATOR))
    done = run_benchit(EXAMPLES / "hello_world.py", "-d", base / "cache", "--sequence-file", sequence,
                       "--runtime", "ort", "openvino", *FAST)
    [state] = (base / "cache").glob("*/mlagility_build.yaml")
    return done, yaml.safe_load(state.read_text())["benchmarks"]


@pytest.mark.slow
def test_every_runtimes_failure_is_shown_whole(two_failures):
    done, benchmarks = two_failures
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    tree, summary = done.stdout[:done.stdout.index("Summary")], summary_of(done.stdout)
    for runtime in ("ort", "openvino"):
        entry = benchmarks[f"x86/{runtime}"]
        assert entry["status"] == "failed", entry
        whole = flat(f"benchmark on {runtime} failed: {entry['error']}")
        assert whole in flat(tree), (runtime, done.stdout)  # each runtime's outcome, not only the last
        assert whole in flat(summary), (runtime, summary)  # the whole reason, not its first 160 characters
    assert len(flat(benchmarks["x86/ort"]["error"])) > 160
    assert summary.count("Failed: benchmark") == 2, summary
