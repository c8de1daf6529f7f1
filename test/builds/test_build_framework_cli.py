"""Build framework and cache management through the real CLI (issue: stages, cache, reports)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import yaml

from conftest import EXAMPLES, FAST, TINY_MODEL, run_benchit
from mlagility.builds.stages import CheckOnnx, ExportOnnx, Sequence
from mlagility.common.exceptions import UsageError

HELLO = EXAMPLES / "hello_world.py"

SEQUENCE_FILE = '''
from mlagility.builds.options import BuildOptions
from mlagility.builds.stages import Sequence, Stage, pytorch_sequence


class CountOps(Stage):
    name = "count_ops"
    description = "Counting ops"
    needs = ("onnx",)

    def run(self, ctx):
        import onnx

        model = onnx.load(str(ctx.path("onnx")), load_external_data=False)
        print(f"op count: {len(model.graph.node)}")


def get_sequence():
    return Sequence("with_op_count", [pytorch_sequence(BuildOptions()), CountOps()])
'''


def states(cache):
    return {p.parent.name: yaml.safe_load(p.read_text()) for p in cache.glob("*/mlagility_build.yaml")}


def test_sequences_flatten_and_reject_duplicates():
    inner = Sequence("inner", [ExportOnnx(), CheckOnnx()])
    assert Sequence("outer", [inner]).names == ("export", "check")
    with pytest.raises(UsageError, match="duplicate stage names: check"):
        Sequence("bad", [inner, CheckOnnx()])


@pytest.mark.slow
def test_custom_sequence_file_runs_a_custom_stage_and_counts_for_staleness(cache_dir, tmp_path):
    sequence = tmp_path / "sequence.py"
    sequence.write_text(SEQUENCE_FILE)
    custom = run_benchit(HELLO, "-d", cache_dir, "--sequence-file", sequence, *FAST)
    assert custom.returncode == 0, custom.stdout + custom.stderr
    ((name, state),) = states(cache_dir).items()
    assert "op count: 2" in (cache_dir / name / "log_count_ops.txt").read_text()  # MatMul + Add
    assert state["stages"]["count_ops"]["status"] == "done"
    assert state["stages"]["count_ops"]["duration_s"] >= 0 and state["stages"]["export"]["peak_memory_mib"] > 0
    assert state["options"]["sequence"][-1] == "count_ops"
    default = run_benchit(HELLO, "-d", cache_dir, *FAST)
    assert default.returncode == 0
    assert "sequence changed (reference, export, check, save_inputs, optimize, count_ops -> reference, export, check" in default.stdout
    missing = run_benchit(HELLO, "-d", cache_dir, "--sequence-file", tmp_path / "nope.py")
    assert missing.returncode == 2 and "--sequence-file" in missing.stderr


@pytest.mark.parametrize("flag, suffix, stage", [(["--precision", "fp16"], "_fp16", "convert_fp16"),
                                                  (["--quantize", "int8"], "_int8", "quantize_int8")])
@pytest.mark.slow
def test_fp16_and_int8_builds_run_beside_fp32(flag, suffix, stage, cache_dir):
    result = run_benchit(HELLO, "-d", cache_dir, *flag, *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    ((name, state),) = states(cache_dir).items()
    assert name.endswith(suffix) and state["stages"][stage]["status"] == "done"
    assert state["benchmarks"]["x86/ort"]["status"] == "benchmarked"


@pytest.mark.slow
def test_opset_flag_wins_over_environment(cache_dir):
    env = {"MLAGILITY_ONNX_OPSET": "17"}
    assert run_benchit(HELLO, "-d", cache_dir, "--export-only", env=env).returncode == 0
    ((_, state),) = states(cache_dir).items()
    assert state["opset"] == 17 and state["onnx_stats"]["opset"] == 17
    assert run_benchit(HELLO, "-d", cache_dir, "--export-only", "--onnx-opset", "18", env=env).returncode == 0
    ((_, state),) = states(cache_dir).items()
    assert state["opset"] == 18


@pytest.mark.slow
def test_lean_cache_then_benchmark_again_rebuilds(cache_dir):
    lean = run_benchit(HELLO, "-d", cache_dir, "--lean-cache", *FAST)
    assert lean.returncode == 0
    ((name, state),) = states(cache_dir).items()
    assert state["cleaned"] and not list((cache_dir / name).glob("*.onnx"))
    again = run_benchit(HELLO, "-d", cache_dir, *FAST)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "artifact missing: model.onnx" in again.stdout and "Successfully benchmarked" in again.stdout


@pytest.mark.slow
def test_cache_stats_clean_delete_and_refusals(cache_dir, tmp_path):
    assert run_benchit(HELLO, "-d", cache_dir, *FAST).returncode == 0
    (name,) = states(cache_dir)
    stats = run_benchit("cache", "stats", name, "-d", cache_dir)
    assert stats.returncode == 0
    for fact in ("onnx_stats:", "ops:", "MatMul", "flops: 100", "ir_version", "file_bytes", "median_ms"):
        assert fact in stats.stdout
    for bad in ("../outside", "/etc", "x/../../y"):
        refused = run_benchit("cache", "delete", bad, "-d", cache_dir)
        assert refused.returncode == 2 and "invalid build name" in refused.stderr
    (cache_dir / "linked").symlink_to(tmp_path)
    link = run_benchit("cache", "delete", "linked", "-d", cache_dir)
    assert link.returncode == 2 and "outside the cache" in link.stderr and tmp_path.exists()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "data.txt").write_text("x")
    assert run_benchit("cache", "list", "-d", foreign).returncode == 2
    cleaned = run_benchit("cache", "clean", name, "-d", cache_dir)
    assert cleaned.returncode == 0 and not list((cache_dir / name).glob("*.onnx"))
    assert (cache_dir / name / "log_export.txt").exists()
    assert "(cleaned)" in run_benchit("cache", "list", "-d", cache_dir).stdout
    assert run_benchit("cache", "delete", "--all", "-d", cache_dir).returncode == 0
    assert not (cache_dir / name).exists() and (cache_dir / "linked").is_symlink()


@pytest.mark.slow
def test_four_concurrent_processes_share_one_cache(cache_dir, tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    scripts = [EXAMPLES / "hello_world.py", EXAMPLES / "hello_world.py", EXAMPLES / "two_models.py", EXAMPLES / "two_models.py"]
    procs = [subprocess.Popen([sys.executable, "-m", "mlagility.cli.main", str(s), "-d", str(cache_dir), *FAST],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env) for s in scripts]
    outputs = [p.communicate(timeout=600)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], outputs
    built = states(cache_dir)
    assert len(built) == 3
    assert all(s["status"] == "built" and s["benchmarks"]["x86/ort"]["status"] == "benchmarked" for s in built.values())
    assert not list(cache_dir.rglob("*.tmp"))


@pytest.mark.slow
def test_report_on_a_cache_mixing_good_failed_lean_partial_and_killed_builds(cache_dir, tmp_path, write_script):
    assert run_benchit(HELLO, "-d", cache_dir, *FAST).returncode == 0  # labelled, benchmarked
    assert run_benchit(EXAMPLES / "two_models.py", "-d", cache_dir, "--lean-cache", *FAST).returncode == 0
    svd = write_script("svd.py", "import torch\nclass S(torch.nn.Module):\n    def __init__(self):\n"
                       "        super().__init__()\n        self.fc = torch.nn.Linear(4, 4)\n"
                       "    def forward(self, x):\n        return torch.linalg.svd(self.fc(x))[0]\n"
                       "S()(torch.rand(4, 4))\n")
    assert run_benchit(svd, "-d", cache_dir, *FAST).returncode == 1
    partial = write_script("partial.py", TINY_MODEL + "\nTiny()(torch.rand(3, 8))\n")
    assert run_benchit(partial, "-d", cache_dir, "--export-only").returncode == 0
    killed = write_script("killed.py", TINY_MODEL + "\nTiny(6)(torch.rand(1, 6))\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "mlagility.cli.main", str(killed), "-d", str(cache_dir)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 600  # a bound for a hung test, not a speed assumption
    while not any(s["status"] == "building" for n, s in states(cache_dir).items() if n.startswith("killed")):
        assert time.time() < deadline, "the build never started"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    crash = write_script("crash.py", "import os\nos.kill(os.getpid(), 11)\n")
    assert run_benchit(crash, "-d", cache_dir, "--process-isolation", *FAST).returncode == 1

    report = run_benchit("cache", "report", "-d", cache_dir, "-r", tmp_path / "reports")
    assert report.returncode == 0, report.stdout + report.stderr
    (csv_path,) = (tmp_path / "reports").glob("mlagility_report_*.csv")
    (json_path,) = (tmp_path / "reports").glob("mlagility_report_*.json")
    from mlagility.api.report import load_report

    everything = load_report(csv_path)
    assert len(load_report(json_path)) == len(everything) == 8
    frame = everything[everything["build_name"].notna()]  # hello, 2 x two_models, svd, partial, killed
    assert len(frame) == 6
    scripts = everything[everything["failed_stage"] == "script"]  # whole-script failures: their own rows
    failed_scripts = {os.path.basename(s): e for s, e in zip(scripts["script"], scripts["error"])}
    assert failed_scripts["crash.py"].startswith("crashed (signal 11")
    assert failed_scripts["killed.py"] == "no outcome recorded (the process died)"
    assert scripts["log"].notna().sum() == 1  # the isolated child's log
    by_script = {os.path.basename(s): row for s, row in zip(frame["script"], frame.to_dict("records"))}
    hello = by_script["hello_world.py"]
    assert hello["author"] == "mlagility" and hello["runtime"] == "ort" and hello["median_ms"] > 0
    assert hello["threads"] >= 1 and hello["load_average"] >= 0
    assert hello["onnx_exported"] and hello["onnx_optimized"] and hello["flops"] == 100 and hello["gflops_per_s"] > 0
    assert by_script["svd.py"]["status"] == "failed" and by_script["svd.py"]["failed_stage"] == "export"
    assert "svd" in by_script["svd.py"]["error"]
    assert pd.isna(by_script["partial.py"]["runtime"]) and not by_script["partial.py"]["onnx_optimized"]
    assert by_script["killed.py"]["status"] == "incomplete" and pd.isna(by_script["killed.py"]["median_ms"])
    assert frame[frame["script"].str.endswith("two_models.py")]["cleaned"].notna().all()
    for column in ("model_name", "author", "model_class", "params", "hash", "license", "task", "onnx_exported",
                   "onnx_optimized", "onnx_converted", "build_name", "invocation_hash", "device", "runtime_version",
                   "precision", "exporter", "opset", "p90_ms", "p99_ms", "std_ms", "timed_iterations", "throughput_ips",
                   "load_time_s", "first_inference_ms", "peak_memory_mib", "onnx_size_bytes", "mlagility_version"):
        assert column in frame.columns
    assert "builds" in report.stdout and "failed at export" in report.stdout
    assert "scripts that failed as a whole" in report.stdout
