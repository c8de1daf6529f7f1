"""Numbers users can trust in generations (issue 21, found by a break test):

* a ``generate()`` under ``torch.autocast("cpu", dtype=torch.bfloat16)``: the runtimes run fp32,
  so tokens that differ are labelled with both precisions, not a MISMATCH of the runtime;
* ``generate(num_return_sequences=3)``: torch-eager's batch is the 3 sequences, not the prompt's 1;
* ``--prompt-lengths`` longer than the model's positions: one clear line, not an IndexError;
* ``--prompt-lengths`` on a hand-written decode loop: one line saying it is not applied;
* ``--quantize int8`` on a generation the ONNX export refuses (beam search): ort's "not
  supported" outcome, not a failed conversion stage.

Real tiny transformers models built from configs (offline); one benchit run shared by the slow
tests (module-scoped fixture). The quick tests call the functions on their own.
"""

from __future__ import annotations

import pytest
import torch

from conftest import FAST, run_benchit
from mlagility.analysis.generation import max_positions, script_precision

SCRIPT = """
import torch
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

torch.manual_seed(1)  # a near-tie at the first token: bfloat16 autocast picks another one than fp32
llama = LlamaForCausalLM(LlamaConfig(vocab_size=512, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                     num_attention_heads=4, num_key_value_heads=2,
                                     max_position_embeddings=64)).eval()
ids = torch.randint(3, 512, (1, 6))
with torch.autocast("cpu", dtype=torch.bfloat16):
    out = llama.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=8, do_sample=False, pad_token_id=0)
print("OUT: autocast", out[:, 6:].tolist())

torch.manual_seed(0)
gpt2 = GPT2LMHeadModel(GPT2Config(vocab_size=128, n_positions=64, n_embd=32, n_layer=2, n_head=2)).eval()
ids = torch.randint(0, 128, (1, 6))
out = gpt2.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=4, do_sample=True,
                    num_return_sequences=3, pad_token_id=0)
print("OUT: sequences", tuple(out.shape))

looped = GPT2LMHeadModel(GPT2Config(vocab_size=128, n_positions=64, n_embd=32, n_layer=2, n_head=2)).eval()
with torch.no_grad():
    step = looped(ids, use_cache=True)
    generated = []
    for _ in range(4):
        token = step.logits[:, -1].argmax(-1, keepdim=True)
        generated.append(token)
        step = looped(token, past_key_values=step.past_key_values, use_cache=True)
print("OUT: loop", torch.cat(generated, 1).tolist())
"""

BEAM = """
import torch
from transformers import GPT2Config, GPT2LMHeadModel

torch.manual_seed(0)
beam = GPT2LMHeadModel(GPT2Config(vocab_size=128, n_positions=64, n_embd=32, n_layer=1, n_head=2)).eval()
out = beam.generate(torch.randint(0, 128, (1, 5)), max_new_tokens=4, num_beams=2, do_sample=False, pad_token_id=0)
print("OUT: beam", out.tolist())
"""


def model_block(stdout: str, name: str) -> str:
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if f"── {name} " in line)
    end = next((i for i in range(start + 1, len(lines)) if "── " in lines[i]), len(lines))
    return "\n".join(lines[start:end])


@pytest.fixture(scope="module")
def trust_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trust")
    script = folder / "trust.py"
    script.write_text(SCRIPT)
    done = run_benchit(script, "-d", folder / "cache", "--runtime", "torch-eager", "ort",
                       "--prompt-lengths", "4096", *FAST)
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    return done


@pytest.mark.slow
def test_tokens_of_a_bfloat16_autocast_generation_are_labelled_with_both_precisions(trust_run):
    block = model_block(trust_run.stdout, "llama")
    assert "bfloat16 autocast" in block  # the Generation line says what the script ran
    for runtime in ("torch-eager", "ort"):
        assert (f"Tokens differ from the script's (script ran bfloat16 autocast, {runtime} ran fp32): "
                "tokens differ from position 0") in " ".join(block.split()), block
    assert "MISMATCH" not in block and "Mismatches" not in trust_run.stdout, trust_run.stdout


@pytest.mark.slow
def test_num_return_sequences_is_the_batch_on_torch_eager(trust_run):
    block = model_block(trust_run.stdout, "gpt2")
    assert "generations of 4 tokens, batch 3, prompt 6" in block, block
    assert "Tokens match the script's own (4 new tokens x batch 3)" in block, block


@pytest.mark.slow
def test_sizes_benchit_cannot_make_are_one_line_each(trust_run):
    out = " ".join((trust_run.stdout + trust_run.stderr).split())
    assert "IndexError" not in out, out
    for name in ("llama", "gpt2"):
        assert (f"{name}: prompt length 4096 exceeds the model's max_position_embeddings/n_positions 64; "
                "choose prompt length + new tokens <= 64") in out, out
    assert ("looped: --prompt-lengths/--new-tokens/--batch-sizes not applied: its generation is a hand-written "
            "decode loop") in out, out


@pytest.mark.slow
def test_a_converted_build_of_an_unexportable_generation_is_not_supported_on_ort(tmp_path):
    script = tmp_path / "beam.py"
    script.write_text(BEAM)
    done = run_benchit(script, "-d", tmp_path / "cache", "--runtime", "ort", "--quantize", "int8", *FAST)
    out = " ".join(done.stdout.split())
    assert "not supported on ort: beam search is not run on ONNX runtimes yet" in out, done.stdout + done.stderr
    assert "convert generation failed" not in out and "convert_generation" not in out, done.stdout


def test_script_precision_names_autocast_or_the_parameters_dtype():
    model = torch.nn.Linear(4, 4)
    assert script_precision(model) == "float32"
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert script_precision(model) == "bfloat16 autocast"
    assert script_precision(model.to(torch.bfloat16)) == "bfloat16"


def test_max_positions_reads_the_models_config():
    from transformers import GPT2Config, GPT2LMHeadModel

    model = GPT2LMHeadModel(GPT2Config(vocab_size=16, n_positions=32, n_embd=8, n_layer=1, n_head=2))
    assert max_positions(model) == 32
    assert max_positions(torch.nn.Linear(2, 2)) is None
