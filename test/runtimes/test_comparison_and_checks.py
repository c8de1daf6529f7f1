"""Several runtimes in one run, the correctness check, and external runtime plugins."""

from __future__ import annotations

import os
import textwrap

import pytest
import yaml

from conftest import EXAMPLES, FAST, run_benchit

PLANTED = '''
import numpy as np
import onnx
from onnx import numpy_helper

from mlagility.builds.options import BuildOptions
from mlagility.builds.stages import Sequence, Stage, export_sequence, OptimizeOnnx


class CorruptWeights(Stage):
    """Doubles the first weight of the exported model: ONNX Runtime must now disagree."""

    name = "corrupt_weights"
    needs = ("onnx",)

    def run(self, ctx):
        path = str(ctx.path("onnx"))
        model = onnx.load(path)
        init = model.graph.initializer[0]
        init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init) * 2 + 1, init.name))
        onnx.save_model(model, path, save_as_external_data=True, location="model.onnx.data")


def get_sequence():
    return Sequence("planted", [export_sequence(), CorruptWeights(), OptimizeOnnx()])
'''


def state_of(cache):
    (path,) = cache.glob("*/mlagility_build.yaml")
    return yaml.safe_load(path.read_text())


@pytest.mark.slow
def test_several_runtimes_compared_and_checked(cache_dir):
    result = run_benchit(EXAMPLES / "hello_world.py", "-d", cache_dir, "--runtime", "ort", "torch-eager", "openvino", *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Runtime comparison" in result.stdout and "vs torch-eager" in result.stdout
    assert "Outputs match PyTorch eager" in result.stdout
    bench = state_of(cache_dir)["benchmarks"]
    check = bench["x86/ort"]["check"]
    assert check["ok"] and check["outputs"][0]["max_abs_error"] < 1e-5
    assert bench["x86/ort"]["cv"] >= 0 and "load_average" in bench["x86/ort"]
    assert "check" not in bench["x86/torch-eager"]  # the reference itself
    assert bench["x86/openvino"]["check"]["ok"]


@pytest.mark.slow
def test_planted_mismatch_is_flagged_and_no_check_skips_it(cache_dir, tmp_path):
    sequence = tmp_path / "planted.py"
    sequence.write_text(PLANTED)
    flagged = run_benchit(EXAMPLES / "hello_world.py", "-d", cache_dir, "--sequence-file", sequence, *FAST)
    assert "MISMATCH: outputs differ from PyTorch eager" in flagged.stdout, flagged.stdout
    assert "Mismatches" in flagged.stdout
    # a finding, not a failure: exit 0, as a generation's token mismatch (test_generation_divergence.py)
    assert flagged.returncode == 0, flagged.stdout + flagged.stderr
    assert state_of(cache_dir)["benchmarks"]["x86/ort"]["check"]["ok"] is False
    skipped = run_benchit(EXAMPLES / "hello_world.py", "-d", cache_dir, "--sequence-file", sequence, "--no-check", *FAST)
    assert skipped.returncode == 0 and "MISMATCH" not in skipped.stdout and "Outputs match" not in skipped.stdout


@pytest.mark.slow
def test_external_runtime_plugin_registers_through_entry_points(tmp_path, cache_dir):
    package = tmp_path / "site"
    (package / "fake_runtime").mkdir(parents=True)
    (package / "fake_runtime" / "__init__.py").write_text(textwrap.dedent('''
        from mlagility.runtimes.base import Runtime
        from mlagility.runtimes.torch_eager import TorchEagerRuntime


        class Doubler(TorchEagerRuntime):
            """A third-party runtime: PyTorch eager under another name and device."""

            device = "x86"
            name = "fake-plugin"


        class Missing(Runtime):
            device = "tpu"
            name = "fake-missing"

            @classmethod
            def unavailable_reason(cls):
                return "no TPU on this machine"

            def load(self, target, options):
                raise NotImplementedError


        class NoLoad(Runtime):
            """Breaks the contract (no load): refused when it registers, listed as broken."""

            name = "fake-noload"
        '''))
    dist = package / "fake_runtime-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-runtime\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[mlagility.runtimes]\nfake-plugin = fake_runtime:Doubler\nfake-missing = fake_runtime:Missing\n"
        "broken = fake_runtime:DoesNotExist\nnoload = fake_runtime:NoLoad\n"
    )
    env = {"PYTHONPATH": str(package) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    listed = run_benchit("--list-runtimes", env=env)
    assert listed.returncode == 0
    assert "fake-plugin" in listed.stdout and "no TPU on this machine" in listed.stdout
    assert "plugin failed to load" in listed.stdout and "torch-eager" in listed.stdout
    assert "NoLoad does not implement" in listed.stdout
    ran = run_benchit(EXAMPLES / "hello_world.py", "-d", cache_dir, "--runtime", "fake-plugin", *FAST, env=env)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "(fake-plugin v" in ran.stdout
    unavailable = run_benchit(EXAMPLES / "hello_world.py", "--device", "tpu", "--runtime", "fake-missing", env=env)
    assert unavailable.returncode == 2 and "not available here: no TPU on this machine" in unavailable.stderr


def test_compare_relative_and_absolute_floor():
    import numpy as np

    from mlagility.runtimes.outputs import compare

    ref = np.array([1.0, -2.0, 4.0], dtype=np.float32)
    assert compare([ref], [ref + 1e-4], 1e-3)["ok"]  # 2.5e-5 relative
    assert not compare([ref], [ref + 0.1], 1e-3)["ok"]  # 2.5% relative
    vanished = np.array([1e-39, -3e-40], dtype=np.float32)  # random-weight activations that vanished
    check = compare([vanished], [vanished * 1.5], 1e-3)
    assert check["ok"] and check["outputs"][0]["max_rel_error"] > 0.4  # shown, but not a mismatch
    assert not compare([ref], [np.array([1.0, np.nan, 4.0])], 1e-3)["ok"]
    assert not compare([ref], [ref[:2]], 1e-3)["ok"]


@pytest.mark.slow
def test_comparison_without_the_reference_runtime_has_no_speedup_column(cache_dir):
    result = run_benchit(EXAMPLES / "hello_world.py", "-d", cache_dir, "--runtime", "ort", "openvino", *FAST)
    assert result.returncode == 0, result.stdout + result.stderr
    table = result.stdout.split("Runtime comparison")[1]
    header = next(line for line in table.splitlines() if "median ms" in line)
    assert " vs " not in header and "check" in header
    assert sum(1 for line in table.splitlines() if line.strip().startswith(("ort", "openvino"))) == 2


@pytest.mark.slow
def test_labels_say_what_ran_and_an_unused_stage_never_blocks(write_script, cache_dir):
    """A quantize_dynamic model on torch-eager is labelled int8 (dynamic, qint8 weights) and its
    parameters count the packed weights; a bf16 Llama on torch-eager + openvino is benchmarked on
    both even though ONNX Runtime's offline optimizer (which neither uses) cannot take it."""
    quantized = write_script("qdyn.py", """
import torch
torch.manual_seed(0)
m = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 8)).eval()
q = torch.ao.quantization.quantize_dynamic(m, {torch.nn.Linear}, dtype=torch.qint8)
print("OUT", round(q(torch.ones(2, 64)).sum().item(), 4))
""")
    done = run_benchit(quantized, "--runtime", "torch-eager", *FAST, "-d", cache_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Parameters:   4,680" in done.stdout  # 64*64 + 64 + 64*8 + 8, packed
    assert "(torch-eager v" in done.stdout and "int8 (dynamic, qint8 weights))" in done.stdout
    bf16 = write_script("bf16.py", """
import torch
from transformers import LlamaConfig, LlamaForCausalLM
torch.manual_seed(0)
m = LlamaForCausalLM(LlamaConfig(num_hidden_layers=1, hidden_size=32, intermediate_size=64, num_attention_heads=2,
                                 num_key_value_heads=2, vocab_size=128)).eval().to(torch.bfloat16)
print("OUT", m(torch.randint(0, 128, (1, 8))).logits.float().sum().item())
""")
    done = run_benchit(bf16, "--runtime", "torch-eager", "openvino", *FAST, "-d", cache_dir)
    assert "openvino v" in done.stdout and done.stdout.count("Successfully benchmarked") == 2, done.stdout
    assert "optimize failed" not in done.stdout


@pytest.mark.slow
def test_a_loop_and_a_pipeline_show_their_totals(write_script, cache_dir):
    """A model called N times with the same shapes (a denoiser under a scheduler) is one model
    with N calls: its per-call latency and the loop's total per runtime; a script of several models
    (a pipeline's parts) gets an end-to-end estimate per runtime that ran them all."""
    script = write_script("pipe.py", """
import torch
torch.manual_seed(0)
denoiser = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 16)).eval()
decoder = torch.nn.Linear(16, 4).eval()
x = torch.randn(1, 16)
with torch.no_grad():
    for step in range(4):
        x = x - 0.1 * denoiser(x)
    image = decoder(x)
print("OUT", round(image.sum().item(), 5))
""")
    done = run_benchit(script, "--runtime", "ort", "torch-eager", *FAST, "-d", cache_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "denoiser (executed 4x)" in done.stdout and done.stdout.count("Loop: called 4x by the script: 4 x ") == 2
    (line,) = [l for l in done.stdout.splitlines() if "End-to-end estimate of one run of the script" in l]
    assert "ort " in line and "torch-eager " in line
