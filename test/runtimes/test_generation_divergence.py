"""Where a converted build's greedy tokens diverge from the script's (issue 21 §2): the first
divergent position and the logits' error there (the runtime's next-token logits against the
script's generate() for the same prefix, and the reference's top-2 margin), not a pass/fail.

A tiny Llama built from a config whose int8 build takes the other side of a near-tie at new token
2 (both ort and openvino, on this stack); its fp32 build gives the script's tokens. Two benchit runs
shared by the slow tests (module-scoped fixture).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
import yaml

from conftest import FAST, run_benchit
from mlagility.runtimes.outputs import compare_tokens, logits_at_divergence

SCRIPT = """
import torch
from transformers import LlamaConfig, LlamaForCausalLM

torch.manual_seed(0)
llama = LlamaForCausalLM(LlamaConfig(vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                     num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128)).eval()
ids = torch.randint(0, 256, (1, 10))
out = llama.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=16, do_sample=False, pad_token_id=0)
print("OUT: llama", out.tolist())
"""


def test_logits_error_and_margin_at_the_first_divergent_token():
    """Fast: the check's arithmetic on a near-tie (steps x batch x vocab logits)."""
    reference_tokens = np.array([[5, 7, 1, 2]])
    candidate_tokens = np.array([[5, 7, 3, 2]])
    reference = np.zeros((4, 1, 8), dtype=np.float32)
    reference[2, 0, 1], reference[2, 0, 3] = 2.0, 1.99  # a near-tie: margin 0.01
    candidate = reference.copy()
    candidate[2, 0, 3] = 2.02  # the runtime's rounding picks token 3
    check = compare_tokens([reference_tokens], [candidate_tokens, candidate])
    assert check["ok"] is False and check["first_divergent_token"] == 2
    logits_at_divergence(check, reference, candidate)
    assert check["logits_max_abs_error"] == pytest.approx(0.03, abs=1e-6)
    assert check["reference_top2_margin"] == pytest.approx(0.01, abs=1e-6)
    assert check["error"] == ("tokens differ from position 2 on (2 of 4 equal); logits max abs error at 2: 0.03, "
                              "top-2 margin of the reference 0.01")
    short = compare_tokens([reference_tokens], [candidate_tokens])
    assert "logits_note" in logits_at_divergence(short, reference, reference[:2])  # no logits at step 2: said


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("divergence")
    script = folder / "tiny_llama.py"
    script.write_text(textwrap.dedent(SCRIPT))
    int8 = run_benchit(script, "-d", folder / "int8", "--quantize", "int8", "--runtime", "ort", "openvino", *FAST)
    fp32 = run_benchit(script, "-d", folder / "fp32", "--runtime", "ort", "torch-eager", *FAST)

    def checks(cache):
        [path] = cache.glob("*/mlagility_build.yaml")
        return {key: bench.get("check") for key, bench in yaml.safe_load(path.read_text())["benchmarks"].items()}

    return int8, checks(folder / "int8"), fp32, checks(folder / "fp32")


@pytest.mark.slow
def test_int8_divergence_shows_the_position_and_the_logits_error(runs):
    int8, checks, _, _ = runs
    assert int8.returncode == 0, int8.stdout + int8.stderr  # as an output MISMATCH: shown and counted, exit 0
    for runtime in ("ort", "openvino"):
        check = checks[f"x86/{runtime}"]
        assert check["ok"] is False and check["precision"] == "int8", check
        first = check["first_divergent_token"]
        assert 0 <= first < 16
        assert 0 < check["logits_max_abs_error"] < 1, check  # the int8 graph's logits stay close to eager's
        assert 0 <= check["reference_top2_margin"] <= 2 * check["logits_max_abs_error"], check  # a near-tie
        assert f"logits max abs error at {first}:" in check["error"]
    shown = " ".join(int8.stdout.split())  # the tree wraps long lines
    assert "Tokens diverge from the script's own (int8): tokens differ from position" in shown, int8.stdout
    assert "top-2 margin of the reference" in shown and "MISMATCH" not in shown
    assert "diverges at" in int8.stdout  # the comparison table's check column
    assert "Mismatches" in int8.stdout  # counted like an output mismatch


@pytest.mark.slow
def test_fp32_tokens_match_with_no_logits_error(runs):
    _, _, fp32, checks = runs
    assert fp32.returncode == 0, fp32.stdout + fp32.stderr
    for runtime in ("ort", "torch-eager"):
        check = checks[f"x86/{runtime}"]
        assert check["ok"] is True and "logits_max_abs_error" not in check, check
    assert fp32.stdout.count("Tokens match the script's own (16 new tokens)") == 2, fp32.stdout
