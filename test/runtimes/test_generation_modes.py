"""Generation modes on the ONNX runtimes (issue 21): a StaticCache generation, seeded sampling
(temperature / top-k, top-p with a repetition penalty) and hand-written decode loops (greedy, and
sampling with the script's own generator) run by ort and openvino on the exported prefill and decode
graphs, tokens checked against the script's own; the script's output unchanged.

Real tiny transformers models built from configs (offline); one benchit run shared by the slow
tests (module-scoped fixture). The quick test runs the token picker on its own.
"""

from __future__ import annotations


import pytest

from conftest import python_then_benchit, script_lines

SCRIPT = """
import torch
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

def llama():
    return LlamaForCausalLM(LlamaConfig(vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                        num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=64,
                                        pad_token_id=0, bos_token_id=1, eos_token_id=2)).eval()

torch.manual_seed(0)
static = llama()
ids = torch.randint(3, 128, (1, 6))
out = static.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=5, do_sample=False,
                      cache_implementation="static")
print("OUT: static", out[:, 6:].tolist())

sampler = llama()
torch.manual_seed(42)
out = sampler.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=6, do_sample=True, temperature=0.8,
                       top_k=20)
print("OUT: sampler", out[:, 6:].tolist())

nucleus = GPT2LMHeadModel(GPT2Config(n_layer=2, n_head=2, n_embd=32, vocab_size=128, n_positions=64)).eval()
torch.manual_seed(3)
out = nucleus.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=6, do_sample=True, top_p=0.9,
                       top_k=0, repetition_penalty=1.3, pad_token_id=0)
print("OUT: nucleus", out[:, 6:].tolist())

looped = llama()
cache, step, new = None, ids, []
with torch.no_grad():
    for _ in range(5):
        result = looped(input_ids=step, past_key_values=cache, use_cache=True)
        cache = result.past_key_values
        step = result.logits[:, -1].argmax(-1, keepdim=True)
        new.append(step)
print("OUT: looped", torch.cat(new, dim=1).tolist())

drawn = llama()
rng = torch.Generator().manual_seed(7)
cache, step, new = None, ids, []
with torch.no_grad():
    for _ in range(5):
        result = drawn(input_ids=step, past_key_values=cache, use_cache=True)
        cache = result.past_key_values
        step = torch.multinomial(torch.softmax(result.logits[:, -1] / 0.7, -1), 1, generator=rng)
        new.append(step)
print("OUT: drawn", torch.cat(new, dim=1).tolist())
"""

MODELS = ("static", "sampler", "nucleus", "looped", "drawn")
RUNTIMES = ("ort", "openvino")


@pytest.fixture(scope="module")
def modes(tmp_path_factory):
    expected, done, states = python_then_benchit(tmp_path_factory.mktemp("generation_modes"), "gen_modes.py", SCRIPT, RUNTIMES)
    return expected, done, {state["source"]["model_name"]: state for state in states}


@pytest.mark.slow
def test_the_script_output_is_unchanged_under_benchit(modes):
    expected, done, states = modes
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    assert [line.split()[1] for line in expected] == list(MODELS)
    assert script_lines(done.stdout) == expected, done.stdout + done.stderr
    assert set(MODELS) <= set(states), sorted(states)


@pytest.mark.slow
@pytest.mark.parametrize("model", MODELS)
def test_tokens_match_the_script_on_ort_and_openvino(modes, model):
    _, _, states = modes
    for runtime in RUNTIMES:
        entry = states[model]["benchmarks"][f"x86/{runtime}"]
        assert entry["status"] == "benchmarked", (runtime, entry)
        assert entry["check"]["kind"] == "tokens" and entry["check"]["ok"] is True, (runtime, entry["check"])
        assert entry["new_tokens"] == {"sampler": 6, "nucleus": 6}.get(model, 5)


@pytest.mark.slow
def test_details_say_what_ran(modes):
    _, _, states = modes
    details = {model: states[model]["benchmarks"]["x86/ort"]["details"] for model in MODELS}
    assert details["static"]["cache"] == "KV cache as graph inputs/outputs (script: StaticCache)"
    assert details["static"]["decoding"].startswith("greedy")
    assert details["looped"]["cache"] == "KV cache as graph inputs/outputs (script: DynamicCache)"
    assert details["sampler"]["decoding"].startswith("sampling (temperature=0.8, top_k=20")
    assert "repetition_penalty=1.3" in details["nucleus"]["decoding"]
    for model in ("looped", "drawn"):
        assert details[model]["decoding"].startswith("teacher forcing")
    manifest = states["sampler"]["generation"]
    assert "unsupported" not in manifest and manifest["exporter"]


def test_the_token_picker_samples_what_transformers_would(tmp_path):
    """Quick: the picker's processors (from a saved generation config) and its draws (from a saved
    RNG state) give what transformers' processors and torch.multinomial give on the same logits;
    greedy pads after the end-of-sequence token; teacher forcing feeds the loop's tokens."""
    import numpy as np
    import torch
    from transformers import GenerationConfig
    from transformers.generation.logits_process import (LogitsProcessorList, RepetitionPenaltyLogitsProcessor,
                                                        TemperatureLogitsWarper, TopKLogitsWarper)

    from mlagility.runtimes.generation_graphs import GenerationGraphs

    prompt = np.array([[5, 6, 7], [8, 9, 10]], dtype=np.int64)
    config = GenerationConfig(do_sample=True, temperature=0.7, top_k=5, repetition_penalty=1.5, eos_token_id=2,
                              pad_token_id=0).to_dict()
    torch.manual_seed(11)
    state = torch.get_rng_state()

    def graphs(picker, **extra):
        return GenerationGraphs(tmp_path / "p.onnx", tmp_path / "d.onnx", [], [], [], [], [], prompt,
                                np.ones_like(prompt), 4, picker, decoding={"picker": picker, "generation_config": config},
                                **extra)

    logits = [np.random.default_rng(step).standard_normal((2, 16)).astype(np.float32) for step in range(4)]
    pick = graphs("sampling", rng_state=state.numpy()).picker()
    pick.start()
    fed = [pick(row) for row in logits]
    assert (pick.tokens() == np.stack(fed, -1)).all()

    processors = LogitsProcessorList([RepetitionPenaltyLogitsProcessor(1.5), TemperatureLogitsWarper(0.7),
                                      TopKLogitsWarper(5)])
    torch.set_rng_state(state)
    sequence, unfinished, expected = torch.from_numpy(prompt), torch.ones(2, dtype=torch.long), []
    for row in logits:
        scores = processors(sequence, torch.from_numpy(row))
        token = torch.multinomial(torch.softmax(scores, -1), 1).squeeze(1)
        token = token * unfinished + 0 * (1 - unfinished)
        unfinished = unfinished & (token != 2).long()
        sequence = torch.cat([sequence, token[:, None]], -1)
        expected.append(token)
    assert pick.tokens().tolist() == torch.stack(expected, -1).tolist()
    pick.start()  # each generation draws the same numbers again
    assert np.stack([pick(row) for row in logits], -1).tolist() == pick.tokens().tolist()

    config.update(do_sample=False, temperature=1.0, top_k=None, repetition_penalty=1.0)
    eos_first = [np.eye(16, dtype=np.float32)[[2, 4]] * 9, np.eye(16, dtype=np.float32)[[5, 2]] * 9]
    pick = graphs("greedy").picker()
    pick.start()
    assert [pick(row).tolist() for row in eos_first] == [[2, 4], [0, 2]]  # pad after a sequence's EOS

    pick = graphs("teacher forcing", forced_tokens=np.array([[3, 4, 5], [6, 7, 8]])).picker()
    pick.start()
    assert [pick(row).tolist() for row in logits[:2]] == [[3, 6], [4, 7]]
    assert pick.tokens().tolist() == np.stack([logits[0].argmax(-1), logits[1].argmax(-1)], -1).tolist()


def test_what_the_build_saves_for_the_picker_and_what_it_refuses(tmp_path):
    """Quick (no export): the decoding a generate() call's build saves (the script's effective
    generation config, torch's RNG state for sampling), a decode loop's own step tokens, and the
    settings the ONNX runtimes do not run, each a one-line outcome recorded by the stage."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from mlagility.analysis.generation import DecodeLoopCall, GenerationCall, GenerationInfo
    from mlagility.builds.generation_export import ExportGeneration, decoding_of, unsupported_reason
    from mlagility.builds.options import BuildOptions
    from mlagility.builds.stage import BuildContext
    from mlagility.builds.state import BuildState

    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                         num_attention_heads=2, num_key_value_heads=1, eos_token_id=2)).eval()
    ids = torch.randint(3, 64, (1, 4))
    state = torch.get_rng_state()

    def context(call):
        return BuildContext(dir=tmp_path, state=BuildState("gen_00000000", options={"scenario": "generation"}),
                            options=BuildOptions(), model=model, generation=call)

    def generation(mode="sampling", **kwargs):
        call = GenerationCall(model, (ids,), {"max_new_tokens": 3, **kwargs}, state)
        call.info = GenerationInfo(1, 4, 3, mode, "StaticCache", True, 3)
        return call

    ctx = context(generation(do_sample=True, top_p=0.8, temperature=0.6))
    assert unsupported_reason(ctx) is None
    decoding, arrays = decoding_of(ctx)
    assert decoding["picker"] == "sampling" and decoding["script_cache"] == "StaticCache"
    assert decoding["generation_config"]["top_p"] == 0.8 and decoding["generation_config"]["eos_token_id"] == 2
    assert arrays["rng_state"].dtype.name == "uint8" and (arrays["rng_state"] == state.numpy()).all()
    assert decoding_of(context(generation("greedy", do_sample=False)))[0]["picker"] == "greedy"

    loop = DecodeLoopCall((ids,), {}, "past_key_values", steps=[((torch.tensor([[5]]),), {}), ((), {"input_ids": torch.tensor([[9]])})])
    loop.info = GenerationInfo(1, 4, 3, "decode loop", "DynamicCache", True, 3)
    assert unsupported_reason(context(loop)) is None
    decoding, arrays = decoding_of(context(loop))
    assert decoding["picker"] == "teacher forcing" and arrays["forced_tokens"].tolist() == [[5, 9]]
    loop.steps.append(((torch.tensor([[1, 2]]),), {}))
    assert unsupported_reason(context(loop)) == "a decode step of the loop is not one token id per sequence (input (1, 2))"

    assert unsupported_reason(context(generation("beam search (2 beams)", num_beams=2))).startswith("beam search")
    for kwargs, reason in (({"guidance_scale": 1.5}, "guidance_scale=1.5 runs the model again for each token"),
                           ({"num_return_sequences": 2, "do_sample": True}, "num_return_sequences=2")):
        ctx = context(generation(**kwargs))
        ExportGeneration().run(ctx)
        assert ctx.state.generation == {
            "unsupported": f"the generation's decoding settings are not run on the ONNX runtimes: {reason}"}
