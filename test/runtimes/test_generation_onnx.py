"""Generation on the ONNX runtimes (issue 21 §1, §2): a generate() exported with its KV cache as a
prefill and a decode graph, run by ort and openvino with greedy decoding, tokens checked against
the script's own.

Real tiny transformers models built from configs (offline); one benchit run shared by the tests
(module-scoped fixture). Exports take ~20 s a model: the run is slow-marked.
"""

from __future__ import annotations

import re

import pytest

from conftest import python_then_benchit, script_lines

SCRIPT = """
import torch
from transformers import (GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM, T5Config,
                          T5ForConditionalGeneration)

torch.manual_seed(0)
gpt2 = GPT2LMHeadModel(GPT2Config(n_layer=2, n_head=2, n_embd=64, vocab_size=512, n_positions=128)).eval()
prompt = torch.randint(0, 512, (1, 8))
out = gpt2.generate(prompt, attention_mask=torch.ones_like(prompt), max_new_tokens=6, do_sample=False, pad_token_id=0)
print("OUT: gpt2", out.tolist())

llama = LlamaForCausalLM(LlamaConfig(vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                                     num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128)).eval()
ids = torch.randint(0, 256, (1, 10))
out = llama.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=8, do_sample=False, pad_token_id=0)
print("OUT: llama", out.tolist())

torch.manual_seed(7)
sampled = llama.generate(torch.randint(0, 256, (1, 4)), max_new_tokens=5, do_sample=True, pad_token_id=0)
print("OUT: sampled", sampled.tolist())

beam = GPT2LMHeadModel(GPT2Config(n_layer=1, n_head=2, n_embd=32, vocab_size=128, n_positions=64)).eval()
out = beam.generate(torch.randint(0, 128, (1, 5)), max_new_tokens=4, num_beams=2, do_sample=False, pad_token_id=0)
print("OUT: beam", out.tolist())

t5 = T5ForConditionalGeneration(T5Config(vocab_size=128, d_model=32, d_kv=8, d_ff=64, num_layers=1,
                                         num_decoder_layers=1, num_heads=2, decoder_start_token_id=0)).eval()
out = t5.generate(torch.randint(0, 128, (1, 7)), max_new_tokens=5, do_sample=False)
print("OUT: t5", out.tolist())
"""

RUNTIMES = ("ort", "openvino", "torch-eager")


@pytest.fixture(scope="module")
def onnx_generation(tmp_path_factory):
    expected, done, states = python_then_benchit(tmp_path_factory.mktemp("generation_onnx"), "gen_onnx.py", SCRIPT, RUNTIMES)
    return expected, done, {state["source"]["model_name"] + ("-sampled" if "sampling" in str(state["source"]) else ""): state for state in states}


def benchmarks(states, model) -> dict:
    return states[model]["benchmarks"]


@pytest.mark.slow
def test_script_output_is_identical_under_benchit(onnx_generation):
    expected, done, _ = onnx_generation
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    assert [line.split()[1] for line in expected] == ["gpt2", "llama", "sampled", "beam", "t5"]
    assert script_lines(done.stdout) == expected, done.stdout + done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("model", ["gpt2", "llama"])
def test_greedy_tokens_match_on_ort_and_openvino_with_ttft_and_tpot(onnx_generation, model):
    _, done, states = onnx_generation
    results = benchmarks(states, model)
    for runtime in RUNTIMES:
        entry = results[f"x86/{runtime}"]
        assert entry["status"] == "benchmarked", (runtime, entry)
        assert entry["scenario"] == "generation"
        assert entry["check"]["kind"] == "tokens" and entry["check"]["ok"] is True, (runtime, entry["check"])
        assert entry["ttft_ms"] > 0 and entry["tpot_ms"] > 0, entry
        assert entry["new_tokens"] == {"gpt2": 6, "llama": 8}[model]
    # what ran: the two graphs of the build's precision; ort's fused for ORT's CPU provider, and its
    # tokens (checked above) still the script's
    artifact = results["x86/openvino"]["artifact"]
    assert artifact["file"] == "generation.json" and artifact["precision"] == "fp32"
    assert artifact["graphs"] == {"prefill": "prefill.onnx", "decode": "decode.onnx"}
    artifact = results["x86/ort"]["artifact"]
    assert artifact["file"] == "generation-optimized.json" and artifact["precision"] == "fp32"
    assert artifact["graphs"] == {"prefill": "prefill-optimized.onnx", "decode": "decode-optimized.onnx"}
    assert done.stdout.count("prefill.onnx + decode.onnx (generation.json)") >= 2
    assert done.stdout.count("prefill-optimized.onnx + decode-optimized.onnx (generation-optimized.json)") >= 2


@pytest.mark.slow
@pytest.mark.parametrize("model", ["gpt2", "llama"])
def test_the_build_records_exporter_opset_cache_names_and_sizes(onnx_generation, model):
    _, _, states = onnx_generation
    state = states[model]
    assert state["exporter"] == "transformers.exporters" and state["opset"] >= 18
    generation = state["generation"]
    assert generation["exporter"] == "transformers.exporters"
    prefill, decode = generation["graphs"]["prefill"], generation["graphs"]["decode"]
    for graph in (prefill, decode):
        assert graph["exporter"] == "transformers.exporters" and graph["opset"] == state["opset"]
        assert graph["bytes"] > 10_000 and graph["precision"] == "fp32"
    layers = 2
    assert prefill["cache_inputs"] == [] and len(prefill["cache_outputs"]) == 2 * layers
    assert len(decode["cache_inputs"]) == len(decode["cache_outputs"]) == 2 * layers
    assert "input_ids" in decode["inputs"] and decode["outputs"][0] == "logits"
    assert state["artifacts"]["generation"] == "generation.json"
    assert state["artifacts"]["generation_inputs"] == "generation.npz"
    # fused for ORT's CPU provider (what ort runs): fewer nodes, ORT's own ops, noted in ort's details
    optimized = generation["optimized"]
    assert optimized["fused"] is True and state["derived_from"]["generation_optimized"] == "generation"
    for graph in ("prefill", "decode"):
        assert optimized[graph]["nodes_after"] < optimized[graph]["nodes_before"], optimized
    if model == "llama":
        assert optimized["decode"]["fused_ops"]["GroupQueryAttention"] == layers, optimized
    assert "nodes" in state["benchmarks"]["x86/ort"]["details"]["fused"]


@pytest.mark.slow
def test_seeded_sampling_draws_the_script_tokens_on_ort_and_openvino(onnx_generation):
    _, _, states = onnx_generation
    results = benchmarks(states, "llama-sampled")
    for runtime in RUNTIMES:
        entry = results[f"x86/{runtime}"]
        assert entry["status"] == "benchmarked" and entry["check"]["ok"] is True, (runtime, entry)
    assert results["x86/ort"]["details"]["decoding"].startswith("sampling")


@pytest.mark.slow
def test_generations_the_onnx_runtimes_do_not_run_are_clear_outcomes(onnx_generation):
    _, done, states = onnx_generation
    for model, reason in (("beam", "beam search is not run on ONNX runtimes yet (this generation is beam search "
                                   "(2 beams))"),):
        results = benchmarks(states, model)
        for runtime in ("ort", "openvino"):
            entry = results[f"x86/{runtime}"]
            assert entry["status"] == "not supported" and entry["error"] == f"not supported on {runtime}: {reason}", entry
        # the PyTorch runtime still measures it
        assert results["x86/torch-eager"]["status"] == "benchmarked"
        assert states[model]["generation"] == {"unsupported": reason}
    # the tree shows each runtime's outcome (not only the last one), as a refusal, not a failure
    for runtime in ("ort", "openvino"):
        assert re.search(rf"not supported on {runtime}: beam search", done.stdout), done.stdout
    assert "benchmark on ort failed: not supported" not in done.stdout
    # an encoder-decoder runs on them (test_generation_encoder_decoder.py tests it in detail)
    for runtime in ("ort", "openvino"):
        entry = benchmarks(states, "t5")[f"x86/{runtime}"]
        assert entry["status"] == "benchmarked" and entry["check"]["ok"] is True, entry


@pytest.mark.slow
def test_the_dynamo_fallback_exports_graphs_that_decode_the_same_tokens(tmp_path):
    """The second exporter (torch.onnx dynamo with transformers' DynamicCache support) on its own:
    its graphs, run by ort's generation loop, give the model's own greedy tokens."""
    import json

    import numpy as np
    import torch
    import torch.utils._pytree as pytree
    from transformers import DynamicCache, LlamaConfig, LlamaForCausalLM

    from mlagility.analysis.generation import GenerationInfo
    from mlagility.builds import generation_export as ge
    from mlagility.runtimes.base import LoadTarget
    from mlagility.runtimes.ort import OrtOptions, generation_session

    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                         num_attention_heads=2, num_key_value_heads=1,
                                         max_position_embeddings=64)).eval()
    ids = torch.randint(0, 128, (1, 6))
    prompt = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    registered = DynamicCache in pytree.SUPPORTED_NODES
    with ge._clean(model), ge.pytree_registrations():
        ge._export_dynamo(model, prompt, tmp_path, None)
    assert (DynamicCache in pytree.SUPPORTED_NODES) == registered  # torch left as it was found
    info = GenerationInfo(1, 6, 5, "greedy", "DynamicCache", True, 5)
    manifest = ge.describe_graphs(tmp_path, "", info)
    assert manifest["graphs"]["decode"]["cache_inputs"] == ["past.0.key", "past.0.value", "past.1.key", "past.1.value"]
    (tmp_path / ge.MANIFEST_FILE).write_text(json.dumps(manifest))
    np.savez(tmp_path / ge.PROMPT_FILE, **{k: v.numpy() for k, v in prompt.items()})
    session = generation_session(LoadTarget(model_path=tmp_path / ge.MANIFEST_FILE,
                                            inputs_path=tmp_path / ge.PROMPT_FILE), OrtOptions(threads=1))
    stamps = []
    tokens = session.generate(lambda: stamps.append(1))
    expected = model.generate(ids, attention_mask=prompt["attention_mask"], max_new_tokens=5, do_sample=False,
                              pad_token_id=0)[:, 6:]
    assert tokens.tolist() == expected.tolist() and len(stamps) == 5
    # the same graphs fused for ORT's CPU provider (what an fp32 build's ort runs) decode the same tokens
    counts = {name: ge._fuse_for_ort_cpu(tmp_path / f"{name}.onnx", tmp_path / f"{name}-optimized.onnx")
              for name in ge.GRAPHS}
    assert all(after < before for before, after, _ in counts.values()), counts
    (tmp_path / ge.OPTIMIZED_MANIFEST_FILE).write_text(json.dumps(ge.describe_graphs(tmp_path, "-optimized", info)))
    fused = generation_session(LoadTarget(model_path=tmp_path / ge.OPTIMIZED_MANIFEST_FILE,
                                          inputs_path=tmp_path / ge.PROMPT_FILE), OrtOptions(threads=1))
    assert fused.generate(lambda: None).tolist() == expected.tolist(), counts


def test_the_artifact_rule_gives_a_generation_build_its_graphs_or_the_reason(tmp_path):
    """Fast: a generation build names its manifest of the precision asked; one that could not be
    exported is each ONNX runtime's "not supported" outcome with the stage's reason."""
    import json

    from mlagility.builds.artifacts import ArtifactError, artifact_for
    from mlagility.builds.options import BuildOptions
    from mlagility.builds.stage import BuildContext
    from mlagility.builds.state import BuildState
    from mlagility.runtimes.base import ArtifactNeeds

    state = BuildState("gen_0123abcd", options={"scenario": "generation"},
                       generation={"unsupported": "beam search is not run on ONNX runtimes yet"})
    context = BuildContext(dir=tmp_path, state=state, options=BuildOptions())
    with pytest.raises(ArtifactError) as raised:
        artifact_for(context, ArtifactNeeds(kind="onnx", ort_cpu_optimized=True), "ort")
    assert raised.value.reason == "not supported on ort: beam search is not run on ONNX runtimes yet"

    state.generation = {}
    state.options["precision"] = "fp16"
    with pytest.raises(ArtifactError):
        artifact_for(context, ArtifactNeeds(kind="onnx"), "openvino")  # no graphs at all
    state.options["precision"] = "fp32"
    state.artifacts.update(generation="generation.json", generation_inputs="generation.npz")
    (tmp_path / "generation.npz").write_bytes(b"")
    graph = {"file": "decode.onnx", "bytes": 3, "precision": "fp32"}
    (tmp_path / "generation.json").write_text(json.dumps({"graphs": {"prefill": {**graph, "file": "prefill.onnx"},
                                                                     "decode": graph}}))
    with pytest.raises(ArtifactError) as raised:
        artifact_for(context, ArtifactNeeds(kind="onnx"), "openvino")
    assert raised.value.reason.startswith("artifact missing: prefill.onnx")


def test_the_artifact_rule_gives_the_fused_graphs_only_to_ort(tmp_path):
    """Fast: a generation build's graphs fused for ORT's CPU provider (``OptimizeGeneration``) go
    to a runtime that accepts ORT's CPU-optimized file, and only when they were made from the
    build's own graphs; other runtimes, and fp16 builds, get the exported (or converted) graphs."""
    import json

    from mlagility.builds.artifacts import artifact_for
    from mlagility.builds.options import BuildOptions
    from mlagility.builds.stage import BuildContext
    from mlagility.builds.state import BuildState
    from mlagility.runtimes.base import ArtifactNeeds

    import onnx
    from onnx import TensorProto, helper

    identity = helper.make_model(helper.make_graph(
        [helper.make_node("Identity", ["x"], ["logits"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1])]))
    for suffix in ("", "-optimized", "-converted"):
        for graph in ("prefill", "decode"):
            onnx.save(identity, str(tmp_path / f"{graph}{suffix}.onnx"))
        graphs = {g: {"file": f"{g}{suffix}.onnx", "bytes": 3, "precision": "fp32"} for g in ("prefill", "decode")}
        (tmp_path / f"generation{suffix}.json").write_text(json.dumps({"graphs": graphs}))
    (tmp_path / "generation.npz").write_bytes(b"")
    state = BuildState("gen_0123abcd", options={"scenario": "generation"}, generation={},
                       artifacts={"generation": "generation.json", "generation_inputs": "generation.npz",
                                  "generation_optimized": "generation-optimized.json",
                                  "generation_converted": "generation-converted.json"},
                       derived_from={"generation_optimized": "generation"})
    context = BuildContext(dir=tmp_path, state=state, options=BuildOptions())
    ort, other = ArtifactNeeds(kind="onnx", ort_cpu_optimized=True), ArtifactNeeds(kind="onnx")
    assert artifact_for(context, ort, "ort").path.name == "generation-optimized.json"
    assert artifact_for(context, ort, "ort").record["graphs"]["decode"] == "decode-optimized.onnx"
    assert artifact_for(context, other, "openvino").path.name == "generation.json"
    state.derived_from = {}  # fused graphs not made from this build's graphs: not used
    assert artifact_for(context, ort, "ort").path.name == "generation.json"
    state.derived_from = {"generation_optimized": "generation", "generation_converted": "generation"}
    state.options["precision"] = "fp16"  # fused from the fp32 graphs: never an fp16 build's
    assert artifact_for(context, ort, "ort").path.name == "generation-converted.json"


def test_pytree_registrations_made_by_an_exporter_are_undone():
    import torch.utils._pytree as pytree
    from transformers import DynamicCache
    from transformers.integrations.executorch import register_dynamic_cache_export_support

    from mlagility.builds.generation_export import pytree_registrations

    before = DynamicCache in pytree.SUPPORTED_NODES
    for _ in range(2):  # and registering again later works
        with pytree_registrations():
            register_dynamic_cache_export_support()
            assert DynamicCache in pytree.SUPPORTED_NODES
        assert (DynamicCache in pytree.SUPPORTED_NODES) == before


def test_fused_graphs_that_drop_the_mask_are_refused_for_a_padded_prompt(tmp_path):
    """Fast: GroupQueryAttention reads no padding, so fused graphs without an attention-mask input
    are used only where the saved prompt has none (else ort runs the exported graphs)."""
    import numpy as np

    from mlagility.builds import generation_export as ge

    manifest = {"graphs": {"prefill": {"inputs": ["input_ids", "position_ids"]},
                           "decode": {"inputs": ["input_ids", "position_ids", "past.0.key"]}}}
    np.savez(tmp_path / "plain.npz", input_ids=np.ones((2, 3), np.int64), attention_mask=np.ones((2, 3), np.int64))
    np.savez(tmp_path / "padded.npz", input_ids=np.ones((2, 3), np.int64),
             attention_mask=np.array([[0, 1, 1], [1, 1, 1]], np.int64))
    ge._check_mask(manifest, tmp_path / "plain.npz")
    with pytest.raises(ValueError, match="drop the attention mask and the prompt is padded"):
        ge._check_mask(manifest, tmp_path / "padded.npz")
    for graph in manifest["graphs"].values():  # graphs that keep the mask: any prompt
        graph["inputs"].append("attention_mask")
    ge._check_mask(manifest, tmp_path / "padded.npz")
