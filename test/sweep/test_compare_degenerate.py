"""``benchit compare`` / ``cache report`` with degenerate and malformed inputs (issue 20 §3, repro 13).

Malformed inputs: one line, exit 2 (never 1, which ``--fail-on-regression`` keeps for a
regression). Degenerate statistics: a defined verdict ("insufficient data"), valid JSON, bounded
cost, the method stated. A broken or empty candidate fails ``--fail-on-regression``.
"""

from __future__ import annotations

import json
import os
import re

import numpy as np
import pytest

from conftest import FAST, run_benchit
from synthetic import make_cache
from mlagility.api.report import compare, load_report
from mlagility.common.exceptions import UsageError
from mlagility.results.compare import MAX_SAMPLES, MIN_SAMPLES, judge, load_results


def write_report(path, *sample_sets, medians=None):
    """A report JSON with one benchmarked row per array of samples (like repros/_mkreport.py)."""
    rows = []
    for i, samples in enumerate(sample_sets):
        npy = path.parent / f"{path.stem}_{i}.npy"
        np.save(npy, np.asarray(samples, np.float32))
        median = medians[i] if medians else (float(np.median(samples)) if len(samples) else 0.0)
        rows.append({"script": "/x/tiny.py", "invocation_hash": f"{i:08x}", "build_name": f"tiny_{i:08x}",
                     "model_name": f"m{i}", "device": "x86", "runtime": "ort", "precision": "fp32",
                     "status": "benchmarked", "median_ms": median, "samples_file": str(npy)})
    path.write_text(json.dumps(rows))  # Python's json writes NaN/Infinity tokens for such medians
    return path


def strict_json(path):
    """The file parsed by a JSON parser that refuses NaN/Infinity (as browsers and jq do)."""
    def refuse(token):
        raise AssertionError(f"{path} holds {token}")

    return json.loads(path.read_text(), parse_constant=refuse)


MALFORMED = {
    "empty.json": b"",
    "blank.csv": b"\n\n",
    "bad.json": b"not json{",
    "truncated.json": b'[{"script": "a.py", "invocation_hash": "1", "dev',
    "binary.csv": bytes(range(256)) * 8,
    "deep.json": b"[" * 100000 + b"]" * 100000,
    "scalars.json": b"[1, 2, 3]",
    "object.json": b"{}",
    "string.json": b'"a report"',
    "no_columns.json": b"[{}]",
    "other_columns.csv": b"name,value\na,1\n",
    "median_text.json": b'[{"script":"s","invocation_hash":"1","device":"x86","runtime":"ort","median_ms":"abc"}]',
    "median_text.csv": b"script,invocation_hash,device,runtime,median_ms\ns,1,x86,ort,abc\n",
    "median_bool.json": b'[{"script":"s","invocation_hash":"1","device":"x86","runtime":"ort","median_ms":true}]',
    "runtime_list.json": b'[{"script":"s","invocation_hash":"1","device":"x86","runtime":["ort"],"median_ms":1}]',
    "wrong.txt": b"[]",
}


def test_malformed_report_files_are_refused_with_one_line(tmp_path):
    for name, data in MALFORMED.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(UsageError) as caught:
            load_results(tmp_path / name)
        message = str(caught.value)
        assert "\n" not in message and name in message, (name, message)
        with pytest.raises(UsageError):
            load_report(tmp_path / name) if name != "wrong.txt" else load_results(tmp_path / name)
    os.mkfifo(tmp_path / "fifo.json")  # never blocks: not a regular file
    with pytest.raises(UsageError, match="not a regular file"):
        load_results(tmp_path / "fifo.json")
    # a report of nothing is a report: [] and a CSV of the report's columns without rows
    (tmp_path / "none.json").write_text("[]")
    (tmp_path / "none.csv").write_text("script,invocation_hash,device,runtime,median_ms\n")
    assert len(load_results(tmp_path / "none.json")) == 0 == len(load_results(tmp_path / "none.csv"))


def test_malformed_inputs_exit_2_even_with_fail_on_regression(tmp_path):
    good = write_report(tmp_path / "good.json", np.ones(20))
    for name in ("bad.json", "scalars.json", "median_text.csv"):
        (tmp_path / name).write_bytes(MALFORMED[name])
        for args in ((good, tmp_path / name), (tmp_path / name, good)):
            result = run_benchit("compare", *args, "--fail-on-regression")
            assert result.returncode == 2, (name, result.stdout, result.stderr)
            assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
            assert "not a benchit report" in result.stderr
    (tmp_path / "not_a_cache").mkdir()
    (tmp_path / "not_a_cache" / "x.txt").write_text("x")
    result = run_benchit("compare", good, tmp_path / "not_a_cache", "--fail-on-regression")
    assert result.returncode == 2 and "not an mlagility cache" in result.stderr


def test_judge_never_decides_from_degenerate_samples():
    rng = np.random.default_rng(0)
    normal = rng.lognormal(0, 0.1, 200)
    for base, cand, why in [
        (np.ones(1), np.ones(1) * 10, "sample(s) in the baseline"),  # one sample per side: no verdict
        (normal, normal[:MIN_SAMPLES - 1] * 10, "sample(s) in the candidate"),
        (normal, np.zeros(200), "median latency is 0 ms"),
        (np.zeros(200), normal, "median latency is 0 ms"),
        (-normal, normal, "negative"),
        (normal, np.r_[normal, np.nan], "non-finite"),
        (normal, np.r_[normal, np.inf], "non-finite"),
        (np.r_[np.zeros(4), np.ones(6)], np.ones(10) * 2, "not finite"),  # resampled medians of 0
    ]:
        result = judge(base, cand, 0.05)
        assert result["verdict"] == "insufficient data" and why in result["note"], (why, result)
        json.dumps(result, allow_nan=False)
    # enough well-formed samples still decide
    assert judge(normal, normal * 1.3, 0.05)["verdict"] == "slower"
    assert judge(np.ones(MIN_SAMPLES), np.ones(MIN_SAMPLES), 0.05)["verdict"] == "no significant change"


def test_degenerate_reports_give_defined_verdicts_valid_json_and_the_method(tmp_path):
    rng = np.random.default_rng(0)
    normal = rng.normal(1, 0.05, 200)
    base = write_report(tmp_path / "base.json", normal, normal, normal, normal, normal, [1.0],
                        medians=[1.0, 1.0, 1.0, 1.0, float("inf"), 1.0])
    cand = write_report(tmp_path / "cand.json", np.zeros(200), -normal, np.r_[normal, np.nan], normal * 1.3,
                        normal, [0.5], medians=[0.0, -1.0, 1.0, float("nan"), float("-inf"), 0.5])
    result = compare(base, cand, json=tmp_path / "c.json", html=tmp_path / "c.html")
    verdicts = {p.name: p.verdict for p in result.pairs}
    # m2's candidate samples hold NaN: the samples reader refuses them; m3's candidate median is NaN:
    # not benchmarked, so that baseline result is missing from the candidate
    assert verdicts.pop("m2") in ("no samples", "insufficient data")
    assert verdicts == {"m0": "insufficient data", "m1": "insufficient data", "m3": "only in baseline",
                        "m4": "insufficient data", "m5": "insufficient data"}
    assert not any(p.verdict in ("faster", "slower") for p in result.pairs)
    data = strict_json(tmp_path / "c.json")
    assert data["max_samples"] == MAX_SAMPLES and f"{MAX_SAMPLES:,}" in data["method"]
    assert "insufficient data" in data["counts"] and data["gate_failures"]
    page = (tmp_path / "c.html").read_text()
    assert f"at most {MAX_SAMPLES:,} samples" in page and not re.search(r"\bNaN\b|\bInfinity\b", page.split("<script>")[-1])
    cli = run_benchit("compare", base, cand, "--json", tmp_path / "cli.json")
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert "insufficient data" in cli.stdout and f"at most {MAX_SAMPLES:,}" in " ".join(cli.stdout.split())
    strict_json(tmp_path / "cli.json")
    gate = run_benchit("compare", base, cand, "--fail-on-regression")
    assert gate.returncode == 1 and "nothing compared" in gate.stdout, gate.stdout + gate.stderr


def test_millions_of_samples_are_subsampled_for_a_bounded_cost(tmp_path):
    rng = np.random.default_rng(1)
    big = 2_000_000
    base = write_report(tmp_path / "base.json", rng.lognormal(0, 0.1, big))
    cand = write_report(tmp_path / "cand.json", rng.lognormal(0, 0.1, big) * 1.2)
    [pair] = compare(base, cand).pairs
    assert pair.verdict == "slower" and pair.n_baseline == big and 1.19 < pair.ratio < 1.21
    assert pair.ci_low < pair.ratio < pair.ci_high  # the interval of the subsample (<= MAX_SAMPLES per side)


def edit_state(cache, prefix, change):
    from mlagility.builds.state import BuildState

    build_dir = next(p for p in cache.iterdir() if p.name.startswith(prefix))
    state = BuildState.load(build_dir)
    change(state)
    state.save(build_dir)


def test_a_candidate_whose_builds_fail_or_are_missing_fails_the_gate(tmp_path):
    base = make_cache(tmp_path / "base", 4, ("ort",), failure_every=0)
    cand = make_cache(tmp_path / "cand", 4, ("ort",), failure_every=0, noise_seed=5)

    def export_failed(state):
        state.status, state.failed_stage, state.error, state.benchmarks = "failed", "export", "aten::foo", {}

    def benchmark_failed(state):
        state.benchmarks["x86/ort"] = {"status": "failed", "error": "worker crashed (signal 11)"}

    edit_state(cand, "model_00001", export_failed)
    edit_state(cand, "model_00002", benchmark_failed)
    result = compare(base, cand)
    verdicts = {p.name: (p.verdict, p.note) for p in result.pairs}
    assert verdicts["model_00001"] == ("failed in candidate", "failed in the candidate at export: aten::foo")
    assert verdicts["model_00002"][0] == "failed in candidate" and "signal 11" in verdicts["model_00002"][1]
    assert [r for r in result.gate_failures() if "2 failed there" in r]
    assert compare(base, base).gate_failures() == []
    # an empty candidate cache: every baseline result is missing there
    (tmp_path / "empty").mkdir()
    empty = run_benchit("compare", base, tmp_path / "empty", "--fail-on-regression")
    assert empty.returncode == 1 and "4 missing" in empty.stdout, empty.stdout + empty.stderr
    # nothing on either side
    (tmp_path / "none.json").write_text("[]")
    nothing = run_benchit("compare", tmp_path / "none.json", tmp_path / "none.json", "--fail-on-regression")
    assert nothing.returncode == 1 and "nothing compared" in nothing.stdout, nothing.stdout + nothing.stderr


@pytest.mark.slow
def test_broken_candidate_script_fails_the_gate_and_a_cache_of_failed_scripts_is_reported(tmp_path, write_script):
    script = write_script("t.py", "import torch\nm = torch.nn.Linear(4, 2)\nm(torch.rand(1, 4))\n")
    assert run_benchit(script, "-d", tmp_path / "base", *FAST).returncode == 0
    script.write_text('raise RuntimeError("no weights")\n')  # the same script, now broken as a whole
    run_benchit(script, "-d", tmp_path / "cand", *FAST)
    gate = run_benchit("compare", tmp_path / "base", tmp_path / "cand", "--fail-on-regression")
    assert gate.returncode == 1, gate.stdout + gate.stderr
    assert "failed in candidate" in gate.stdout and "no weights" in gate.stdout
    assert "1 failed there" in gate.stdout
    # repro 13: a report over a cache whose only entries are failed scripts
    report = run_benchit("cache", "report", "-d", tmp_path / "cand", "-r", tmp_path / "rep",
                         "--html", tmp_path / "dash.html")
    assert report.returncode == 0 and "Traceback" not in report.stderr, report.stdout + report.stderr
    assert re.search(r"scripts that failed as a whole\s*│\s*1", report.stdout), report.stdout
    assert "no weights" in (tmp_path / "dash.html").read_text()
    [report_json] = (tmp_path / "rep").glob("*.json")
    again = run_benchit("compare", tmp_path / "base", report_json, "--fail-on-regression")
    assert again.returncode == 1 and "failed in candidate" in again.stdout, again.stdout + again.stderr
