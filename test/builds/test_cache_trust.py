"""The cache never poisons itself and never lies: validated records and artifacts, copies, locks,
incomplete work, benchit's own directories, links and file modes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import numpy as np
import pytest
import yaml

from conftest import run_benchit
from mlagility.builds.cache import MARKER, BuildLock, Cache, build_in_use
from mlagility.builds.staleness import artifact_problems, stale_reasons
from mlagility.builds.state import STATE_FILE, BuildState
from mlagility.common import filesystem
from mlagility.sweep.attempts import Attempt, AttemptLog
from mlagility.results.report import report_frame, summarize


def state_for(name: str, **changes) -> BuildState:
    state = BuildState(build_name=name, status="built", model_hash="m", weights_hash="w",
                       inputs=[{"name": "x", "shape": [1, 4], "dtype": "float32"}])
    for key, value in changes.items():
        setattr(state, key, value)
    return state


def make_cache(tmp_path, *names: str) -> Cache:
    cache = Cache(tmp_path / "cache").ensure()
    for name in names:
        state_for(name).save(cache.root / name)
    return cache


# --- invalid records and artifacts: a bad one costs a rebuild, never a crash or a reuse -----------

def tiny_onnx(folder, name="model-opt.onnx", external=True):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weight = numpy_helper.from_array(np.ones((4, 4), dtype=np.float32), "w")
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], [weight])
    model = helper.make_model(graph)
    onnx.save_model(model, str(folder / name), save_as_external_data=external, location=name + ".data",
                    size_threshold=0)
    return name


def built_state(folder) -> BuildState:
    name = tiny_onnx(folder)
    np.savez(folder / "inputs.npz", x=np.zeros((1, 4), dtype=np.float32))
    state = state_for(folder.name, artifacts={"optimized": name, "inputs": "inputs.npz"}, onnx_inputs=["x"])
    state.artifact_bytes = {rel: (folder / rel).stat().st_size for rel in state.artifacts.values()}
    return state


def test_invalid_artifact_whole_build_is_reusable(tmp_path):
    assert artifact_problems(built_state(tmp_path), tmp_path) == []


def test_invalid_artifact_truncated_external_data_is_stale(tmp_path):
    state = built_state(tmp_path)
    data = tmp_path / "model-opt.onnx.data"
    data.write_bytes(data.read_bytes()[:10])
    assert artifact_problems(state, tmp_path) == [
        "artifact model-opt.onnx needs 64 bytes of model-opt.onnx.data, which has 10 (truncated)"]


@pytest.mark.parametrize("artifact", ["model-opt.onnx", "inputs.npz"])
def test_invalid_artifact_truncated_file_is_stale(tmp_path, artifact):
    state = built_state(tmp_path)
    path = tmp_path / artifact
    path.write_bytes(path.read_bytes()[:-7])
    problems = artifact_problems(state, tmp_path)
    assert len(problems) == 1 and f"artifact {artifact} changed size" in problems[0]
    state.artifact_bytes = {}  # a build from before sizes were recorded: the content check catches it
    problems = artifact_problems(state, tmp_path)
    assert len(problems) == 1 and f"artifact {artifact} is unreadable" in problems[0]
    assert stale_reasons(state, state_for(tmp_path.name), tmp_path) == problems


def test_invalid_artifact_npz_with_pickles_or_missing_inputs_is_stale(tmp_path):
    state = built_state(tmp_path)
    state.artifact_bytes = {}
    np.savez(tmp_path / "inputs.npz", x=np.array([{"a": 1}], dtype=object))
    assert "is unreadable" in artifact_problems(state, tmp_path)[0]
    np.savez(tmp_path / "inputs.npz", y=np.zeros(2))
    assert artifact_problems(state, tmp_path) == ["artifact inputs.npz lacks the inputs x"]


def test_invalid_artifact_replaced_by_a_link_is_stale(tmp_path):
    state = built_state(tmp_path)
    (tmp_path / "inputs.npz").unlink()
    (tmp_path / "inputs.npz").symlink_to(tmp_path / "model-opt.onnx")
    assert artifact_problems(state, tmp_path) == ["artifact replaced by a link: inputs.npz"]


@pytest.mark.parametrize("text", ["script: 5\narguments: {}\n", "- 1\n", "{bad", "script: a\narguments: {}\nstatus: odd\n",
                                  "script: a\narguments: {}\npid: x\n"])
def test_invalid_record_attempt_counts_as_no_attempt_and_is_reported(tmp_path, text):
    cache = make_cache(tmp_path)
    log = AttemptLog(cache.root)
    log.dir.mkdir()
    log.path("a.py", {}).write_text(text)
    assert log.load("a.py", {}) is None  # --resume runs the script again
    frame = report_frame([cache.root])
    assert list(frame["status"]) == ["unreadable"] and "attempt record unreadable" in frame["error"][0]


def test_invalid_record_unreadable_state_is_reported_and_the_report_goes_on(tmp_path):
    cache = make_cache(tmp_path, "good_1", "bad_2")
    data = yaml.safe_load((cache.root / "bad_2" / STATE_FILE).read_text())
    (cache.root / "bad_2" / STATE_FILE).write_text(yaml.safe_dump({**data, "stages": 5}))
    result = run_benchit("cache", "report", "-d", cache.root, "-r", tmp_path / "report")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    frame = report_frame([cache.root])
    rows = dict(zip(frame["build_name"], frame["status"]))
    assert rows == {"bad_2": "unreadable", "good_1": "built"}
    assert "field 'stages' must be a mapping" in frame.set_index("build_name")["error"]["bad_2"]
    listing = run_benchit("cache", "list", "-d", cache.root)
    assert listing.returncode == 0 and "unreadable (field 'stages'" in listing.stdout


# --- the cache's rules: directories benchit creates, copies, folders without state, locks ----------

def test_cache_rules_directory_with_only_benchit_folders_is_a_cache(tmp_path):
    root = tmp_path / "cache"
    (root / "_attempts").mkdir(parents=True)
    (root / "_logs").mkdir()
    assert Cache(root).existing().entries() == []  # left by an older benchit: adopted
    Cache(root).ensure()
    assert (root / MARKER).is_file()


def test_cache_rules_analyze_only_with_isolation_creates_a_valid_cache(tmp_path, write_script):
    script = write_script("plain.py", "print('hello')\n")
    cache = tmp_path / "fresh"
    first = run_benchit(script, "--analyze-only", "--process-isolation", "-d", cache)
    assert first.returncode == 0, first.stdout + first.stderr
    assert (cache / MARKER).is_file()
    for args in (("cache", "list", "-d", cache), (script, "--analyze-only", "-d", cache)):
        result = run_benchit(*args)
        assert result.returncode == 0 and "not an mlagility cache" not in result.stderr, result.stderr


def test_cache_rules_copied_build_folder_is_listed_once_as_a_copy(tmp_path):
    cache = make_cache(tmp_path, "demo_1")
    subprocess.run(["cp", "-a", str(cache.root / "demo_1"), str(cache.root / "demo_1_backup")], check=True)
    entries = {entry.name: entry for entry in cache.entries()}
    assert entries["demo_1_backup"].copy_of == "demo_1" and entries["demo_1"].copy_of is None
    assert [state.build_name for state in cache.builds()] == ["demo_1"]
    listing = run_benchit("cache", "list", "-d", cache.root).stdout
    assert listing.count("│ demo_1 ") == 1 and "│ demo_1_backup │ copy of demo_1" in listing, listing
    assert list(report_frame([cache.root])["build_name"]) == ["demo_1"]  # a copy is not a build
    assert stale_reasons(entries["demo_1_backup"].state, state_for("demo_1_backup"), entries["demo_1_backup"].dir)
    cleaned = run_benchit("cache", "clean", "--all", "-d", cache.root)
    assert cleaned.returncode == 0 and cleaned.stdout.count("cleaned") == 2, cleaned.stdout
    deleted = run_benchit("cache", "delete", "--all", "-d", cache.root)
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout.count("deleted") == 2 and cache.entries() == []


def test_cache_rules_folder_without_state_is_listed_and_deletable(tmp_path):
    cache = make_cache(tmp_path)
    (cache.root / "half_1").mkdir()
    assert "incomplete (no state file)" in run_benchit("cache", "list", "-d", cache.root).stdout
    assert report_frame([cache.root])["status"].tolist() == ["incomplete"]
    result = run_benchit("cache", "delete", "half_1", "-d", cache.root)
    assert result.returncode == 0 and not (cache.root / "half_1").exists(), result.stderr


def test_cache_rules_delete_and_clean_skip_a_build_another_process_holds(tmp_path):
    cache = make_cache(tmp_path, "held_1", "free_2")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom mlagility.builds.cache import BuildLock\n"
         f"lock = BuildLock({str(cache.root / 'held_1')!r}); lock.acquire(); print('held', flush=True)\n"
         "sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert build_in_use(cache.root / "held_1") and not build_in_use(cache.root / "free_2")
        for command in ("clean", "delete"):
            result = run_benchit("cache", command, "--all", "-d", cache.root)
            assert result.returncode == 1, result.stdout + result.stderr
            assert f"skipped {cache.root / 'held_1'}: in use by another benchit process" in result.stdout
        assert (cache.root / "held_1" / STATE_FILE).is_file() and not (cache.root / "free_2").exists()
    finally:
        holder.communicate("")
    assert run_benchit("cache", "delete", "held_1", "-d", cache.root).returncode == 0


def test_cache_rules_lock_is_exclusive_within_one_process_too(tmp_path):
    first, second = BuildLock(tmp_path / "b"), BuildLock(tmp_path / "b")
    assert first.try_acquire() and not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()


# --- incomplete work is shown as incomplete -------------------------------------------------------

@pytest.mark.parametrize("change, status", [
    (dict(status="building"), "incomplete (the build process died)"),
    (dict(benchmarks={"x86/ort": {"status": "running", "pid": 999999999}}),
     "built, incomplete benchmark (x86/ort: the process died)"),
])
def test_incomplete_work_of_a_dead_process_is_incomplete(tmp_path, change, status):
    cache = make_cache(tmp_path)
    state_for("demo_1", **change).save(cache.root / "demo_1")
    (entry,) = cache.entries()
    assert entry.status() == status
    frame = report_frame([cache.root])
    assert frame["status"].tolist() == ["incomplete"]
    assert dict(summarize(frame))["succeeded"] == 0 and dict(summarize(frame))["incomplete (process died)"] == 1
    with BuildLock(entry.dir):  # a live process holds the build: it is in progress, not incomplete
        assert entry.incomplete() == []


# --- never through a link; one file mode ----------------------------------------------------------

def test_links_atomic_write_and_log_replace_a_planted_link(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    for name in ("state.yaml", "log.txt"):
        (tmp_path / name).symlink_to(outside)
    filesystem.write_yaml(tmp_path / "state.yaml", {"a": 1})
    with filesystem.open_for_writing(tmp_path / "log.txt", "w") as log:
        log.write("log")
    assert outside.read_text() == "precious"
    assert not (tmp_path / "state.yaml").is_symlink() and (tmp_path / "log.txt").read_text() == "log"


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_file_modes_honour_the_umask_for_every_record(tmp_path, mask, mode):
    previous = os.umask(mask)
    try:
        Cache(tmp_path).ensure()  # a cache (records are written into caches only)
        state_for("demo_1").save(tmp_path / "demo_1")
        AttemptLog(tmp_path).save(Attempt("a.py", {}))
        with filesystem.open_for_writing(tmp_path / "log.txt") as log:
            log.write("x")
        BuildLock(tmp_path / "demo_1").try_acquire()
    finally:
        os.umask(previous)
    files = [tmp_path / "demo_1" / STATE_FILE, *(tmp_path / "_attempts").iterdir(), tmp_path / "log.txt",
             tmp_path / "demo_1" / ".lock"]
    assert {oct(stat.S_IMODE(f.stat().st_mode)) for f in files} == {oct(mode)}


@pytest.mark.slow
def test_invalid_record_and_truncated_artifact_cost_a_rebuild_end_to_end(tmp_path, write_script, cache_dir):
    from conftest import FAST, TINY_MODEL

    script = write_script("tiny.py", TINY_MODEL + "\nTiny()(torch.rand(1, 8))\n")
    assert run_benchit(script, "-d", cache_dir, "--build-only").returncode == 0
    (build,) = [p for p in cache_dir.iterdir() if p.is_dir() and not p.name.startswith("_")]
    data = yaml.safe_load((build / STATE_FILE).read_text())
    (build / STATE_FILE).write_text(yaml.safe_dump({**data, "stages": 5}))
    again = run_benchit(script, "-d", cache_dir, *FAST)
    flat = " ".join(again.stdout.split())
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Rebuilt: state unreadable (field 'stages' must be a mapping, not int)" in flat, again.stdout
    optimized = build / "model-opt.onnx"
    optimized.write_bytes(optimized.read_bytes()[:-5])
    third = run_benchit(script, "-d", cache_dir, *FAST)
    assert third.returncode == 0, third.stdout + third.stderr
    assert "artifact model-opt.onnx changed size" in " ".join(third.stdout.split()), third.stdout
