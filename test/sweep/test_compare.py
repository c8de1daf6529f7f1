"""``benchit compare`` / ``mlagility.api.report.compare``: matching, statistics, verdicts, exit codes."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pytest

from conftest import run_benchit
from synthetic import make_cache
from mlagility.api.report import compare
from mlagility.common.exceptions import UsageError
from mlagility.results.compare import judge, parse_threshold


def test_parse_threshold():
    assert parse_threshold("5%") == pytest.approx(0.05)
    assert parse_threshold("0.1") == pytest.approx(0.1)
    assert parse_threshold("10") == pytest.approx(0.10)
    for bad in ("abc", "-5%", "150%"):
        with pytest.raises(UsageError):
            parse_threshold(bad)


def test_judge_same_distribution_is_no_change_and_a_30_percent_slowdown_is_slower():
    rng = np.random.default_rng(1)
    base, same = rng.lognormal(0, 0.2, 500), rng.lognormal(0, 0.2, 500)
    assert judge(base, same, 0.05)["verdict"] == "no significant change"
    slow = judge(base, same * 1.3, 0.05)
    assert slow["verdict"] == "slower" and slow["ci_low"] > 1 and 1.2 < slow["ratio"] < 1.4
    assert judge(base, same / 1.3, 0.05)["verdict"] == "faster"
    # significant but smaller than the threshold: ignored
    assert judge(base, same * 1.3, 0.5)["verdict"] == "no significant change"


def test_compare_caches_flags_only_the_planted_slowdown(tmp_path):
    base = make_cache(tmp_path / "base", 12, ("ort", "torch-eager"))
    cand = make_cache(tmp_path / "cand", 12, ("ort", "torch-eager"), noise_seed=99, slowdown={4: 1.3})
    result = compare(base, cand, threshold="5%", json=tmp_path / "c.json", html=tmp_path / "c.html")
    slower = {(p.name, p.runtime) for p in result.pairs if p.verdict == "slower"}
    assert slower == {("model_00004", "ort"), ("model_00004", "torch-eager")}
    assert result.counts()["faster"] == 0
    assert {p.verdict for p in result.pairs} <= {"slower", "no significant change"}
    data = json.loads((tmp_path / "c.json").read_text())
    assert data["counts"]["slower"] == 2 and data["pairs"][0]["verdict"] == "slower"
    page = (tmp_path / "c.html").read_text()
    assert "model_00004" in page and not re.search(r"<script[^>]+src=", page)


def test_compare_marks_unmatched_results_and_missing_samples(tmp_path):
    base = make_cache(tmp_path / "base", 5, ("ort",), failure_every=0)
    cand = make_cache(tmp_path / "cand", 5, ("ort", "torch-eager"), failure_every=0)
    shutil.rmtree(next(p for p in cand.iterdir() if p.name.startswith("model_00000")))
    next(next(p for p in cand.iterdir() if p.name.startswith("model_00001")).glob("*.npy")).unlink()
    result = compare(base, cand)
    verdicts = {(p.name, p.runtime): p.verdict for p in result.pairs}
    assert verdicts[("model_00000", "ort")] == "only in baseline"
    assert verdicts[("model_00002", "torch-eager")] == "only in candidate"
    assert verdicts[("model_00001", "ort")] == "no samples"


def test_compare_cli_exit_codes_json_and_report_file_input(tmp_path):
    base = make_cache(tmp_path / "base", 6, ("ort",))
    cand = make_cache(tmp_path / "cand", 6, ("ort",), noise_seed=7, slowdown={1: 1.3})
    report = run_benchit("cache", "report", "-d", base, "-r", tmp_path / "rep")
    assert report.returncode == 0, report.stderr
    [base_json] = (tmp_path / "rep").glob("*.json")
    failing = run_benchit("compare", base_json, cand, "--fail-on-regression", "--json", tmp_path / "out.json")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "slower" in failing.stdout and "significant slowdown" in failing.stdout
    assert json.loads((tmp_path / "out.json").read_text())["counts"]["slower"] == 1
    lenient = run_benchit("compare", base, cand, "--fail-on-regression", "--threshold", "50%")
    assert lenient.returncode == 0, lenient.stdout + lenient.stderr
    bad = run_benchit("compare", base, tmp_path / "nowhere")
    assert bad.returncode == 2 and "not a cache directory" in bad.stderr


def test_report_files_keep_hashes_that_look_like_numbers(tmp_path):
    import pandas as pd

    from mlagility.results.compare import load_results

    rows = [{"script": "a.py", "invocation_hash": "01234567", "device": "x86", "runtime": "ort",
             "precision": "fp32", "median_ms": 1.0, "build_name": "a_01234567", "cache": str(tmp_path)}]
    pd.DataFrame(rows).to_csv(tmp_path / "r.csv", index=False)
    pd.DataFrame(rows).to_json(tmp_path / "r.json", orient="records")
    for name in ("r.csv", "r.json"):
        assert load_results(tmp_path / name)["invocation_hash"].tolist() == ["01234567"]
    result = compare(tmp_path / "r.csv", tmp_path / "r.json")
    assert [p.verdict for p in result.pairs] == ["no samples"] and result.pairs[0].ratio == 1.0


def test_run_to_run_noise_widens_intervals_and_a_shared_slowdown_is_caught_overall():
    from mlagility.results.compare import overall_change, run_to_run_band, run_to_run_noise, widen

    assert run_to_run_noise([1.0] * 7) is None  # too few pairs to tell
    rng = np.random.default_rng(0)
    noisy = list(np.exp(rng.normal(0, 0.25, 40)))  # back-to-back runs on a busy machine
    sigma = run_to_run_noise(noisy)
    assert 0.15 < sigma < 0.35
    band = run_to_run_band(noisy)
    assert 1.5 * sigma < band < 2.5 * sigma
    low, high = widen(1.1, 1.05, 1.15, band)
    assert low < 1 < high  # a 10% change is within this machine's run-to-run noise
    assert overall_change(noisy, 0.05)["verdict"] == "no significant change"
    shifted = [r * 1.3 for r in noisy]  # the same noise, every build 1.3x slower
    assert run_to_run_noise(shifted) == pytest.approx(sigma)
    overall = overall_change(shifted, 0.05)
    assert overall["verdict"] == "slower" and overall["ci_low"] > 1.05


def test_fail_on_regression_also_fires_on_an_overall_slowdown(tmp_path, monkeypatch):
    import argparse

    from mlagility.cli import report_commands
    from mlagility.results.compare import Comparison

    result = Comparison("a", "b", 0.05, overall={"pairs": 10, "median_ratio": 1.3, "ci_low": 1.2,
                                                 "ci_high": 1.4, "verdict": "slower"})
    monkeypatch.setattr("mlagility.api.report.compare", lambda *a, **k: result)
    args = argparse.Namespace(baseline="a", candidate="b", threshold="5%", fail_on_regression=True, json=None, html=None)
    assert result.failed and not result.regressions
    assert report_commands.compare(args) == 1
