"""Running many scripts: inputs, filters, labels, script args, max depth, isolation, resume."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest
import yaml

from conftest import EXAMPLES, FAST, TINY_MODEL, run_benchit
from mlagility.common.exceptions import UsageError
from mlagility.parser import parse


def builds(cache):
    return sorted(p.name for p in cache.iterdir() if p.is_dir() and not p.name.startswith("_")) if cache.exists() else []


def labelled(labels: str) -> str:
    return f"# labels: {labels}\n" + TINY_MODEL + "\nmodel = Tiny()\nmodel(torch.rand(1, 8))\n"


@pytest.mark.slow
def test_quoted_globs_and_txt_lists(tmp_path, write_script):
    for name in ("a", "b"):
        write_script(f"{name}.py", labelled(f"name::{name}"))
    (tmp_path / "list.txt").write_text("# my sweep\na.py\n\nb.py\n")
    by_glob = run_benchit(str(tmp_path / "*.py"), "--analyze-only")
    by_list = run_benchit(tmp_path / "list.txt", "--analyze-only")
    for result in (by_glob, by_list):
        assert result.returncode == 0, result.stderr
        assert "a.py:" in result.stdout and "b.py:" in result.stdout
        assert "2 run, 0 skipped" in result.stdout
    missing = run_benchit(str(tmp_path / "nothing*.py"))
    assert missing.returncode == 2 and "matches no file" in missing.stderr


@pytest.mark.slow
def test_hash_filter_builds_only_listed_invocations(cache_dir):
    script = EXAMPLES / "two_models.py"
    hashes = re.findall(r"Hash: +(\w+)", run_benchit(script, "--analyze-only").stdout)
    assert len(hashes) == 2
    result = run_benchit(f"{script}::{hashes[1]}", "-d", cache_dir, *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("Hash:") == 2  # both discovered and shown
    assert "Skipped (hash not in" in result.stdout
    assert builds(cache_dir) == [f"two_models_mlagility_{hashes[1]}"]
    unknown = run_benchit(f"{script}::{hashes[0]},0000abcd", "--analyze-only")
    assert unknown.returncode == 1 and "unknown invocation hash(es): 0000abcd" in unknown.stdout


@pytest.mark.slow
def test_label_filter_semantics_and_author_in_build_name(tmp_path, write_script, cache_dir):
    write_script("x.py", labelled("author::alice task::vision,audio"))
    write_script("y.py", labelled("author::bob task::vision"))
    write_script("z.py", TINY_MODEL + "\nTiny()(torch.rand(1, 8))\n")  # no labels at all
    write_script("w.py", labelled("author::carol brokentoken task::text"))

    def ran(*labels):
        out = run_benchit(str(tmp_path / "*.py"), "--analyze-only", "--labels", *labels).stdout
        return sorted(re.findall(r"^(\w)\.py:$", out, re.M)), out

    assert ran("task::vision")[0] == ["x", "y"]  # OR within a key
    assert ran("author::alice,bob", "task::audio")[0] == ["x"]  # AND across keys
    assert ran("author::nobody")[0] == []
    names, out = ran("author::carol")
    assert names == ["w"] and "malformed label token 'brokentoken'" in out
    bad = run_benchit(tmp_path / "x.py", "--labels", "author")
    assert bad.returncode == 2 and "--labels 'author' is malformed" in bad.stderr
    assert run_benchit(tmp_path / "x.py", "-d", cache_dir, "--export-only").returncode == 0
    (name,) = builds(cache_dir)
    assert name.startswith("x_alice_")
    state = yaml.safe_load((cache_dir / name / "mlagility_build.yaml").read_text())
    assert state["source"]["labels"] == {"author": ["alice"], "task": ["vision", "audio"]}


SCRIPT_ARGS = TINY_MODEL + """
from mlagility.parser import parse

batch_size, max_seq_length = parse(["batch_size", "max_seq_length"])
model = Tiny()
model(torch.rand(batch_size, 8))
print("ARGS", batch_size, max_seq_length)
"""


@pytest.mark.slow
@pytest.mark.parametrize("isolated", [False, True])
def test_script_args_reach_the_script(isolated, write_script, cache_dir):
    script = write_script("args.py", SCRIPT_ARGS)
    flags = ["--process-isolation"] if isolated else []
    result = run_benchit(script, "-d", cache_dir, "--analyze-only", "--script-args", "--batch_size 3 --max_seq_length 64", *flags)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "'x': (3, 8)" in result.stdout


def test_parse_defaults_and_errors():
    assert parse(["batch_size", "height", "alpha", "in_channels"], argv=[]) == [1, 224, 2.2, 1433]
    assert parse(["batch_size"], argv=["--batch_size", "8", "--other", "x"]) == [8]
    with pytest.raises(UsageError, match="unknown script parameter"):
        parse(["batch"])


@pytest.mark.slow
@pytest.mark.parametrize("depth, expected", [(0, 1), (1, 3), (2, 7)])
def test_max_depth_discovers_and_builds_sub_models(depth, expected, cache_dir):
    result = run_benchit(EXAMPLES / "max_depth.py", "-d", cache_dir, "--max-depth", str(depth), *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("Hash:") == expected
    assert result.stdout.count("(executed 1x)") == expected  # exporting did not inflate counts
    assert len(builds(cache_dir)) == expected
    if depth:
        assert "model.encoder (executed 1x)" in result.stdout and "model.head (executed 1x)" in result.stdout
    if depth == 2:
        assert "model.encoder.fc1 (executed 1x)" in result.stdout


BAD_SCRIPTS = {
    "raises.py": "raise RuntimeError('broken script')\n",
    "segfault.py": "import os\nos.kill(os.getpid(), 11)\n",
    "exits.py": "import sys\nsys.exit(3)\n",
    "oom.py": (
        "import resource\nresource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))\n"
        "blocks = []\nwhile True:\n    blocks.append(bytearray(100 * 1024**2))\n"
    ),
    "killed.py": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
    "noisy.py": "import sys\nfor _ in range(20000):\n    sys.stdout.write('x' * 200 + '\\n')\n",
}


@pytest.mark.slow
def test_process_isolation_records_every_outcome_and_continues(write_script, cache_dir, tmp_path):
    # No timeout that a busy machine could reach: the default (3600 s) covers torch's import and
    # the good script's export however slow the machine is; the hang gets its own run below.
    for name, source in BAD_SCRIPTS.items():
        write_script(name, source)
    write_script("zz_good.py", labelled("author::tester"))
    result = run_benchit(str(tmp_path / "*.py"), "-d", cache_dir, "--process-isolation", *FAST)
    out = result.stdout
    assert result.returncode == 1
    assert "raises.py: script raised RuntimeError: broken script" in out
    assert "segfault.py: crashed (signal 11: SIGSEGV)" in out
    assert "exits.py: script raised SystemExit: 3" in out
    assert re.search(r"oom.py: .*MemoryError", out)
    assert "killed.py: killed (SIGKILL" in out
    assert "noisy.py" not in out.split("Summary")[1]  # megabytes of output were fine
    assert "Successfully benchmarked" in out  # the good script still ran, after all the bad ones
    attempts = {p.name.split("_")[0]: yaml.safe_load(p.read_text()) for p in (cache_dir / "_attempts").iterdir()}
    assert attempts["segfault"]["outcome"].startswith("crashed (signal 11")
    assert attempts["zz"]["outcome"] == "ok"


@pytest.mark.slow
def test_process_isolation_timeout_kills_a_hanging_script(write_script, cache_dir, tmp_path):
    # The script never ends, so the outcome is a timeout whatever the machine's speed.
    hangs = write_script("hangs.py", "import time\ntime.sleep(600)\n")
    result = run_benchit(hangs, "-d", cache_dir, "--process-isolation", "--timeout", "5", *FAST)
    assert result.returncode == 1
    assert "hangs.py: timeout after 5s" in result.stdout
    (attempt,) = [yaml.safe_load(p.read_text()) for p in (cache_dir / "_attempts").iterdir()]
    assert attempt["outcome"] == "timeout after 5s" and attempt["log"].endswith(".log")


@pytest.mark.slow
def test_script_that_raises_without_isolation_does_not_end_the_sweep(write_script, cache_dir, tmp_path):
    write_script("a_raises.py", TINY_MODEL + "\nTiny()(torch.rand(1, 8))\nraise ValueError('late failure')\n")
    write_script("b_good.py", labelled("author::tester"))
    result = run_benchit(str(tmp_path / "*.py"), "-d", cache_dir, *FAST)
    assert result.returncode == 1
    assert result.stdout.count("Successfully benchmarked") == 2  # a_raises' model kept its result
    assert "a_raises.py: script raised ValueError: late failure" in result.stdout


@pytest.mark.slow
def test_resume_after_the_sweep_is_sigkilled_matches_an_uninterrupted_sweep(write_script, tmp_path):
    for index in range(3):
        write_script(f"s{index}.py", TINY_MODEL + f"\nmodel = Tiny({4 + index})\nmodel(torch.rand(1, {4 + index}))\n")
    sweep = [str(tmp_path / "s*.py"), "--process-isolation", *FAST]
    reference = run_benchit(*sweep, "-d", tmp_path / "reference")
    assert reference.returncode == 0, reference.stdout + reference.stderr

    cache = tmp_path / "resumed"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    parent = subprocess.Popen([sys.executable, "-m", "mlagility.cli.main", *sweep, "-d", str(cache), "--resume"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.time() + 600  # a bound for a hung test, not a speed assumption
    while not list((cache / "_attempts").glob("s1_*.yaml")):
        assert time.time() < deadline, "s1 never started"
        time.sleep(0.2)
    parent.send_signal(signal.SIGKILL)  # mid-sweep: s0 done, s1 running
    parent.wait()
    resumed = run_benchit(*sweep, "-d", cache, "--resume")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "attempted before" in resumed.stdout

    def outcome(root):
        states = {n: yaml.safe_load((root / n / "mlagility_build.yaml").read_text()) for n in builds(root)}
        return {n: (s["status"], sorted(s["benchmarks"])) for n, s in states.items()}

    assert outcome(cache) == outcome(tmp_path / "reference")
    assert len(outcome(cache)) == 3


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_with_a_summary(write_script, cache_dir, tmp_path):
    write_script("a_good.py", labelled("author::tester"))
    started = tmp_path / "slow_started"
    write_script("b_slow.py", f"import time\nopen({str(started)!r}, 'w').close()\ntime.sleep(600)\n")
    write_script("c_never.py", labelled("author::tester"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    sweep = subprocess.Popen(
        [sys.executable, "-m", "mlagility.cli.main", str(tmp_path / "*.py"), "-d", str(cache_dir), *FAST],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        # a test run started in the background by a non-interactive shell inherits SIGINT ignored,
        # and Python keeps it ignored: give the sweep the default disposition, as a terminal would
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.time() + 600  # a bound for a hung test, not a speed assumption
    while not started.exists():  # the slow script is running: interrupt it
        assert time.time() < deadline, "b_slow.py never started"
        time.sleep(0.2)
    sweep.send_signal(signal.SIGINT)
    out, _ = sweep.communicate(timeout=600)
    assert sweep.returncode == 130, out
    assert "Interrupted" in out and "Successfully benchmarked" in out
    assert "c_never.py:" not in out
    states = list(cache_dir.glob("*/mlagility_build.yaml"))
    assert states and all(yaml.safe_load(p.read_text())["status"] == "built" for p in states)
    assert not list(cache_dir.rglob("*.tmp"))
    assert not list((cache_dir / "_attempts").glob("b_slow_*.yaml"))  # --resume will run it again
