"""Encoder-decoder generation on the ONNX runtimes (issue 21 §1, §2): a T5 (text encoder) and a
Whisper (audio encoder) generate() exported as an encoder, a first decoder step and a decoder with
past, run by ort and openvino with greedy decoding; tokens checked against the script's own.

Real tiny transformers models built from configs (offline); one benchit run shared by the slow
tests (module-scoped fixture, ~1 min). The quick tests check generate()'s token rules as the loop
applies them.
"""

from __future__ import annotations


import numpy as np
import pytest

from conftest import python_then_benchit, script_lines

SCRIPT = """
import torch
from transformers import T5Config, T5ForConditionalGeneration, WhisperConfig, WhisperForConditionalGeneration

torch.manual_seed(0)
t5 = T5ForConditionalGeneration(T5Config(vocab_size=128, d_model=32, d_kv=8, d_ff=64, num_layers=2,
                                         num_decoder_layers=2, num_heads=2, decoder_start_token_id=0,
                                         pad_token_id=0, eos_token_id=1)).eval()
ids = torch.randint(2, 128, (2, 7))
out = t5.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=6, do_sample=False)
print("OUT: t5", out.tolist())

whisper = WhisperForConditionalGeneration(WhisperConfig(
    vocab_size=100, num_mel_bins=16, d_model=32, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
    decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64, max_source_positions=50,
    max_target_positions=32, pad_token_id=99, bos_token_id=98, eos_token_id=99, decoder_start_token_id=98,
    suppress_tokens=[5, 6], begin_suppress_tokens=[7])).eval()
features = torch.randn(1, 16, 100)
out = whisper.generate(features, max_new_tokens=5)
print("OUT: whisper", out.tolist())
"""

RUNTIMES = ("ort", "openvino")


@pytest.fixture(scope="module")
def encoder_decoder(tmp_path_factory):
    expected, done, states = python_then_benchit(tmp_path_factory.mktemp("generation_encdec"), "gen_encdec.py", SCRIPT, RUNTIMES)
    return expected, done, {state["source"]["model_name"]: state for state in states}


@pytest.mark.slow
def test_script_output_is_identical_under_benchit(encoder_decoder):
    expected, done, _ = encoder_decoder
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    assert [line.split()[1] for line in expected] == ["t5", "whisper"]
    assert script_lines(done.stdout) == expected, done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("model, new_tokens", [("t5", 6), ("whisper", 5)])
def test_encoder_decoder_tokens_match_on_ort_and_openvino_with_metrics(encoder_decoder, model, new_tokens):
    _, _, states = encoder_decoder
    results = states[model]["benchmarks"]
    for runtime in RUNTIMES:
        entry = results[f"x86/{runtime}"]
        assert entry["status"] == "benchmarked", (runtime, entry)
        assert entry["scenario"] == "generation"
        assert entry["check"]["kind"] == "tokens" and entry["check"]["ok"] is True, (runtime, entry["check"])
        assert entry["ttft_ms"] > 0 and entry["tpot_ms"] > 0 and entry["kv_cache_mib"] > 0, entry
        assert entry["new_tokens"] == new_tokens
        artifact = entry["artifact"]
        assert artifact["file"] == "generation.json" and artifact["precision"] == "fp32"
        assert artifact["graphs"] == {"encoder": "encoder.onnx", "prefill": "prefill.onnx", "decode": "decode.onnx"}


@pytest.mark.slow
@pytest.mark.parametrize("model, encoder_inputs, layers", [("t5", ["input_ids", "attention_mask"], 2),
                                                           ("whisper", ["input_features"], 1)])
def test_the_build_records_three_graphs_and_both_caches(encoder_decoder, model, encoder_inputs, layers):
    _, _, states = encoder_decoder
    state = states[model]
    generation = state["generation"]
    assert state["exporter"] == generation["exporter"] == "torch.onnx dynamo (EncoderDecoderCache)"
    assert "transformers.exporters" in state["exporter_notes"]
    graphs = generation["graphs"]
    assert list(graphs) == ["encoder", "prefill", "decode"]
    assert graphs["encoder"]["inputs"] == encoder_inputs and graphs["encoder"]["outputs"] == ["encoder_hidden_states"]
    prefill, decode = graphs["prefill"], graphs["decode"]
    assert len(prefill["cache_outputs"]) == len(prefill["cross_cache_outputs"]) == 2 * layers
    assert prefill["cache_inputs"] == prefill["cross_cache_inputs"] == []
    assert decode["cache_inputs"] == [n.replace("present", "past_key_values") for n in prefill["cache_outputs"]]
    assert decode["cross_cache_inputs"] == [n.replace("present", "past_key_values")
                                            for n in prefill["cross_cache_outputs"]]
    assert decode["cross_cache_outputs"] == [] and len(decode["cache_outputs"]) == 2 * layers
    for graph in graphs.values():
        assert graph["bytes"] > 1_000 and graph["precision"] == "fp32" and graph["opset"] == state["opset"]
    for name in ("encoder", "prefill", "decode"):
        assert state["artifacts"][f"generation_{name}"] == f"{name}.onnx"


def rules(**given) -> dict:
    base = {"decoder_input_ids": [[0], [0]], "max_new_tokens": 4, "min_new_tokens": 0, "suppress_tokens": [],
            "begin_suppress_tokens": [], "forced_bos_token_id": None, "forced_eos_token_id": None,
            "eos_token_id": [1], "pad_token_id": 0}
    return {**base, **given}


def picker(**given):
    from mlagility.runtimes.generation_graphs import EncoderDecoderGraphs

    return EncoderDecoderGraphs(*([None] * 3), *([[]] * 8), prompt={}, rules=rules(**given), new_tokens=4,
                                mode="greedy")


def test_token_rules_suppress_force_and_pad_finished_rows_as_generate_does():
    logits = np.array([[0.0, 5.0, 1.0, 4.0, 3.0], [0.0, 1.0, 2.0, 3.0, 4.0]], dtype=np.float32)
    finished = np.zeros(2, dtype=bool)
    graphs = picker(suppress_tokens=[4], begin_suppress_tokens=[3])
    # first new token: 4 suppressed always, 3 at the beginning; row 0 picks eos (1) and is finished
    assert graphs.pick(logits, 0, finished).tolist() == [1, 2] and finished.tolist() == [True, False]
    # a finished row continues with the pad token
    assert graphs.pick(logits, 1, finished).tolist() == [0, 3]
    # min_new_tokens: eos suppressed; forced eos at the last token of max_new_tokens
    assert picker(min_new_tokens=2).pick(logits, 0, np.zeros(2, dtype=bool)).tolist() == [3, 4]
    assert picker(forced_eos_token_id=1).pick(logits, 3, np.zeros(2, dtype=bool)).tolist() == [1, 1]
    assert picker(forced_bos_token_id=2).pick(logits, 0, np.zeros(2, dtype=bool)).tolist() == [2, 2]


def test_generate_settings_the_loop_does_not_run_are_named():
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    from mlagility.analysis.generation import GenerationCall
    from mlagility.builds.encoder_decoder_export import logits_rules, unsupported_reason

    model = T5ForConditionalGeneration(T5Config(vocab_size=32, d_model=8, d_kv=4, d_ff=8, num_layers=1,
                                                num_heads=2, decoder_start_token_id=0, eos_token_id=1))
    ids = torch.ones(1, 3, dtype=torch.long)
    call = GenerationCall(model, (ids,), {"max_new_tokens": 5, "min_new_tokens": 2}, None)
    found = logits_rules(model, call)
    assert found["decoder_input_ids"] == [[0]] and found["max_new_tokens"] == 5 and found["min_new_tokens"] == 2
    assert found["eos_token_id"] == [1] and unsupported_reason(model, call) is None
    penalized = GenerationCall(model, (ids,), {"max_new_tokens": 5, "repetition_penalty": 1.3}, None)
    assert unsupported_reason(model, penalized) == (
        "the generate() setting repetition_penalty=1.3 is not run by the ONNX loop")
