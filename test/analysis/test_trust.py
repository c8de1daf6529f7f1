"""Issue 12 (trust): the script computes what it computes under ``python``, the script's torch
context never reaches a build, discovery is right under threads, every model keeps its own
result, and wrappers show the real model. Each test is named after the kind it covers; the
scripts in ``trust_scripts/`` are the public bug patterns each kind was reported with."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path

import torch
import pytest
import yaml

from conftest import FAST, run_benchit
from mlagility.analysis.discovery import ModelDiscovery
from mlagility.analysis.script import run_script

SCRIPTS = Path(__file__).parent / "trust_scripts"


def python_output(script: Path, *args) -> str:
    done = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, check=True)
    return done.stdout


def printed(stdout: str, prefix: str) -> list[str]:
    return [line.strip() for line in stdout.splitlines() if line.strip().startswith(prefix)]


def discover(script, max_depth=0):
    found, threads = [], []

    def on_invocation(invocation, module):
        found.append((invocation, module))
        threads.append(threading.current_thread() is threading.main_thread())

    with ModelDiscovery(script, on_invocation, max_depth=max_depth):
        run_script(script, [])
    assert all(threads), "builds must run on the main thread"
    return found


def states(cache_dir: Path) -> dict:
    return {p.parent.name: yaml.safe_load(p.read_text()) for p in cache_dir.glob("*/mlagility_build.yaml")}


# -- 1. the script computes exactly what it computes under python ------------------------------
@pytest.mark.slow
def test_script_computes_the_same_buffers_mutated_by_forward_under_every_runtime(cache_dir):
    script = SCRIPTS / "10_state_mutation.py"
    expected = python_output(script)
    result = run_benchit(script, "-d", cache_dir, "--runtime", "ort", "torch-eager", "torch-compiled", *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    assert printed(result.stdout, "checksum") == printed(expected, "checksum")
    assert printed(result.stdout, "calls") == printed(expected, "calls") == [printed(expected, "calls")[0]]
    assert "calls 3 " in expected and "model (executed 3x)" in result.stdout
    # ort (the build's saved reference) and torch-compiled (the live model, its state restored
    # after compiling and timing) both match
    assert result.stdout.count("Outputs match PyTorch eager") == 2 and "MISMATCH" not in result.stdout


@pytest.mark.slow
def test_script_computes_the_same_training_step_rng_and_autograd_graph(cache_dir, write_script):
    """A model built in the middle of a training step (between forward and backward): its
    gradients, the optimizer step, the RNG stream and dropout all come out as under python."""
    script = write_script("train_step.py", """
        import torch

        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(6, 6), torch.nn.Dropout(0.5), torch.nn.Linear(6, 2))
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for step in range(2):
            loss = model(torch.randn(4, 6)).pow(2).sum()
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        print(f"checksum {sum(p.sum().item() for p in model.parameters()):.6f} {torch.rand(1).item():.6f}")
        print(f"training {model.training} grad {torch.is_grad_enabled()} threads {torch.get_num_threads()}")
    """)
    expected = python_output(script)
    result = run_benchit(script, "-d", cache_dir, "--runtime", "ort", "torch-eager", *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    assert printed(result.stdout, "checksum") == printed(expected, "checksum")
    assert printed(result.stdout, "training") == printed(expected, "training")


# -- the script's ambient torch context never leaks into a build -----------------------------------
@pytest.mark.slow
def test_ambient_context_never_leaks_autocast_and_inference_mode(cache_dir):
    import onnx

    script = SCRIPTS / "14_autocast_inference_mode.py"
    expected = python_output(script)
    result = run_benchit(script, "-d", cache_dir, *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    assert printed(result.stdout, "checksum") == printed(expected, "checksum")
    assert result.stdout.count("Outputs match PyTorch eager") == 2 and "MISMATCH" not in result.stdout
    upscaler = next(d for d, s in states(cache_dir).items() if s["source"]["model_name"] == "upscaler")
    graph = onnx.load(str(cache_dir / upscaler / "model.onnx"), load_external_data=False).graph
    float32 = onnx.TensorProto.FLOAT
    assert [v.type.tensor_type.elem_type for v in [*graph.input, *graph.output]] == [float32, float32]
    assert not [n for n in graph.node if n.op_type == "Cast"]  # no bf16 round trips baked in


# -- discovery is correct under threads ------------------------------------------------------------
def test_discovery_under_threads_finds_every_model_with_its_real_count():
    found = discover(SCRIPTS / "11_threads.py")
    counts = {invocation.model.name: invocation.executions for invocation, _ in found}
    assert counts == {"text_model": 6, "image_model": 6, "ranker": 1}
    assert all(invocation.parent_invocation is None for invocation, _ in found)


def test_discovery_under_threads_concurrent_calls_of_one_model_are_all_counted(write_script):
    script = write_script("hammer.py", """
        import threading
        import torch

        model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
        other = torch.nn.Linear(3, 3)
        barrier = threading.Barrier(4)

        def work(n):
            barrier.wait(timeout=600)
            for i in range(50):
                model(torch.randn(2 + n % 2, 4))
                other(torch.randn(1, 3))

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    """)
    found = discover(script)
    counts = sorted((inv.model.name, inv.inputs[0].shape, inv.executions) for inv, _ in found)
    assert counts == [("model", (2, 4), 100), ("model", (3, 4), 100), ("other", (1, 3), 200)]


@pytest.mark.slow
def test_discovery_under_threads_end_to_end_builds_all_three(cache_dir):
    script = SCRIPTS / "11_threads.py"
    result = run_benchit(script, "-d", cache_dir, *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    assert printed(result.stdout, "checksum") == printed(python_output(script), "checksum")
    for name in ("text_model (executed 6x)", "image_model (executed 6x)", "ranker (executed 1x)"):
        assert name in result.stdout
    assert "3 found, 3 built, 3 benchmarked, 0 failed" in result.stdout


def test_discovery_fast_path_survives_a_raising_call_and_leaves_no_hooks(write_script):
    script = write_script("raising.py", """
        import torch

        class Picky(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = torch.nn.Linear(4, 4)

            def forward(self, x):
                if x.shape[0] > 1:
                    raise ValueError("batch of one only")
                return self.fc(x)

        picky = Picky()
        try:
            picky(torch.rand(2, 4))
        except ValueError:
            pass
        picky(torch.rand(1, 4))
        after = torch.nn.Linear(2, 2)
        after(torch.rand(1, 2))
    """)
    module_hooks = torch.nn.modules.module
    before = (len(module_hooks._global_forward_hooks), len(module_hooks._global_forward_pre_hooks))
    found = discover(script)
    assert [(inv.model.name, inv.inputs[0].shape, inv.executions) for inv, _ in found] == [
        ("picky", (1, 4), 1), ("after", (1, 2), 1)]
    assert (len(module_hooks._global_forward_hooks), len(module_hooks._global_forward_pre_hooks)) == before
    assert all(not module._forward_hooks for _, module in found)


# -- 2. every model keeps its own result -----------------------------------------------------------
@pytest.mark.slow
def test_every_model_keeps_its_own_result_same_class_different_weights(cache_dir, tmp_path):
    script = SCRIPTS / "09_same_class_twice.py"
    first = run_benchit(script, "-d", cache_dir, *FAST)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "student (executed 1x)" in first.stdout and "teacher (executed 1x)" in first.stdout
    assert first.stdout.count("Outputs match PyTorch eager") == 2 and "MISMATCH" not in first.stdout
    built = states(cache_dir)
    assert sorted(s["source"]["model_name"] for s in built.values()) == ["student", "teacher"]
    assert len({s["weights_hash"] for s in built.values()}) == 2
    second = run_benchit(script, "-d", cache_dir, *FAST)
    assert second.returncode == 0 and "Rebuilt" not in second.stdout
    assert "2 built (2 reused from the cache)" in second.stdout
    assert second.stdout.count("Outputs match PyTorch eager") == 2
    report = run_benchit("cache", "report", "-d", cache_dir, "-r", tmp_path / "reports")
    assert report.returncode == 0, report.stdout + report.stderr
    from mlagility.api.report import load_report

    (csv_path,) = (tmp_path / "reports").glob("mlagility_report_*.csv")
    assert len(load_report(csv_path)) == 2


def test_every_model_keeps_its_own_result_one_model_two_shapes_is_one_model(cache_dir, write_script):
    script = write_script("two_shapes.py", """
        import torch

        model = torch.nn.Linear(8, 4)
        model(torch.rand(1, 8))
        model(torch.rand(2, 8))
        model(torch.rand(2, 8))
    """)
    result = run_benchit(script, "--analyze-only", "-d", cache_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "model (2 invocations, executed 3x in all)" in result.stdout
    assert "Invocation 1 (executed 1x)" in result.stdout and "Invocation 2 (executed 2x)" in result.stdout
    assert "1 found (2 invocations)" in result.stdout


@pytest.mark.slow
def test_every_model_keeps_its_own_result_non_tensor_arguments_shown_in_tree_and_state(cache_dir):
    script = SCRIPTS / "06_nontensor_args.py"
    result = run_benchit(script, "-d", cache_dir, *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    assert printed(result.stdout, "checksum") == printed(python_output(script), "checksum")
    assert "Arguments:    mask=None, scale=0.5, mode='mean', steps=2" in result.stdout
    assert "Arguments:    steps=3" in result.stdout
    assert result.stdout.count("Outputs match PyTorch eager") == 2
    arguments = [s["source"]["arguments"] for s in states(cache_dir).values()]
    assert {"steps": "3"} in arguments
    assert {"mask": "None", "scale": "0.5", "mode": "'mean'", "steps": "2"} in arguments


def test_wrappers_show_the_real_model_dataparallel():
    ((invocation, module),) = discover(SCRIPTS / "15_dataparallel_wrapper.py")
    assert type(module).__name__ == "TinyCNN"
    assert invocation.model.class_name == "TinyCNN" and invocation.model.wrapper == "DataParallel"
    assert [spec.name for spec in invocation.inputs] == ["x"] and invocation.model.params == 55


@pytest.mark.slow
def test_wrappers_show_the_real_model_torchscript_dict_outputs_benchmarked(cache_dir):
    script = SCRIPTS / "07_jit_script_dict.py"
    result = run_benchit(script, "-d", cache_dir, *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"Class: +TinyScorer", result.stdout)
    assert "Outputs match PyTorch eager" in result.stdout
    assert printed(result.stdout, "checksum") == printed(python_output(script), "checksum")


def test_every_model_keeps_its_own_result_second_object_gets_its_own_hash_first_keeps_its_own(write_script):
    source = (SCRIPTS / "09_same_class_twice.py").read_text()
    both = discover(SCRIPTS / "09_same_class_twice.py")
    assert [inv.model.name for inv, _ in both] == ["student", "teacher"]
    assert len({inv.hash for inv, _ in both}) == 2 and both[0][1] is not both[1][1]
    alone = write_script("student_only.py", source.replace("    t = teacher(x)\n", "    t = s\n"))
    ((student, _),) = discover(alone)
    assert student.hash == both[0][0].hash  # adding a teacher does not move the student's build


def test_every_model_keeps_its_own_result_non_tensor_arguments_recorded_per_invocation():
    found = discover(SCRIPTS / "06_nontensor_args.py")
    assert [inv.constants for inv, _ in found] == [
        [("mask", "None"), ("scale", "0.5"), ("mode", "'mean'"), ("steps", "2")], [("steps", "3")]]
    assert len({inv.hash for inv, _ in found}) == 2 and found[0][0].model is found[1][0].model


def test_discovery_overhead_submodules_run_hook_free_at_max_depth_0_unless_threads_call_models(write_script):
    """No timing: the mechanism. With --max-depth 0 and one model-calling thread (benchit's own
    live display does not count), a top-level model's submodules run with no global hook, so
    torch takes its no-hook fast path; with another thread alive, every call is hooked."""
    script = write_script("probe.py", """
        import threading
        import torch
        from torch.nn.modules import module as hooks

        seen = []

        class Probe(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = torch.nn.Linear(2, 2)

            def forward(self, x):
                seen.append(len(hooks._global_forward_hooks) + len(hooks._global_forward_pre_hooks))
                return self.fc(x)

        model = torch.nn.Sequential(Probe())
        model(torch.rand(1, 2))
        stop = threading.Event()
        other = threading.Thread(target=stop.wait)
        other.start()
        model(torch.rand(3, 2))
        stop.set()
        other.join()
        model(torch.rand(1, 2))
        print("SEEN", seen)
    """)
    from rich.console import Console
    from rich.live import Live

    baseline = len(torch.nn.modules.module._global_forward_hooks) + len(torch.nn.modules.module._global_forward_pre_hooks)
    live = Live("status", console=Console(file=open("/dev/null", "w"), force_terminal=True), refresh_per_second=4)
    live.start()
    try:
        namespace_seen = []
        found = []
        with ModelDiscovery(script, lambda inv, mod: found.append(inv)):
            import runpy

            namespace_seen = runpy.run_path(str(script), run_name="__main__")["seen"]
    finally:
        live.stop()
    assert namespace_seen == [baseline, baseline + 2, baseline]
    assert [(inv.inputs[0].shape, inv.executions) for inv in found] == [((1, 2), 2), ((3, 2), 1)]
