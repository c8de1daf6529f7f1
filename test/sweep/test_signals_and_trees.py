"""Signals and process trees: SIGTERM stops a sweep in order, Ctrl-C and --resume agree with the
docs, descendants that leave the child's session are killed, a run killed mid-benchmark is shown
as incomplete. No test depends on the machine's speed: each waits for a file a process writes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import yaml

from conftest import FAST, TINY_MODEL, run_benchit

DEADLINE_S = 600  # only a bound for a hung test; nothing is asserted about how long anything takes


def wait_for(predicate, what: str):
    deadline = time.time() + DEADLINE_S
    while not predicate():
        assert time.time() < deadline, f"gave up waiting for {what}"
        time.sleep(0.2)


def dead(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def spawns_setsid_grandchild(pid_dir: Path, then: str) -> str:
    """A script that starts a grandchild in a new session, records both pids, then runs ``then``."""
    grandchild = (f"import os, time; os.setsid(); p = {str(pid_dir)!r} + '/grandchild'; "
                  "open(p + '.tmp', 'w').write(str(os.getpid())); os.rename(p + '.tmp', p); time.sleep(600)")
    return (
        "import os, subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, '-c', {grandchild!r}])\n"
        f"while not os.path.exists({str(pid_dir / 'grandchild')!r}):\n    time.sleep(0.1)\n"
        f"open({str(pid_dir / 'script.tmp')!r}, 'w').write(str(os.getpid()))\n"
        f"os.rename({str(pid_dir / 'script.tmp')!r}, {str(pid_dir / 'script')!r})\n"
        + then
    )


def popen_benchit(*args, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "200", **kwargs.pop("env", {})}
    return subprocess.Popen([sys.executable, "-m", "mlagility.cli.main", *map(str, args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)


def test_process_tree_grandchild_that_called_setsid_is_killed_when_the_script_ends(tmp_path, write_script, cache_dir):
    pids = tmp_path / "pids"
    pids.mkdir()
    script = write_script("leaves_daemon.py", spawns_setsid_grandchild(pids, "print('done')\n"))
    result = run_benchit(script, "--process-isolation", "--analyze-only", "-d", cache_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert dead(int((pids / "grandchild").read_text()))


def test_sigterm_with_isolation_kills_the_tree_cleans_up_prints_the_summary_and_exits_143(tmp_path, write_script, cache_dir):
    pids = tmp_path / "pids"
    pids.mkdir()
    write_script("a_slow.py", spawns_setsid_grandchild(pids, "time.sleep(600)\n"))
    write_script("b_never.py", "print('should not run')\n")
    temp = tmp_path / "tmp"
    temp.mkdir()
    sweep = popen_benchit(str(tmp_path / "*.py"), "--process-isolation", "-d", cache_dir, *FAST, env={"TMPDIR": str(temp)})
    wait_for(lambda: (pids / "script").exists(), "the isolated script to start")
    sweep.send_signal(signal.SIGTERM)
    out, _ = sweep.communicate(timeout=DEADLINE_S)
    assert sweep.returncode == 143, out
    assert "Summary" in out and "b_never.py" not in out.split("Summary")[1]
    assert dead(int((pids / "script").read_text())) and dead(int((pids / "grandchild").read_text()))
    assert not list(temp.iterdir())  # the child's temp folder is gone
    assert not list((cache_dir / "_attempts").glob("a_slow_*.yaml"))  # --resume runs it again


def test_ctrl_c_with_isolation_then_resume_runs_the_interrupted_script_again(tmp_path, write_script, cache_dir):
    flag = tmp_path / "hang_now"
    flag.write_text("")
    started = tmp_path / "started"
    write_script("a_done.py", "print('quick')\n")
    write_script("b_interrupted.py", (
        f"import os, time\nopen({str(started)!r}, 'w').close()\n"
        f"while os.path.exists({str(flag)!r}):\n    time.sleep(0.2)\n"))
    sweep = [str(tmp_path / "*.py"), "--process-isolation", "--analyze-only", "--resume", "-d", cache_dir]
    first = popen_benchit(*sweep, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    wait_for(started.exists, "b_interrupted.py to start")
    first.send_signal(signal.SIGINT)
    out, _ = first.communicate(timeout=DEADLINE_S)
    assert first.returncode == 130, out
    flag.unlink()
    resumed = run_benchit(*sweep)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "1 x attempted before (ok)" in resumed.stdout  # a_done.py
    assert "died" not in resumed.stdout
    assert "1 run, 1 skipped" in resumed.stdout  # b_interrupted.py ran again


@pytest.mark.slow
def test_incomplete_benchmark_of_a_sigkilled_run_is_shown_as_incomplete(write_script, cache_dir, tmp_path):
    script = write_script("tiny.py", TINY_MODEL + "\nTiny()(torch.rand(1, 8))\n")
    endless = ["--iterations", "1000000000", "--min-time", "600", "--max-time", "600"]
    run = popen_benchit(script, "-d", cache_dir, *endless, start_new_session=True)

    def benchmark_running() -> bool:
        states = list(cache_dir.glob("*/mlagility_build.yaml"))
        text = states[0].read_text() if states else ""
        return "running" in text and yaml.safe_load(text)["benchmarks"].get("x86/ort", {}).get("status") == "running"

    wait_for(benchmark_running, "the benchmark to start")
    os.killpg(run.pid, signal.SIGKILL)
    run.communicate()
    listing = run_benchit("cache", "list", "-d", cache_dir)
    assert "built, incomplete benchmark (x86/ort: the process died)" in " ".join(listing.stdout.split())
    report = run_benchit("cache", "report", "-d", cache_dir, "-r", tmp_path / "report")
    assert report.returncode == 0, report.stderr
    flat = " ".join(report.stdout.split())
    assert "succeeded │ 0" in flat and "incomplete (process died) │ 1" in flat, report.stdout


FORKED = """
import multiprocessing, time


def busy():
    while True:
        sum(range(1000))


child = multiprocessing.get_context("fork").Process(target=busy)
child.start()
time.sleep(1)
child.terminate()  # SIGTERM
child.join()
print("exitcode", child.exitcode)
"""


def test_a_process_the_script_forks_ends_on_sigterm_as_under_python(tmp_path):
    """benchit's SIGTERM handler (an orderly stop of benchit) is not the forked process's."""
    script = tmp_path / "forked.py"
    script.write_text(FORKED)
    plain = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert "exitcode -15" in plain.stdout
    result = run_benchit(script, "-d", tmp_path / "cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "exitcode -15" in result.stdout, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr


@pytest.mark.slow
def test_a_script_stopped_after_its_model_keeps_that_models_result_in_the_summary(tmp_path, write_script, cache_dir):
    """In-process (no isolation): SIGTERM or Ctrl-C after a model was benchmarked; the summary
    counts that model and names what stopped the sweep."""
    for signum, name, code in ((signal.SIGTERM, "SIGTERM", 143), (signal.SIGINT, "Ctrl-C", 130)):
        started = tmp_path / f"after_model_{name}"
        script = write_script(f"stopped_{code}.py", TINY_MODEL + "\nTiny()(torch.rand(2, 8))\n" + (
            f"open({str(started)!r}, 'w').close()\nimport time\ntime.sleep(600)\n"))
        sweep = popen_benchit(script, "-d", cache_dir, *FAST,
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        wait_for(started.exists, "the script to go on after its model")
        sweep.send_signal(signum)
        out, _ = sweep.communicate(timeout=DEADLINE_S)
        assert sweep.returncode == code, out
        summary = out.split("Summary")[1]
        assert "1 found, 1 built, 1 benchmarked, 0 failed" in summary, out
        assert f"stopped by {name}" in summary, out
        assert f"interrupted by {name}" in out.split("Summary")[0], out


@pytest.mark.slow
def test_isolated_script_stopped_after_its_model_keeps_that_models_result(tmp_path, write_script, cache_dir):
    """--process-isolation: the child is stopped in order (it writes what finished), so the
    summary counts the model it benchmarked; the script is not an attempt."""
    started = tmp_path / "after_model"
    script = write_script("isolated_stopped.py", TINY_MODEL + "\nTiny()(torch.rand(2, 8))\n" + (
        f"open({str(started)!r}, 'w').close()\nimport time\ntime.sleep(600)\n"))
    sweep = popen_benchit(script, "--process-isolation", "-d", cache_dir, *FAST,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    wait_for(started.exists, "the isolated script to go on after its model")
    sweep.send_signal(signal.SIGINT)
    out, _ = sweep.communicate(timeout=DEADLINE_S)
    assert sweep.returncode == 130, out
    assert "1 found, 1 built, 1 benchmarked, 0 failed" in out.split("Summary")[1], out
    assert "interrupted by Ctrl-C" in out.split("Summary")[0], out
    assert not list((cache_dir / "_attempts").glob("isolated_stopped_*.yaml"))


def test_workers_stopped_by_sigterm_record_no_attempt_and_resume_runs_them_again(tmp_path, write_script, cache_dir):
    """--workers 2: the children the stop kills are not scripts killed by the system (never
    "killed (SIGKILL: out of memory?)"), and --resume runs them again."""
    hang = tmp_path / "hang"
    hang.write_text("")
    for name in ("a_worker", "b_worker"):
        started = tmp_path / f"{name}_started"
        write_script(f"{name}.py", (f"import os, time\nopen({str(started)!r}, 'w').close()\n"
                                    f"while os.path.exists({str(hang)!r}):\n    time.sleep(0.2)\n"))
    sweep = [str(tmp_path / "*_worker.py"), "--workers", "2", "--analyze-only", "--resume", "-d", cache_dir]
    first = popen_benchit(*sweep)
    wait_for(lambda: (tmp_path / "a_worker_started").exists() and (tmp_path / "b_worker_started").exists(),
             "both scripts to run")
    first.send_signal(signal.SIGTERM)
    out, _ = first.communicate(timeout=DEADLINE_S)
    assert first.returncode == 143, out
    assert "SIGKILL" not in out and "stopped by SIGTERM" in out, out
    assert not list((cache_dir / "_attempts").glob("*_worker_*.yaml"))
    hang.unlink()
    resumed = run_benchit(*sweep)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "2 run, 0 skipped" in resumed.stdout, resumed.stdout


@pytest.mark.slow
def test_a_model_stopped_while_benchmarking_is_shown_interrupted_not_still_running(tmp_path, write_script, cache_dir):
    script = write_script("stopped_timing.py", TINY_MODEL + "\nTiny()(torch.rand(2, 8))\n")
    sweep = popen_benchit(script, "-d", cache_dir, "--iterations", "5", "--min-time", "600", "--max-time", "900")

    def timing() -> bool:  # the benchmark's state says "running" before the timed loop starts
        for state in cache_dir.glob("*/mlagility_build.yaml"):
            try:
                benchmarks = yaml.safe_load(state.read_text()).get("benchmarks") or {}
            except (OSError, yaml.YAMLError, AttributeError):
                return False
            return any(b.get("status") == "running" for b in benchmarks.values())
        return False

    wait_for(timing, "the benchmark to start")
    sweep.send_signal(signal.SIGTERM)
    out, _ = sweep.communicate(timeout=DEADLINE_S)
    assert sweep.returncode == 143, out
    tree, summary = out.split("Summary")
    assert "Interrupted before it finished" in tree and "Benchmarking on" not in tree, out
    assert "stopped by SIGTERM; what finished is kept" in " ".join(summary.split()), out


SWALLOWING_STAGE = '''
import os, time
from mlagility.builds.stage import Sequence, Stage
from mlagility.builds.stages import export_sequence


class LibraryThatConvertsTheInterrupt(Stage):
    """Does what a C extension's import does when Ctrl-C/SIGTERM lands in it: the interrupt
    comes out as another error ("ImportError: initialization failed")."""

    name = "convert_interrupt"
    description = "Waiting"

    def run(self, ctx):
        open(os.environ["STAGE_STARTED"], "w").close()
        try:
            time.sleep(600)
        except KeyboardInterrupt:
            raise ImportError("initialization failed")


def get_sequence():
    return Sequence("converting", [export_sequence(), LibraryThatConvertsTheInterrupt()])
'''


@pytest.mark.slow
def test_a_stop_that_a_library_turns_into_another_error_still_stops_the_sweep(tmp_path, write_script, cache_dir):
    """SIGTERM or Ctrl-C landing in library code that converts it: not recorded as the model's
    failure, the build stays resumable, the next script does not run, exit 143/130."""
    sequence = tmp_path / "converting_sequence.py"
    sequence.write_text(SWALLOWING_STAGE)
    write_script("a_model.py", TINY_MODEL + "\nTiny()(torch.rand(2, 8))\n")
    write_script("b_never.py", "print('should not run')\n")
    for signum, name, code in ((signal.SIGTERM, "SIGTERM", 143), (signal.SIGINT, "Ctrl-C", 130)):
        started = tmp_path / f"stage_started_{code}"
        cache = cache_dir / name
        sweep = popen_benchit(tmp_path / "a_model.py", tmp_path / "b_never.py", "-d", cache, "--sequence-file",
                              sequence, *FAST, env={"STAGE_STARTED": str(started)},
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        wait_for(started.exists, "the stage to run")
        sweep.send_signal(signum)
        out, _ = sweep.communicate(timeout=DEADLINE_S)
        assert sweep.returncode == code, out
        assert "ImportError" not in out and "failed" not in out.split("Summary")[1].replace("0 failed", ""), out
        assert f"stopped by {name}" in out and "b_never.py" not in out, out
        (state,) = cache.glob("*/mlagility_build.yaml")
        stages = yaml.safe_load(state.read_text())["stages"]
        assert stages["convert_interrupt"]["status"] == "running"  # unfinished: resumed next time
