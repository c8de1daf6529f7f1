"""Generative models (issue 19): benchit never changes what a script computes (§1), a generate()
is one model benchmarked with TTFT/TPOT/tokens-per-s (§2, §3), copies and scenario declarations.

Real tiny transformers models built from configs (no weights, offline). The scripts mark their own
results with ``OUT:`` so that they can be compared with what the same script prints under plain
``python``. One benchit run per family, shared by several tests (module-scoped fixtures).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import textwrap

import pytest
import torch
import yaml

from conftest import FAST, run_benchit
from mlagility.analysis.copies import fresh_copy
from mlagility.common.exceptions import UsageError
from mlagility.scenarios.base import (HEADER_FIELDS, Metric, Scenario, all_metrics, metric_names, register,
                                      scenario, scenarios)

# §1: each case of the kind "a call benchit repeats changes the script's objects"
SAME_SCRIPT = """
import torch
from transformers import (GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM, StaticCache,
                          T5Config, T5ForConditionalGeneration)

torch.manual_seed(0)
lm = GPT2LMHeadModel(GPT2Config(n_layer=2, n_head=2, n_embd=64, vocab_size=512, n_positions=128)).eval()
out = lm.generate(torch.randint(0, 512, (1, 8)), max_new_tokens=6, do_sample=False, return_dict_in_generate=True)
print("OUT: gpt2", out.sequences[0].tolist(), out.past_key_values.get_seq_length())

config = LlamaConfig(vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                     num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=64)
llama = LlamaForCausalLM(config).eval()
static = StaticCache(config=config, max_cache_len=32)
ids = llama.generate(torch.randint(0, 256, (1, 8)), max_new_tokens=5, do_sample=False, past_key_values=static)
print("OUT: static", ids[0].tolist(), int(static.get_seq_length()))

t5 = T5ForConditionalGeneration(T5Config(vocab_size=128, d_model=32, d_kv=8, d_ff=64, num_layers=1,
                                         num_decoder_layers=1, num_heads=2, decoder_start_token_id=0)).eval()
out = t5.generate(torch.randint(0, 128, (1, 7)), max_new_tokens=5, do_sample=False, return_dict_in_generate=True)
print("OUT: t5", out.sequences[0].tolist(), out.past_key_values.get_seq_length())

dec = GPT2LMHeadModel(GPT2Config(n_layer=1, n_head=2, n_embd=32, vocab_size=256, n_positions=64)).eval()
step = dec(torch.randint(0, 256, (1, 6)), use_cache=True)
cache, generated = step.past_key_values, []
with torch.no_grad():
    for _ in range(4):
        token = step.logits[:, -1:].argmax(-1)
        generated.append(token.item())
        step = dec(token, past_key_values=cache, use_cache=True)
        cache = step.past_key_values
print("OUT: loop", generated, cache.get_seq_length())


class Appender(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 4)

    def forward(self, x, seen):
        seen.append(x.sum().item())
        return self.fc(x)


app = Appender()
seen = []
for _ in range(3):
    app(torch.ones(2, 4), seen)
print("OUT: list", len(seen), sum(seen))
print("OUT: rng", torch.rand(1).item())
"""

# §2/§3: a greedy generation without a KV cache (the attention mask grows) and a seeded sampling
GEN_SCRIPT = """
import torch
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM


def build():
    return GPT2LMHeadModel(GPT2Config(n_layer=2, n_head=2, n_embd=64, vocab_size=512, n_positions=128)).eval()


torch.manual_seed(0)
lm = build()
prompt = torch.randint(0, 512, (2, 8))
tokens = lm.generate(prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=7, do_sample=False,
                     use_cache=False, pad_token_id=0)
print("OUT: greedy", tokens.tolist())

sampler = LlamaForCausalLM(LlamaConfig(vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                       num_attention_heads=2, num_key_value_heads=1,
                                       max_position_embeddings=64)).eval()
torch.manual_seed(1234)
sampled = sampler.generate(torch.randint(0, 256, (1, 5)), max_new_tokens=6, do_sample=True, top_k=50)
print("OUT: sampled", sampled.tolist())
print("OUT: rng after", torch.rand(1).item())
"""

GENERATED = ["TTFT", "TPOT"]


def script_lines(output: str) -> list[str]:
    """The script's own results among benchit's output."""
    return [line for line in output.splitlines() if line.startswith("OUT:")]


def write(tmp_path_factory, name: str, source: str):
    path = tmp_path_factory.mktemp(name.removesuffix(".py")) / name
    path.write_text(textwrap.dedent(source))
    return path


def run_python(script) -> list[str]:
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    lines = script_lines(done.stdout)
    assert lines, done.stdout
    return lines


def no_crash(done) -> None:
    """benchit itself never crashed: failures are outcome lines, not tracebacks."""
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    assert done.returncode in (0, 1), done.stdout + done.stderr


# -- §1: benchit never changes what a script computes ---------------------------------------------

@pytest.fixture(scope="module")
def same_script(tmp_path_factory):
    script = write(tmp_path_factory, "same.py", SAME_SCRIPT)
    return script, run_python(script)


@pytest.mark.slow
@pytest.mark.parametrize("mode", [
    ["--runtime", "torch-eager", "ort"],  # reference run, export trace, warm-up and timed calls
    ["--analyze-only"],
    ["--runtime", "torch-eager", "ort", "--build-only"],
    ["--runtime", "torch-eager", "--process-isolation"],  # the script's output goes to its log
], ids=["benchmark", "analyze-only", "build-only", "isolated"])
def test_benchit_never_changes_what_the_script_computes(same_script, mode, tmp_path):
    script, expected = same_script
    # python's own results: the cache lengths say no call was added to them
    assert [line.split()[1] for line in expected] == ["gpt2", "static", "t5", "loop", "list", "rng"]
    assert expected[0].endswith(" 13") and expected[3].endswith(" 10") and expected[4].startswith("OUT: list 3 ")
    done = run_benchit(script, "-d", tmp_path / "cache", *mode, *FAST)
    no_crash(done)
    if "--process-isolation" in mode:
        [log] = (tmp_path / "cache" / "_logs").glob("same_*.log")
        assert script_lines(log.read_text()) == expected, log.read_text()
    else:
        assert script_lines(done.stdout) == expected, done.stdout + done.stderr
    # each generate() is shown as one (the isolated child's results keep their generation)
    assert done.stdout.count("Generation:") == 4, done.stdout  # 3 generate() calls and the decode loop
    if "--runtime" in mode and "--build-only" not in mode:  # the generations were benchmarked (a StaticCache of 32 never overflows)
        # 4 on torch-eager, and on ort (issue 21) gpt2's and T5's greedy generate(), the StaticCache
        # generation and the decode loop
        with_ort = "ort" in mode
        assert done.stdout.count("Tokens match the script's own") == (8 if with_ort else 4), done.stdout
        assert "not supported on ort" not in done.stdout, done.stdout
        assert "StaticCache" in done.stdout and "EncoderDecoderCache" in done.stdout


# -- §2/§3: a generation discovered as one model, benchmarked with its metrics --------------------

@pytest.fixture(scope="module")
def generation_run(tmp_path_factory):
    script = write(tmp_path_factory, "gen.py", GEN_SCRIPT)
    expected = run_python(script)
    cache = script.parent / "cache"
    done = run_benchit(script, "-d", cache, "--runtime", "torch-eager", "ort", *FAST)
    report = run_benchit("cache", "report", "-d", cache, "-r", script.parent / "report")
    assert report.returncode == 0, report.stdout + report.stderr
    [csv_path] = (script.parent / "report").glob("*.csv")
    rows = list(csv.DictReader(csv_path.open()))
    return expected, done, rows, cache


def model_block(stdout: str, name: str) -> str:
    """The tree's lines of one model (from its line to the next model's)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if f"── {name} " in line)
    end = next((i for i in range(start + 1, len(lines)) if "── " in lines[i] and lines[i].lstrip("│ ")[:1] in "├└"),
               len(lines))
    return "\n".join(lines[start:end])


@pytest.mark.slow
def test_generate_is_one_model_named_by_the_script(generation_run):
    expected, done, rows, cache = generation_run
    no_crash(done)
    out = done.stdout
    assert "── self " not in out and "── lm (executed 1x)" in out and "── sampler (executed 1x)" in out
    assert "Invocation" not in out  # one invocation per generate(), none per token (use_cache=False too)
    lm = model_block(out, "lm")
    assert ("Generation:   batch 2, prompt 8 tokens, 7 new tokens, greedy, no KV cache (use_cache=False), "
            "7 model calls") in lm
    sampler = model_block(out, "sampler")
    assert "Generation:   batch 1, prompt 5 tokens, 6 new tokens, sampling, DynamicCache, 6 model calls" in sampler
    # one build per model and prompt shape
    assert len({row["build_name"] for row in rows}) == 2


@pytest.mark.slow
def test_generation_metrics_and_token_check_in_the_tree(generation_run):
    _, done, _, _ = generation_run
    for name, new_tokens in (("lm", 7), ("sampler", 6)):
        block = model_block(done.stdout, name)
        assert "Successfully benchmarked on" in block and "torch-eager" in block
        assert "TTFT:" in block and "TPOT:" in block and "e2e:" in block, block
        assert f"generations of {new_tokens} tokens" in block and "Output:" in block and "Prefill:" in block
        assert "Tokens match the script's own" in block and "MISMATCH" not in block
        # ort runs generate() calls with a KV cache, greedy or seeded sampling (issue 21); one without
        # a cache is an outcome line
        if name == "lm":
            reason = "the generation runs without a KV cache (use_cache=False)"
            assert f"not supported on ort: {reason}" in block, block
        else:
            # (the last model's block runs to the summary, which lists lm's outcome)
            assert "Successfully benchmarked on" in block and "(ort v" in block, block
            assert block.count("Tokens match the script's own") == 2 and "greedy only" not in block, block


@pytest.mark.slow
def test_seeded_sampling_and_the_scripts_rng_are_untouched(generation_run):
    expected, done, _, _ = generation_run
    assert [line.split()[1] for line in expected] == ["greedy", "sampled", "rng"]
    assert script_lines(done.stdout) == expected, done.stdout + done.stderr


@pytest.mark.slow
def test_generation_columns_in_the_cache_report(generation_run):
    _, _, rows, cache = generation_run
    eager = {row["build_name"]: row for row in rows if row["runtime"] == "torch-eager"}
    assert len(eager) == 2
    sizes = {(float(r["batch_size"]), float(r["prompt_tokens"]), float(r["new_tokens"])) for r in eager.values()}
    assert sizes == {(2, 8, 7), (1, 5, 6)}
    for row in eager.values():
        assert row["scenario"] == "generation" and row["status"] == "built" and row["check_ok"] == "True"
        for column in ("ttft_ms", "tpot_ms", "e2e_ms", "output_tokens_per_s", "prefill_tokens_per_s"):
            assert float(row[column]) > 0, (column, row)
        assert row["median_ms"] == ""  # an inference metric: not this scenario's
    ort = {float(row["batch_size"]) if row["batch_size"] else None: row for row in rows if row["runtime"] == "ort"}
    assert len(ort) == 2
    # gpt2's generate() without a KV cache (use_cache=False) is a refusal, not a failure ...
    [refused] = [row for row in ort.values() if row["status"] == "not supported"]
    assert refused["failed_stage"] == "" and refused["scenario"] == "generation"
    assert refused["error"].startswith("not supported on ort: the generation runs without a KV cache")
    # ... and the seeded sampling runs on ort with the script's tokens (issue 21)
    [sampled] = [row for row in ort.values() if row["status"] != "not supported"]
    assert sampled["status"] == "built" and sampled["check_ok"] == "True" and float(sampled["tpot_ms"]) > 0, sampled
    # every TPOT sample at a known past length: prompt 8, decode steps 1..6 -> past 8..13
    [lm_build] = [name for name, row in eager.items() if float(row["batch_size"]) == 2]
    state = yaml.safe_load((cache / lm_build / "mlagility_build.yaml").read_text())
    by_past = state["benchmarks"]["x86/torch-eager"]["details"]["tpot_ms_by_past_length"]
    assert sorted(map(int, by_past)) == list(range(8, 14))


# -- units: copies --------------------------------------------------------------------------------

def test_fresh_copy_copies_caches_and_containers_shares_modules_clones_tensors():
    from transformers import DynamicCache

    cache = DynamicCache()
    cache.update(torch.ones(1, 2, 3, 4), torch.ones(1, 2, 3, 4), 0)
    module = torch.nn.Linear(2, 2)
    with torch.inference_mode():
        frozen = torch.ones(3)
    original = {"cache": cache, "module": module, "x": frozen, "seen": [torch.zeros(2)], "pair": (module, 1)}
    copied = fresh_copy(original)
    assert copied["module"] is module and copied["pair"][0] is module  # a model is never copied
    assert copied["cache"] is not cache and type(copied["cache"]) is DynamicCache
    copied["cache"].update(torch.ones(1, 2, 1, 4), torch.ones(1, 2, 1, 4), 0)
    assert (cache.get_seq_length(), copied["cache"].get_seq_length()) == (3, 4)  # the script's cache untouched
    assert copied["x"] is not frozen and not copied["x"].is_inference() and torch.equal(copied["x"], frozen)
    copied["x"].add_(1)
    assert torch.equal(frozen, torch.ones(3))  # no shared storage
    copied["seen"].append(1)
    assert len(original["seen"]) == 1 and copied["seen"][0] is not original["seen"][0]


# -- units: scenario declarations -----------------------------------------------------------------

def test_generation_scenario_declares_its_metrics_once():
    generation = scenario("generation")
    names = [m.name for m in generation.metrics]
    for wanted in ("ttft_ms", "tpot_ms", "e2e_ms", "output_tokens_per_s", "prefill_tokens_per_s", "prompt_tokens",
                   "new_tokens", "batch_size", "kv_cache_mib"):
        assert wanted in names
    assert generation.primary == "tpot_ms" and generation.throughput == "output_tokens_per_s"
    assert generation.metric("tpot_ms").lower_is_better is True
    assert generation.metric("output_tokens_per_s").lower_is_better is False
    assert generation.metric("new_tokens").compared is False  # a size, never compared
    assert all(m.name.endswith(("_ms", "_per_s", "_mib")) == bool(m.unit) for m in generation.metrics)
    everything = all_metrics()
    assert len({m.name for m in everything}) == len(everything) == len(metric_names())
    assert set(names) <= set(metric_names()) and "median_ms" in metric_names()  # inference's too
    assert not {m.name for m in everything} & HEADER_FIELDS
    assert set(scenarios()) >= {"inference", "generation"}


def test_register_rejects_clashing_or_duplicate_metrics_and_unknown_scenarios():
    def declared(name, *metrics):
        return type("Probe", (Scenario,), {"name": name, "metrics": metrics, "primary": metrics[0].name,
                                           "throughput": metrics[0].name, "whole_call": metrics[0].name})

    ok = Metric("probe_ms", "ms", "probe ms", True)
    with pytest.raises(TypeError, match="clash with the result header"):
        register(declared("probe-header", ok, Metric("runtime", "", "runtime", None)))
    with pytest.raises(TypeError, match="declares a metric twice"):
        register(declared("probe-twice", ok, ok))
    with pytest.raises(TypeError, match="is not one of its metrics"):
        register(type("Probe", (Scenario,), {"name": "probe-primary", "metrics": (ok,), "primary": "nope_ms",
                                             "throughput": "probe_ms", "whole_call": "probe_ms"}))
    assert not {"probe-header", "probe-twice", "probe-primary"} & set(scenarios())  # nothing half-registered
    with pytest.raises(UsageError, match=r"unknown scenario 'nope' \(known: .*generation.*inference"):
        scenario("nope")


@pytest.mark.slow
def test_generation_at_other_sizes_llama_bench_style(tmp_path):
    """--prompt-lengths / --new-tokens / --batch-sizes: the same model at synthetic sizes, each a
    result of its own with exactly N new tokens, checked against eager generate(); a bad size is
    one line, exit 2."""
    script = tmp_path / "sizes.py"
    script.write_text(
        "import torch\nfrom transformers import GPT2Config, GPT2LMHeadModel\n"
        "torch.manual_seed(0)\n"
        "lm = GPT2LMHeadModel(GPT2Config(n_layer=1, n_head=2, n_embd=32, vocab_size=128, n_positions=64)).eval()\n"
        "out = lm.generate(torch.randint(0, 128, (1, 6)), max_new_tokens=3, do_sample=False, pad_token_id=0)\n"
        "print('OUT:', out[0].tolist())\n")
    cache = tmp_path / "cache"
    done = run_benchit(script, "--runtime", "torch-eager", *FAST, "-d", cache, "--prompt-lengths", "10",
                       "--new-tokens", "5", "--batch-sizes", "1", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    for batch in (1, 2):
        assert f"Generation:   batch {batch}, prompt 10 tokens, 5 new tokens" in out, out
    assert "Tokens match the script's own (3 new tokens)" in out
    assert "Tokens match PyTorch eager's generate() (5 new tokens x batch 2)" in out and "MISMATCH" not in out
    assert "3 invocations" in out
    bad = run_benchit(script, "--runtime", "torch-eager", "-d", cache, "--new-tokens", "0")
    assert bad.returncode == 2 and "--new-tokens must be at least 1" in bad.stderr and "Traceback" not in bad.stderr


def test_fresh_copy_of_tensors_autograd_made():
    """A sub-model's input made by the layer before it (not a leaf: it has a grad_fn) is copied,
    detached; copy.deepcopy alone refuses it."""
    layer = torch.nn.Linear(2, 2)
    made = layer(torch.ones(1, 2))
    assert made.grad_fn is not None
    (copied,), _ = fresh_copy(((made,), {}))
    assert copied.grad_fn is None and torch.equal(copied, made.detach()) and copied is not made
