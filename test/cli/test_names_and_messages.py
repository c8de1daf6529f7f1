"""Any legal file name, user text printed literally, script errors located, benchit's own errors
kept out of the script, and MLAgility's API spellings (issue 12, sections 3 and 6)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
import torch

from conftest import EXAMPLES, FAST, TINY_MODEL, run_benchit


@pytest.mark.parametrize("name", ["my model.py", "modèle_ñ.py", "_private.py", "-dash.py",
                                  "x" * 120 + ".py", "a'b\"c.py"])
@pytest.mark.slow
def test_any_legal_script_name_is_benchmarked(name, tmp_path, cache_dir):
    script = tmp_path / name
    shutil.copy(EXAMPLES / "hello_world.py", script)
    result = run_benchit("-d", cache_dir, *FAST, "--", script) if name.startswith("-") else \
        run_benchit(script, "-d", cache_dir, *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Successfully benchmarked" in result.stdout
    [build] = [d for d in cache_dir.iterdir() if not d.name.startswith(("_", "."))]
    assert len(build.name) <= 100 and all(c.isascii() and (c.isalnum() or c in "_.-") for c in build.name)


@pytest.mark.slow
def test_onnx_file_with_a_space_in_its_name_is_benchmarked(tmp_path, cache_dir):
    model = torch.nn.Linear(4, 2)
    path = tmp_path / "my model.onnx"
    torch.onnx.export(model, (torch.rand(1, 4),), str(path), dynamo=False, input_names=["x"])
    result = run_benchit(path, EXAMPLES / "hello_world.py", "-d", cache_dir, *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("Successfully benchmarked") == 2


@pytest.mark.slow
def test_user_and_library_text_is_printed_literally(write_script, cache_dir):
    script = write_script("brackets_1b.py", TINY_MODEL + """
model = Tiny()
model(torch.rand(2, 8))
raise RuntimeError("[enforce fail at alloc_cpu.cpp:127] [/x] [bold]not bold[/bold] tiny_1b2")
""")
    result = run_benchit(script, "-d", cache_dir, *FAST)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    text = " ".join(result.stdout.split())
    assert "[enforce fail at alloc_cpu.cpp:127] [/x] [bold]not bold[/bold] tiny_1b2" in text
    assert "Summary" in text and "MarkupError" not in result.stdout + result.stderr


def test_script_error_names_its_file_line_frames_and_logs_the_traceback(write_script, cache_dir):
    script = write_script("fails.py", """
        lookup = {}


        def helper():
            return lookup[None]


        helper()
    """)
    result = run_benchit(script, "-d", cache_dir, "--analyze-only")
    assert result.returncode == 1
    out = " ".join(result.stdout.split())
    assert "script raised KeyError: None (at fails.py, line 6)" in out
    assert "fails.py:9 in <module>: helper()" in out and "fails.py:6 in helper: return lookup[None]" in out
    log = out.split("(log: ")[1].split(")")[0]
    assert 'File "' in open(log).read() and "KeyError: None" in open(log).read()
    assert "Traceback" not in result.stderr
    shown = run_benchit(script, "-d", cache_dir, "--analyze-only", "--traceback")
    assert "Traceback (most recent call last)" in shown.stderr and "return lookup[None]" in shown.stderr
    assert "mlagility" not in shown.stderr.split("Traceback")[1]  # the script's frames only


def test_script_error_in_an_isolated_child_is_located_and_logged(write_script, cache_dir):
    script = write_script("fails_child.py", "import sys\n\ndef f():\n    raise ValueError('bad [x]')\n\nf()\n")
    result = run_benchit(script, "-d", cache_dir, "--analyze-only", "--process-isolation")
    assert result.returncode == 1
    out = " ".join(result.stdout.split())
    assert "script raised ValueError: bad [x] (at fails_child.py, line 4)" in out
    logs = list((cache_dir / "_logs").glob("fails_child_*.log"))
    assert logs and "raise ValueError('bad [x]')" in logs[0].read_text()


@pytest.mark.slow
def test_benchit_own_errors_are_never_raised_inside_the_script(write_script, cache_dir):
    """A model on the meta device runs under python; benchit cannot build it, and says so for
    that model only: the script goes on as under python."""
    script = write_script("meta.py", """
        import torch

        model = torch.nn.Linear(3, 2, device="meta")
        out = model(torch.rand(1, 3, device="meta"))
        print("script finished", tuple(out.shape))
    """)
    plain = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert "script finished (1, 2)" in plain.stdout
    result = run_benchit(script, "-d", cache_dir, *FAST)
    assert "script finished (1, 2)" in result.stdout, result.stdout
    assert "Script error" not in result.stdout and result.returncode == 1  # the model failed, not the script


@pytest.mark.slow
def test_mlagility_api_spellings(tmp_path):
    code = """
import torch
from mlagility import benchmark_model
torch.manual_seed(0)
model = torch.nn.Linear(10, 5)
perf = benchmark_model(model, {"input": torch.rand(10)}, build_name="hello_api_world", device="x86",
                       backend="local", script_name="hello_world", iterations=5, min_time=0)
print("device", perf.device, "type", perf.device_type, "mean", perf.mean_latency > 0, perf.throughput > 0)
try:
    benchmark_model(model, {"input": torch.rand(10)}, backend="remote")
except Exception as error:
    print(type(error).__name__, error)
"""
    env = {**os.environ, "MLAGILITY_CACHE_DIR": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert "type x86 mean True True" in result.stdout
    assert "UsageError backend 'remote' is not available" in result.stdout


@pytest.mark.slow
def test_benchmark_script_prints_the_status_by_default_and_quiet_keeps_it_quiet(tmp_path):
    code = f"""
from mlagility import benchmark_script
results = benchmark_script({str(EXAMPLES / 'hello_world.py')!r}, analyze_only=True, quiet=QUIET)
print("found", len(results))
"""
    env = {**os.environ, "MLAGILITY_CACHE_DIR": str(tmp_path / "cache")}
    loud = subprocess.run([sys.executable, "-c", code.replace("QUIET", "False")], capture_output=True,
                          text=True, env=env)
    quiet = subprocess.run([sys.executable, "-c", code.replace("QUIET", "True")], capture_output=True,
                           text=True, env=env)
    assert "pytorch_model (executed 1x)" in loud.stdout and "Summary" in loud.stdout
    assert "pytorch_model (executed 1x)" not in quiet.stdout and "found 1" in quiet.stdout


def test_a_script_that_calls_no_model_says_so_when_it_ends(tmp_path):
    script = tmp_path / "plain.py"
    script.write_text("print('no model here')\n")
    result = run_benchit(script, "-d", tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    assert "(the script called no model)" in result.stdout
    assert "no model called yet" not in result.stdout  # the final tree is not the live one
