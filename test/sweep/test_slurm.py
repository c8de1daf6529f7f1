"""``--use-slurm`` on a real one-node Slurm cluster (``slurm_cluster`` fixture): same report rows
as ``--process-isolation``, ``--detach`` then ``benchit slurm wait``, the submitter killed then
``--resume``, ``--max-jobs``, and the one-line errors."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conftest import TINY_MODEL, run_benchit  # noqa: E402
from slurm_fixtures import slurm_cluster  # noqa: E402,F401

# torch-eager: no ONNX export, so each script is a few seconds; the tests check outcomes, not speed
FAST = ["--runtime", "torch-eager", "--iterations", "5", "--min-time", "0", "--max-time", "5"]
TIMEOUT = "45"  # the isolation timeout; the hanging script is killed after it
COMPARED = ["build_name", "script", "device", "runtime", "status", "failed_stage", "error", "check_ok"]


def ok_script(n: int) -> str:
    return TINY_MODEL + f"\nmodel = Tiny({n})\nmodel(torch.rand(1, {n}))\n"


@pytest.fixture
def sweep_scripts(tmp_path):
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / "ok_a.py").write_text(ok_script(8))
    (folder / "ok_b.py").write_text(ok_script(16))
    (folder / "raises.py").write_text("raise ValueError('boom')\n")
    (folder / "hangs.py").write_text("import time\ntime.sleep(3600)\n")
    return folder


def report_rows(cache: Path, tmp_path: Path) -> set[tuple]:
    out = tmp_path / f"report_{cache.name}"
    result = run_benchit("cache", "report", "-d", cache, "-r", out)
    assert result.returncode == 0, result.stderr
    import pandas as pd

    frame = pd.read_csv(next(out.glob("*.csv")))
    frame["error"] = frame["error"].fillna("").str.replace(r" \(log: .*\)$", "", regex=True)
    frame["script"] = frame["script"].map(lambda s: Path(s).name if isinstance(s, str) else s)
    return {tuple(str(v) for v in row) for row in frame[COMPARED].itertuples(index=False)}


def test_slurm_sweep_reports_the_same_rows_as_process_isolation(slurm_cluster, sweep_scripts, tmp_path):
    scripts = sorted(str(p) for p in sweep_scripts.glob("*.py"))
    local = run_benchit(*scripts, "-d", tmp_path / "local", *FAST, "--process-isolation", "--timeout", TIMEOUT)
    slurm = run_benchit(*scripts, "-d", tmp_path / "slurm", *FAST, "--use-slurm", "--timeout", TIMEOUT,
                        "--slurm-time", "10")
    assert local.returncode == slurm.returncode == 1, slurm.stdout + slurm.stderr
    for output in (local.stdout, slurm.stdout):
        assert "4 run, 0 skipped, 2 with errors" in output
        assert "script raised ValueError: boom" in output
        assert f"timeout after {TIMEOUT}s" in output
    assert "is under /tmp, which is usually local to each machine" in slurm.stdout + slurm.stderr
    rows = report_rows(tmp_path / "local", tmp_path)
    assert len(rows) == 4 and rows == report_rows(tmp_path / "slurm", tmp_path)
    # each task records its node and CPU with the script's attempt
    import yaml

    attempts = [yaml.safe_load(p.read_text()) for p in (tmp_path / "slurm" / "_attempts").glob("*.yaml")]
    assert len(attempts) == 4 and all(a["node"] and a["cpu"] and a["slurm_job"] for a in attempts)


def test_detach_then_status_and_wait(slurm_cluster, sweep_scripts, tmp_path):
    cache = tmp_path / "cache"
    scripts = [sweep_scripts / "ok_a.py", sweep_scripts / "raises.py"]
    submitted = run_benchit(*scripts, "-d", cache, *FAST, "--use-slurm", "--detach", "--no-exclusive")
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    job = re.search(r"Submitted Slurm job (\d+) \(2 scripts\)", submitted.stdout).group(1)
    status = run_benchit("slurm", "status", job, "-d", cache)
    assert f"Slurm job {job}" in status.stdout and "raises.py" in status.stdout
    waited = run_benchit("slurm", "wait", job, "-d", cache)
    assert waited.returncode == 1, waited.stdout + waited.stderr  # raises.py failed, as a local run says
    assert "2 run, 0 skipped, 1 with errors" in waited.stdout
    assert "Successfully benchmarked" in waited.stdout and "script raised ValueError: boom" in waited.stdout
    again = run_benchit("slurm", "status", "-d", cache)  # the latest sweep: both tasks ended normally
    assert "0 queued, 0 running, 2 done, 0 failed" in again.stdout, again.stdout


def _task_records(cache: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in (cache / "_slurm").glob("*/tasks/*.json")]


def test_submitter_killed_then_resume_and_max_jobs_one(slurm_cluster, tmp_path):
    folder = tmp_path / "scripts"
    folder.mkdir()
    scripts = []
    for i in range(3):
        path = folder / f"s{i}.py"
        path.write_text(ok_script(8 + i))
        scripts.append(str(path))
    cache = tmp_path / "cache"
    args = [*scripts, "-d", cache, *FAST, "--use-slurm", "--max-jobs", "1", "--no-exclusive"]
    submitter = subprocess.Popen(
        [sys.executable, "-m", "mlagility.cli.main", *map(str, args)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    try:
        deadline = time.monotonic() + 300
        while not any("finished" in r for r in _task_records(cache)):  # the first task finished
            assert submitter.poll() is None and time.monotonic() < deadline
            time.sleep(0.5)
    finally:
        submitter.send_signal(signal.SIGKILL)
        submitter.wait()
    # the tasks go on without the submitter; their results land in the cache
    deadline = time.monotonic() + 300
    while len([r for r in _task_records(cache) if "finished" in r]) < 3:
        assert time.monotonic() < deadline, _task_records(cache)
        time.sleep(1)
    records = sorted(_task_records(cache), key=lambda r: r["started"])
    assert all(a["finished"] <= b["started"] for a, b in zip(records, records[1:])), records  # --max-jobs 1
    resumed = run_benchit(*args, "--resume")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "0 run, 3 skipped" in resumed.stdout
    assert len(list((cache / "_slurm").glob("*/sweep.json"))) == 1  # nothing submitted again
    report = run_benchit("cache", "report", "-d", cache, "-r", tmp_path / "report")
    assert report.returncode == 0
    import pandas as pd

    frame = pd.read_csv(next((tmp_path / "report").glob("*.csv")))
    assert sorted(frame["status"]) == ["benchmarked"] * 3 or sorted(frame["status"]) == ["built"] * 3


def test_unknown_partition_is_one_line(slurm_cluster, sweep_scripts, tmp_path):
    result = run_benchit(sweep_scripts / "ok_a.py", "-d", tmp_path / "c", "--use-slurm", "--slurm-partition", "nope")
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("benchit: error: sbatch refused the job array:") and "partition" in line.lower()
    assert "'nope'" in line  # sbatch does not say which partition; benchit does


def test_no_slurm_installed_is_one_line(sweep_scripts, tmp_path):
    result = run_benchit(sweep_scripts / "ok_a.py", "-d", tmp_path / "c", "--use-slurm",
                         env={"PATH": os.path.dirname(sys.executable)})
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "Slurm is not installed here (no sbatch" in line


def test_shared_filesystem_warnings(tmp_path):
    from mlagility.sweep.slurm import shared_filesystem_warnings

    warnings = shared_filesystem_warnings(Path("/tmp/x/cache"), "/tmp/venv/bin/python")
    assert len(warnings) == 2 and "MLAGILITY_CACHE_DIR" in warnings[0] and "venv" in warnings[1]
    assert shared_filesystem_warnings(Path("/home/u/cache"), "/home/u/venv/bin/python") == []


def test_slurm_time_limit_is_recorded_as_timeout(slurm_cluster, sweep_scripts, tmp_path):
    cache = tmp_path / "cache"
    result = run_benchit(sweep_scripts / "hangs.py", "-d", cache, *FAST, "--use-slurm", "--slurm-time", "1",
                         "--timeout", "3000", "--no-exclusive")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "timeout (Slurm time limit of 1 min)" in result.stdout
    import yaml

    (attempt,) = [yaml.safe_load(p.read_text()) for p in (cache / "_attempts").glob("*.yaml")]
    assert attempt["status"] == "finished" and attempt["outcome"] == "timeout (Slurm time limit of 1 min)"
    resumed = run_benchit(sweep_scripts / "hangs.py", "-d", cache, *FAST, "--use-slurm", "--slurm-time", "1",
                          "--timeout", "3000", "--no-exclusive", "--resume")
    assert "attempted before (timeout (Slurm time limit of 1 min))" in resumed.stdout + resumed.stderr


def test_ctrl_c_cancels_the_job_and_the_outcome_is_recorded(slurm_cluster, sweep_scripts, tmp_path):
    cache = tmp_path / "cache"
    scripts = [sweep_scripts / "hangs.py", sweep_scripts / "raises.py"]
    submitter = subprocess.Popen(
        [sys.executable, "-m", "mlagility.cli.main", *map(str, scripts), "-d", str(cache), *FAST,
         "--use-slurm", "--no-exclusive", "--timeout", "3000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        # a shell's background job (`make test &`, nohup) ignores SIGINT and children inherit that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 300
    while not any(r["script"].endswith("hangs.py") for r in _task_records(cache)):  # hangs.py runs
        assert submitter.poll() is None and time.monotonic() < deadline
        time.sleep(0.5)
    submitter.send_signal(signal.SIGINT)  # no terminal: cancels, saying so
    out, err = submitter.communicate(timeout=120)
    assert submitter.returncode == 130, out + err
    assert re.search(r"cancelled Slurm job \d+ \(scancel\)", err)
    waited = run_benchit("slurm", "wait", "-d", cache)
    assert waited.returncode == 1
    assert "cancelled (Slurm scancel)" in waited.stdout
    import yaml

    outcomes = {Path(a["script"]).name: a["outcome"] for a in
                (yaml.safe_load(p.read_text()) for p in (cache / "_attempts").glob("*.yaml"))}
    assert outcomes["hangs.py"] == "cancelled (Slurm scancel)"


def test_task_killed_on_the_node_is_recorded_not_lost(slurm_cluster, sweep_scripts, tmp_path):
    """The task's own benchit stopped by SIGTERM (as scancel, a time limit or an admin's kill do,
    before Slurm's accounting knows): its empty result is never taken for the script's."""
    cache = tmp_path / "cache"
    detached = run_benchit(sweep_scripts / "hangs.py", "-d", cache, *FAST, "--use-slurm", "--detach",
                           "--no-exclusive", "--timeout", "3000")
    assert detached.returncode == 0, detached.stderr
    deadline = time.monotonic() + 300
    while not (records := [r for r in _task_records(cache) if "pid" in r]):
        assert time.monotonic() < deadline
        time.sleep(0.5)
    import psutil

    while not psutil.Process(records[0]["pid"]).children():  # its benchit runs the script in a child
        assert time.monotonic() < deadline
        time.sleep(0.5)
    os.kill(records[0]["pid"], signal.SIGTERM)  # not through Slurm: the task ends "normally"
    waited = run_benchit("slurm", "wait", "-d", cache)
    assert waited.returncode == 1
    node = records[0]["node"]
    assert f"stopped by a signal on node {node} (benchit exit code 143)" in waited.stdout, waited.stdout
    resumed = run_benchit(sweep_scripts / "hangs.py", "-d", cache, *FAST, "--resume")
    assert "attempted before (stopped by a signal" in resumed.stdout + resumed.stderr


def test_task_over_its_memory_is_recorded_as_out_of_memory(slurm_cluster, tmp_path):
    """The test cluster enforces memory without cgroups (slurmd samples it every second and kills
    the task: the job ends FAILED, and its log says why); with cgroups Slurm says OUT_OF_MEMORY."""
    script = tmp_path / "hungry.py"
    script.write_text("import time\nblock = bytearray(3 * 1024**3)\nfor i in range(0, len(block), 4096):\n"
                      "    block[i] = 1\ntime.sleep(120)\nprint('not killed')\n")
    cache = tmp_path / "cache"
    sweep = [script, "-d", cache, *FAST, "--use-slurm", "--slurm-mem", "1", "--no-exclusive", "--timeout", "3000"]
    result = run_benchit(*sweep)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "out of memory (Slurm, --slurm-mem 1 GB)" in result.stdout, result.stdout
    import yaml

    (attempt,) = [yaml.safe_load(p.read_text()) for p in (cache / "_attempts").glob("*.yaml")]
    assert attempt["outcome"] == "out of memory (Slurm, --slurm-mem 1 GB)"
    resumed = run_benchit(*sweep, "--resume")
    assert "attempted before (out of memory (Slurm" in resumed.stdout + resumed.stderr


def _node_state(node: str) -> str:
    out = subprocess.run(["sinfo", "-h", "-N", "-n", node, "-o", "%t"], capture_output=True, text=True)
    return out.stdout.strip()


def _squeue_state(job: str) -> str:
    out = subprocess.run(["squeue", "-h", "-j", job, "-o", "%T"], capture_output=True, text=True)
    return out.stdout.strip()


@pytest.mark.slow  # a node taken down and back, a requeue: over a minute (and see docs/performance.md, Python 3.10)
def test_node_failure_requeues_the_task_its_rerun_is_the_result(slurm_cluster, tmp_path):
    """The node goes down while the task runs: Slurm requeues it (its default policy); the rerun's
    result is the script's (never the killed run's stale one) and the attempt records the restart."""
    runs = tmp_path / "runs"
    runs.mkdir()
    script = tmp_path / "survives_node_failure.py"
    script.write_text(TINY_MODEL + (
        f"import os, time\nrun = len(os.listdir({str(runs)!r}))\nopen(os.path.join({str(runs)!r}, str(run)), 'w').close()\n"
        "while run == 0:  # the first run waits for the node to fail\n    time.sleep(0.5)\n"
        "Tiny()(torch.rand(1, 8))\n"))
    cache = tmp_path / "cache"
    detached = run_benchit(script, "-d", cache, *FAST, "--use-slurm", "--detach", "--no-exclusive", "--timeout", "3000")
    assert detached.returncode == 0, detached.stdout + detached.stderr
    deadline = time.monotonic() + 300
    while not (runs / "0").exists():
        assert time.monotonic() < deadline
        time.sleep(0.5)
    (record,) = _task_records(cache)
    job, node = record["slurm_job"], record["node"]
    scontrol = ["scontrol", "update", f"nodename={node}"]
    subprocess.run([*scontrol, "state=down", "reason=mlagility-test"], check=True)
    try:
        while _squeue_state(job) != "PENDING":  # requeued
            assert time.monotonic() < deadline
            time.sleep(0.5)
        # the node comes back by itself once its slurmd answers (ReturnToService=2); the killed
        # run must have ended first (a relaunch onto it fails: "Duplicate jobid", job held)
        import psutil

        def old_run_alive() -> bool:
            for process in psutil.process_iter(["pid", "cmdline", "status"]):
                if process.info["status"] == psutil.STATUS_ZOMBIE:
                    continue
                if process.info["pid"] == record["pid"] or f"[{job}." in " ".join(process.info["cmdline"] or ()):
                    return True  # its benchit, or its slurmstepd ("slurmstepd: [JOB.batch]")
            return False

        while _node_state(node) not in ("idle", "mix") or old_run_alive():
            assert time.monotonic() < deadline, (_node_state(node), old_run_alive())
            time.sleep(0.5)
    finally:
        if _node_state(node).startswith(("down", "drain")):
            subprocess.run([*scontrol, "state=resume"])
    # requeued, waiting to run again: sacct still says NODE_FAIL, which is not the task's end
    status = run_benchit("slurm", "status", "-d", cache)
    assert "PENDING" in status.stdout and "NODE_FAIL" not in status.stdout, status.stdout
    subprocess.run(["scontrol", "update", f"jobid={job}", "StartTime=now"], check=True)  # no requeue delay
    waited = run_benchit("slurm", "wait", "-d", cache)
    assert waited.returncode == 0, waited.stdout + waited.stderr
    assert "1 found, 1 built, 1 benchmarked, 0 failed" in waited.stdout, waited.stdout
    assert sorted(p.name for p in runs.iterdir()) == ["0", "1"]
    import yaml

    (attempt,) = [yaml.safe_load(p.read_text()) for p in (cache / "_attempts").glob("*.yaml")]
    assert attempt["outcome"] == "ok" and attempt["slurm_restarts"] == 1, attempt


def test_partition_error_names_the_partition():
    from mlagility.sweep.slurm import _sbatch_message

    refused = RuntimeError("sbatch: error: Batch job submission failed: Invalid partition name specified")
    assert "'gpux'" in _sbatch_message(refused, "gpux") and "--slurm-partition" in _sbatch_message(refused, "gpux")
    assert "default partition" in _sbatch_message(refused, None)
