"""The ``ort-genai`` runtime (issue 21 §2): a script's greedy ``generate()`` through
onnxruntime-genai's model builder and ``og.Generator``, side by side with torch-eager.

Real tiny transformers models built from configs (random weights, nothing downloaded), run under
the real ``benchit`` CLI. One benchit run (and one rerun on the same cache) shared by the tests.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap

import pytest
import yaml

from conftest import FAST, run_benchit

pytestmark = pytest.mark.skipif(importlib.util.find_spec("onnxruntime_genai") is None,
                                reason="onnxruntime-genai is not installed (pip install 'mlagility[genai]')")

SCRIPT = """
import torch
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM


def tiny_llama():
    config = LlamaConfig(vocab_size=512, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=128,
                         pad_token_id=0, bos_token_id=1, eos_token_id=2)
    return LlamaForCausalLM(config).eval()


torch.manual_seed(0)
llama = tiny_llama()
prompt = torch.randint(3, 512, (1, 8))
tokens = llama.generate(prompt, max_new_tokens=8, min_new_tokens=8, do_sample=False)
print("OUT: llama", tokens.tolist())

gpt2 = GPT2LMHeadModel(GPT2Config(n_layer=2, n_head=2, n_embd=64, vocab_size=512, n_positions=128)).eval()
tokens = gpt2.generate(torch.randint(0, 512, (1, 8)), max_new_tokens=6, do_sample=False, pad_token_id=0)
print("OUT: gpt2", tokens.tolist())

sampler = tiny_llama()
torch.manual_seed(1234)
tokens = sampler.generate(torch.randint(3, 512, (1, 5)), max_new_tokens=4, do_sample=True, top_k=50)
print("OUT: sampled", tokens.tolist())
"""


def script_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("OUT:")]


def model_block(stdout: str, name: str) -> str:
    """The tree's lines of one model (from its line to the next model's)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if f"── {name} " in line)
    end = next((i for i in range(start + 1, len(lines)) if "── " in lines[i] and lines[i].lstrip("│ ")[:1] in "├└"),
               len(lines))
    return "\n".join(lines[start:end])


def no_crash(done) -> None:
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    assert done.returncode in (0, 1), done.stdout + done.stderr


@pytest.fixture(scope="module")
def genai_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("genai")
    script = folder / "gen.py"
    script.write_text(textwrap.dedent(SCRIPT))
    python = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600,
                            env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert python.returncode == 0, python.stdout + python.stderr
    cache = folder / "cache"
    first = run_benchit(script, "-d", cache, "--runtime", "ort-genai", "torch-eager", *FAST)
    records = [ort_genai_record(cache)]
    again = run_benchit(script, "-d", cache, "--runtime", "ort-genai", *FAST)  # the builder's output reused
    records.append(ort_genai_record(cache))
    return script_lines(python.stdout), first, again, cache, records


def ort_genai_record(cache) -> dict | None:
    """The build record of the one generation ort-genai benchmarked (the tiny Llama's)."""
    records = [yaml.safe_load(path.read_text())["benchmarks"].get("x86/ort-genai")
               for path in cache.glob("gen_*/mlagility_build.yaml")]
    done = [record for record in records if record and record["status"] == "benchmarked"]
    return done[0] if len(done) == 1 else None


@pytest.mark.slow
def test_output_identical_to_python(genai_run):
    expected, first, again, _, _ = genai_run
    assert [line.split()[1] for line in expected] == ["llama", "gpt2", "sampled"]
    for done in (first, again):
        no_crash(done)
        assert script_lines(done.stdout) == expected, done.stdout + done.stderr


@pytest.mark.slow
def test_llama_tokens_match_on_ort_genai_with_ttft_and_tpot(genai_run):
    _, first, _, cache, (record, _) = genai_run
    block = model_block(first.stdout, "llama")
    assert "Successfully benchmarked on" in block and "(ort-genai v0.18" in block and "(torch-eager v" in block
    assert block.count("TTFT:") == 2 and block.count("TPOT:") == 2, block
    assert "generations of 8 tokens, batch 1, prompt 8" in block
    assert block.count("Tokens match the script's own (8 new tokens)") == 2 and "MISMATCH" not in block, block
    assert "ort-genai" in block.split("Runtime comparison")[1]  # side by side in the comparison table
    assert record is not None, first.stdout
    assert record["scenario"] == "generation" and record["check"]["ok"] is True
    assert record["tpot_ms"] > 0 and record["ttft_ms"] > 0 and record["new_tokens"] == 8
    assert record["details"]["model_builder"].startswith("built in ")
    assert record["details"]["batch_size"] == 1 and record["details"]["prompt_tokens"] == 8
    assert sorted(map(int, record["details"]["tpot_ms_by_past_length"])) == list(range(8, 15))


@pytest.mark.slow
def test_the_builders_model_is_reused_by_a_later_run(genai_run):
    _, first, again, cache, (_, record) = genai_run
    block = model_block(again.stdout, "llama")
    assert "Tokens match the script's own (8 new tokens)" in block, block
    assert record is not None, again.stdout
    assert record["details"]["model_builder"] == "reused (built by an earlier run)"
    [folder] = cache.glob("gen_*/ort_genai")
    assert (folder / "genai_config.json").is_file() and (folder / "model.onnx").is_file()
    assert not list(cache.glob("gen_*/ort_genai.building"))


@pytest.mark.slow
def test_unsupported_architecture_and_sampling_are_outcome_lines(genai_run):
    _, first, again, _, _ = genai_run
    for done in (first, again):
        gpt2 = model_block(done.stdout, "gpt2")
        assert ("ort-genai: not supported by onnxruntime-genai: its model builder does not "
                "support GPT2LMHeadModel") in gpt2, gpt2
        sampler = model_block(done.stdout, "sampler")
        assert "ort-genai: not supported: greedy only (this generation uses sampling)" in sampler
    assert "Tokens match the script's own (6 new tokens)" in model_block(first.stdout, "gpt2")  # torch-eager ran


def test_onnxruntime_genai_known_limits_read_as_not_supported():
    """Fast: the messages onnxruntime-genai 0.18.0 gave on the corpus (gemma2, phi, qwen2; see
    docs/corpus.md) are its known limits; any other error stays a failure."""
    from mlagility.runtimes.ort_genai import known_limit

    gqa = ("Non-zero status code returned while running GroupQueryAttention node. Name:'/model/layers.0/attn/"
           "GroupQueryAttention' Status Message: ")
    assert known_limit(gqa + "sliding_window_cache: KV cache capacity (16) must be at least local_window_size "
                       "(4096).") == ("its GroupQueryAttention needs a KV cache of at least the sliding window "
                                      "(4096 positions); it allocates 16 (prompt + new tokens)")
    assert "partial rotary" in known_limit(gqa + "cos_cache dimension 1 must be <= head_size / 2 and a multiple of 8.")
    assert known_limit("eos_token_id (256) must be in range [0, 256) (vocab_size)") == (
        "its model builder wrote eos_token_id 256 into genai_config.json (not the script's config's), outside the "
        "256-token vocabulary")
    assert known_limit(gqa + "some other failure") is None
