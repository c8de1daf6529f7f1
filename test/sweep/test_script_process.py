"""The script's process is the script's: processes it forks (DataLoader workers, multiprocessing
fork and spawn, a plain ``os.fork``) never hold benchit's locks nor run its discovery; one script's
process state (working directory, patched torch functions) never reaches the next; a hung script
never times out a healthy one under ``--workers``; a dash-named file works in a child benchit."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conftest import FAST, run_benchit  # noqa: E402

FORKING = """
import multiprocessing as mp, os, sys, torch
from torch.utils.data import DataLoader, TensorDataset


def square(x):
    return x * x


def run_model(n):
    torch.manual_seed(0)
    return tuple(torch.nn.Linear(4, 2)(torch.ones(1, 4)).shape) + (n,)


if __name__ == "__main__":
    loader = DataLoader(TensorDataset(torch.rand(8, 4)), batch_size=1, num_workers=2)
    it = iter(loader)
    batch = next(it)[0]
    del it  # its workers end (else a forked child's exit would stop them, also under python)
    with mp.get_context("fork").Pool(2) as pool:
        print("fork", pool.map(run_model, [1, 2]), flush=True)
    with mp.get_context("spawn").Pool(1) as pool:
        print("spawn", pool.map(square, [3]), flush=True)
    pid = os.fork()
    if pid == 0:  # runs on to the end of the script: must end here, as under python
        print("child done", flush=True)
        sys.exit(3)
    _, status = os.waitpid(pid, 0)
    print("child exit", os.waitstatus_to_exitcode(status), flush=True)
    m = torch.nn.Linear(4, 2)
    print("shape", tuple(m(batch).shape), flush=True)
"""


def _python(script: Path, cwd: Path) -> str:
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=cwd, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
def test_forked_and_spawned_processes_of_the_script(tmp_path):
    script = tmp_path / "forking.py"
    script.write_text(FORKING)
    expected = _python(script, tmp_path).splitlines()
    assert expected == ["fork [(1, 2, 1), (1, 2, 2)]", "spawn [9]", "child done", "child exit 3", "shape (1, 2)"]
    # a deadlock would end in TimeoutExpired here (the workers kept benchit's shared lock)
    result = run_benchit(script, "-d", tmp_path / "cache", *FAST, "--runtime", "torch-eager", cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    for line in expected:  # the script's output is the same (the forked child ended in the script)
        assert result.stdout.count(line) == 1, (line, result.stdout)
    # only the parent discovers: the models the fork pool's workers call are not benchit's
    assert "1 found, 1 built, 1 benchmarked, 0 failed" in result.stdout, result.stdout
    assert result.stdout.count("Summary") == 1


def test_scripts_start_with_the_first_ones_process_state(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "patching.py").write_text(textwrap.dedent("""
        import os, sys, torch
        calls = []
        real_call = torch.nn.Module.__call__
        def counting(self, *args, **kwargs):
            calls.append(type(self).__name__)
            return real_call(self, *args, **kwargs)
        def broken_export(*args, **kwargs):
            raise RuntimeError("patched export")
        torch.nn.Module.__call__ = counting
        torch.onnx.export = broken_export
        torch.nn.Linear.extra = lambda self: 1
        sys.modules["json"] = None
        os.chdir("sub")
        m = torch.nn.Linear(4, 3)
        m(torch.rand(1, 4))
        print("calls", calls)
    """))
    (tmp_path / "after.py").write_text(textwrap.dedent("""
        import json, os, torch
        print("state", os.path.basename(os.getcwd()), torch.onnx.export.__name__,
              torch.nn.Module.__call__.__name__, hasattr(torch.nn.Linear, "extra"), json.dumps(1))
        c = torch.nn.Linear(4, 8)
        c(torch.rand(1, 4))
    """))
    expected = _python(tmp_path / "after.py", tmp_path).strip()
    result = run_benchit("patching.py", "after.py", "-d", tmp_path / "cache", *FAST, "--runtime", "ort", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 run, 0 skipped, 0 with errors" in result.stdout, result.stdout
    # the patched export is the script's: benchit exported with torch's own, and its calls of
    # the model were not the script's calls
    assert "2 found, 2 built, 2 benchmarked, 0 failed" in result.stdout, result.stdout
    assert "calls ['Linear']" in result.stdout
    assert expected.startswith(f"state {tmp_path.name} export") and expected in result.stdout, result.stdout


@pytest.mark.slow
def test_dash_named_scripts_in_child_processes(tmp_path):
    for name in ("-x.py", "b.py"):
        (tmp_path / name).write_text("import torch\nm = torch.nn.Linear(4, 2)\nm(torch.rand(1, 4))\n")
    result = run_benchit("*.py", "-d", tmp_path / "cache", *FAST, "--runtime", "ort", "--process-isolation",
                         cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 found, 2 built, 2 benchmarked, 0 failed" in result.stdout and "Script error" not in result.stdout


@pytest.mark.slow
def test_hung_script_does_not_time_out_a_healthy_one(tmp_path):
    (tmp_path / "hang.py").write_text("import time\ntime.sleep(1000)\n")
    (tmp_path / "ok.py").write_text("import time, torch\nm = torch.nn.Linear(4, 2)\ntime.sleep(5)\nm(torch.rand(1, 4))\n")
    args = ["hang.py", "ok.py", "--workers", "2", "--timeout", "40", "-d", tmp_path / "cache", *FAST,
            "--runtime", "ort"]
    result = run_benchit(*args, cwd=tmp_path, timeout=400)
    assert "1 found, 1 built, 1 benchmarked, 0 failed" in result.stdout, result.stdout
    assert "hang.py: timeout after 40s" in result.stdout and "ok.py: timeout" not in result.stdout
    again = run_benchit(*args, "--resume", cwd=tmp_path, timeout=400)
    assert "attempted before (ok)" in again.stdout and "attempted before (timeout after 40s)" in again.stdout


@pytest.mark.slow
def test_torch_compiled_leaves_the_scripts_compilations(tmp_path):
    script = tmp_path / "counting.py"
    script.write_text(textwrap.dedent("""
        import torch
        from torch._dynamo.testing import CompileCounter
        from torch._dynamo.utils import counters
        count = CompileCounter()
        m = torch.nn.Linear(4, 2)
        c = torch.compile(m, backend=count)
        x = torch.rand(1, 4)
        c(x)
        c(x)
        print("compiled", count.frame_count, "graphs", counters["stats"]["unique_graphs"])
    """))
    expected = _python(script, tmp_path).strip()
    assert expected == "compiled 1 graphs 1"
    result = run_benchit(script, "-d", tmp_path / "cache", *FAST, "--runtime", "torch-compiled", cwd=tmp_path,
                         timeout=500)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 found, 1 built, 1 benchmarked, 0 failed" in result.stdout, result.stdout
    assert expected in result.stdout, result.stdout  # benchit's compile neither reset nor counted
