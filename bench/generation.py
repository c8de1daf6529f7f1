"""Generation: benchit's TTFT/TPOT against a hand-written timed loop, benchit's own time against
the number of generated tokens, and the ONNX runtimes' decode speed (ort against ort-genai and
torch-eager; benchit's ort TPOT against a hand-written ORT loop on the same graphs).

    .venv/bin/python bench/generation.py [--rounds 3] [--generations 8] [--threads 1]
                                         [--only fidelity|overhead|onnx]

The model: a tiny Llama (2 layers, hidden 64, 4 heads, vocab 512, `torch.manual_seed(0)`),
greedy, a 32-token prompt, `min_new_tokens` = `max_new_tokens` so it never stops early.

1. Fidelity. Per round, in this process and one after the other (never at once, alternating
   which goes first): `benchmark_script` (the API) on a script making that `generate()` call,
   runtime torch-eager, `--iterations N --min-time 3`; and a hand-written loop with the same
   bounds (10 warm-ups, then at least N generations and 3 s): the same model
   (same seed), the same `generate()` call under `torch.inference_mode()` with
   `return_dict_in_generate=True` and a StoppingCriteria that stamps `perf_counter()` right
   after each token is selected (what a user would write), one warm-up then N timed
   generations. Both sides: TTFT = call to the first stamp, median over generations; TPOT =
   time between consecutive stamps, median over all of them. Printed: each round, and the
   medians of the per-round ratios benchit/hand (target 0.95..1.05).
2. Overhead. Per round, as subprocesses: `python script.py` and `benchit script.py --runtime
   torch-eager --iterations 1 --min-time 2` (new cache) for a 12-token and a 48-token
   generation. benchit's own = benchit wall - python wall - what the harness measured (its
   warm-up and timed window, `warmup_s` + `timed_s` in the build state). That still holds one
   more generation (the token check), so "less the check" subtracts one e2e median too.
   Printed: both token counts, their difference and spread, their ratio where both are
   positive (target: equal within noise).

3. ONNX runtimes. Per round, alternating which side goes first: `benchmark_script` on the same
   script (32 new tokens; the model's config names an end-of-sequence id, 2, which
   onnxruntime-genai's model builder requires; `min_new_tokens` keeps it from stopping), runtimes `ort`, `ort-genai` and `torch-eager`, all with `--threads`
   threads (`threads` runtime option; torch-eager runs in this process with its thread count), `--iterations N --min-time 3`, one cache for all rounds (the first round exports
   and runs onnxruntime-genai's model builder; later rounds reuse both); and two hand-written ORT
   decode loops on the graphs benchit's `ort` ran (from its build directory: the fused
   `generation-optimized.json` and its graphs where the build has them, else `generation.json`;
   the prompt from `generation.npz`): ONNX Runtime sessions with the same options (full graph
   optimization, sequential, `--threads` intra-op threads), the cache kept as OrtValues, each step's
   present outputs passed as the next step's past, only the logits read back for the argmax, each
   step making only the inputs the decode graph takes (the mask grown by `np.concatenate`);
   "lean": each step one `run_with_ortvaluevector` (ORT's run with the least Python, what benchit's
   loop calls); "binding": an I/O binding made per step (inputs, past and outputs bound,
   `get_outputs`). 10 warm-ups, then at least N generations and 3 s, a `perf_counter()` stamp right
   after each token is selected, TPOT = median of consecutive stamps' differences (as in 1). Their
   tokens are checked against the model's own `generate()`. The sides take turns going first.
   Printed: the graphs and their node counts (exported -> fused), each round, and the medians of
   the per-round ratios: decode tokens/s `ort`/`ort-genai` (goal >= 0.8) and `ort`/`torch-eager`,
   the same speed ratios from the median TPOTs (tokens/s is batch x (new - 1) / median decode time
   of a whole generation: on a loaded machine a longer generation is preempted more often, which
   the per-token median TPOT is not); TPOT `ort` benchit/hand lean (goal 0.95..1.05) and
   benchit/hand binding.

`--threads` (default 1) sets torch's threads here and OMP_NUM_THREADS for the subprocesses, on
both sides alike: a 2-thread OpenMP team on a loaded 2-core machine times the scheduler more
than the model. The 1-minute load average is printed before each measurement.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MIN_TIME = 3.0  # s: the timed window of each side in the fidelity rounds

MODEL = """
import torch
from transformers import LlamaConfig, LlamaForCausalLM

torch.manual_seed(0)
config = LlamaConfig(num_hidden_layers=2, hidden_size=64, intermediate_size=128, num_attention_heads=4,
                     num_key_value_heads=4, vocab_size=512, max_position_embeddings=256,
                     pad_token_id=0, bos_token_id=None, eos_token_id=None)
lm = LlamaForCausalLM(config).eval()
prompt = torch.randint(1, 512, (1, 32))
mask = torch.ones_like(prompt)
"""

GENERATE = """
out = lm.generate(prompt, attention_mask=mask, max_new_tokens={new}, min_new_tokens={new},
                  do_sample=False, pad_token_id=0)
print(out[0, -{new}:].tolist())
"""


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


# onnxruntime-genai's model builder refuses a config without an end-of-sequence id ("Could not
# resolve eos_token_id"); min_new_tokens = max_new_tokens keeps it from stopping any generation
ONNX_MODEL = MODEL.replace("bos_token_id=None, eos_token_id=None", "bos_token_id=1, eos_token_id=2")


def write_script(folder: Path, new_tokens: int, model: str = MODEL) -> Path:
    path = folder / f"tiny_llama_{new_tokens}{'_eos' if model != MODEL else ''}.py"
    path.write_text(model + GENERATE.format(new=new_tokens))
    return path


# --- 1. fidelity -----------------------------------------------------------------------------

def hand_loop(namespace: dict, new_tokens: int, generations: int, min_time: float) -> tuple[float, float, int]:
    """(median TTFT ms, median TPOT ms, count) of at least `generations` timed generate() calls
    and `min_time` s, after 10 warm-up calls (benchit's loop bounds, written out by hand)."""
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    lm, prompt, mask = namespace["lm"], namespace["prompt"], namespace["mask"]

    class Stamp(StoppingCriteria):
        def __init__(self, stamps):
            self.stamps = stamps

        def __call__(self, input_ids, scores, **kwargs):
            self.stamps.append(time.perf_counter())
            return torch.zeros(input_ids.shape[0], dtype=torch.bool)

    ttft, tpot, index, begin = [], [], 0, None
    while begin is None or len(ttft) < generations or time.perf_counter() - begin < min_time:
        index += 1
        if index == 11:  # after 10 warm-ups
            begin = time.perf_counter()
        ids, attention, stamps = prompt.clone(), mask.clone(), []
        with torch.inference_mode():
            start = time.perf_counter()
            lm.generate(ids, attention_mask=attention, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                        do_sample=False, pad_token_id=0, return_dict_in_generate=True,
                        stopping_criteria=StoppingCriteriaList([Stamp(stamps)]))
        assert len(stamps) == new_tokens, len(stamps)
        if begin is not None:
            ttft.append((stamps[0] - start) * 1e3)
            tpot.extend((b - a) * 1e3 for a, b in zip(stamps, stamps[1:]))
    return statistics.median(ttft), statistics.median(tpot), len(ttft)


def benchit_api(script: Path, cache: Path, generations: int) -> tuple[float, float, int]:
    """(TTFT ms, TPOT ms, timed generations) that benchit reports for the script's generate()."""
    from mlagility.api.script import benchmark_script

    with contextlib.redirect_stdout(io.StringIO()):  # the script's own print
        (result,) = benchmark_script(str(script), cache_dir=str(cache), runtime=["torch-eager"],
                                     iterations=generations, min_time=MIN_TIME, quiet=True)
    perf = result.performance["torch-eager"]
    return perf.ttft_ms, perf.tpot_ms, perf.timed_generations


def fidelity(folder: Path, rounds: int, generations: int) -> None:
    new_tokens = 32
    script = write_script(folder, new_tokens)
    namespace: dict = {}
    exec(MODEL, namespace)  # the same model and prompt as the script's (same seed)
    rows = []
    print(f"1. fidelity: tiny Llama, prompt 32, {new_tokens} new tokens, greedy, torch-eager "
          f"({os.environ['OMP_NUM_THREADS']} thread(s))", flush=True)
    for round_ in range(rounds):
        sides = {}
        order = ("benchit", "hand") if round_ % 2 == 0 else ("hand", "benchit")
        loads = []
        for side in order:
            loads.append(load())
            if side == "benchit":
                sides[side] = benchit_api(script, folder / f"cache-fidelity-{round_}", generations)
            else:
                sides[side] = hand_loop(namespace, new_tokens, generations, MIN_TIME)
        (b_ttft, b_tpot, timed), (h_ttft, h_tpot, count) = sides["benchit"], sides["hand"]
        rows.append((b_ttft / h_ttft, b_tpot / h_tpot))
        print(f"  round {round_ + 1} ({' then '.join(order)}; {', '.join(loads)}): "
              f"TTFT benchit {b_ttft:.2f} ms hand {h_ttft:.2f} ms ratio {rows[-1][0]:.3f} | "
              f"TPOT benchit {b_tpot:.3f} ms hand {h_tpot:.3f} ms ratio {rows[-1][1]:.3f} "
              f"({timed} vs {count} timed generations)", flush=True)
    print(f"  median of {rounds} rounds: TTFT ratio {statistics.median(r[0] for r in rows):.3f}   "
          f"TPOT ratio {statistics.median(r[1] for r in rows):.3f}   (benchit/hand; target 0.95..1.05)\n",
          flush=True)


# --- 2. overhead -----------------------------------------------------------------------------

def timed_run(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def overhead_once(script: Path, cache: Path) -> dict[str, float]:
    import yaml

    python_s = timed_run([sys.executable, str(script)])
    benchit_s = timed_run([sys.executable, "-m", "mlagility.cli.main", str(script), "-d", str(cache),
                           "--runtime", "torch-eager", "--iterations", "1", "--min-time", "2"])
    [state_file] = cache.glob("*/mlagility_build.yaml")
    bench = yaml.safe_load(state_file.read_text())["benchmarks"]["x86/torch-eager"]
    measured = bench["warmup_s"] + bench["timed_s"]
    own = benchit_s - python_s - measured
    return {"python": python_s, "benchit": benchit_s, "measured": measured, "own": own,
            "own_less_check": own - bench["e2e_ms"] / 1e3, "e2e": bench["e2e_ms"] / 1e3}


def overhead(folder: Path, rounds: int) -> None:
    scripts = {n: write_script(folder, n) for n in (12, 48)}
    rows: dict[int, list[dict]] = {n: [] for n in scripts}
    print("2. overhead: benchit's own wall time (benchit - python - warm-up - timed window), "
          "--iterations 1 --min-time 2", flush=True)
    for round_ in range(rounds):
        order = (12, 48) if round_ % 2 == 0 else (48, 12)
        for n in order:
            before = load()
            row = overhead_once(scripts[n], folder / f"cache-overhead-{n}-{round_}")
            rows[n].append(row)
            print(f"  round {round_ + 1} {n:2d} tokens ({before}): python {row['python']:.2f} s  "
                  f"benchit {row['benchit']:.2f} s  measured {row['measured']:.2f} s  "
                  f"own {row['own']:.2f} s  (less the check generation {row['e2e']:.2f} s: "
                  f"{row['own_less_check']:.2f} s)", flush=True)
    own = {n: statistics.median(r["own"] for r in rows[n]) for n in rows}
    less = {n: statistics.median(r["own_less_check"] for r in rows[n]) for n in rows}
    spread = {n: max(r["own"] for r in rows[n]) - min(r["own"] for r in rows[n]) for n in rows}
    print(f"  median of {rounds} rounds: own 12 tokens {own[12]:.2f} s (spread {spread[12]:.2f}), "
          f"48 tokens {own[48]:.2f} s (spread {spread[48]:.2f}), 48 - 12: {own[48] - own[12]:+.2f} s{ratio(own)}; "
          f"less the check: {less[12]:.2f} s vs {less[48]:.2f} s{ratio(less)} "
          f"(target: equal within noise)", flush=True)


def ratio(own: dict[int, float]) -> str:
    """48/12, where both are positive (else only the difference means anything)."""
    return f", ratio 48/12 {own[48] / own[12]:.3f}" if own[12] > 0 and own[48] > 0 else ""


# --- 3. ONNX runtimes -------------------------------------------------------------------------

ONNX_RUNTIMES = ("ort", "ort-genai", "torch-eager")


def benchit_onnx(script: Path, cache: Path, generations: int, threads: int) -> dict:
    """{runtime: (decode tokens/s, TPOT ms, timed generations)} that benchit reports."""
    from mlagility.api.script import benchmark_script

    with contextlib.redirect_stdout(io.StringIO()):
        (result,) = benchmark_script(str(script), cache_dir=str(cache), runtime=list(ONNX_RUNTIMES),
                                     iterations=generations, min_time=MIN_TIME, quiet=True,
                                     runtime_options={r: {"threads": threads} for r in ("ort", "ort-genai")})
    missing = {r: result.runtime_errors.get(r, "no result") for r in ONNX_RUNTIMES if r not in result.performance}
    if missing:
        raise SystemExit(f"benchit did not measure every runtime: {missing}")
    return {r: (p.output_tokens_per_s, p.tpot_ms, p.timed_generations) for r, p in result.performance.items()}


def hand_ort_loop(build: Path, manifest_name: str, generations: int, min_time: float, threads: int,
                  lean: bool) -> tuple[float, float, int, list]:
    """(decode tokens/s, median TPOT ms, generations, the last generation's tokens) of a
    hand-written greedy ORT loop on the build's prefill and decode graphs named by `manifest_name`
    (the cache kept as OrtValues), after 10 warm-ups, at least `generations` and `min_time` s.
    `lean`: each step one `run_with_ortvaluevector` (ORT's run with the least Python); else an
    I/O binding made per step (inputs, past and outputs bound, `get_outputs`)."""
    import json

    import numpy as np
    import onnxruntime as ort
    from onnxruntime.capi import _pybind_state as C

    manifest = json.loads((build / manifest_name).read_text())
    graphs, new_tokens = manifest["graphs"], int(manifest["new_tokens"])
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = threads
    sessions = {name: ort.InferenceSession(str(build / graphs[name]["file"]), options,
                                           providers=["CPUExecutionProvider"]) for name in ("prefill", "decode")}
    outputs = {name: [o.name for o in s.get_outputs()] for name, s in sessions.items()}
    with np.load(build / "generation.npz") as saved:
        prompt, prompt_mask = saved["input_ids"].astype(np.int64), saved["attention_mask"].astype(np.int64)
    length = prompt.shape[-1]
    to_value = ort.OrtValue.ortvalue_from_numpy
    cpu = C.OrtDevice(C.OrtDevice.cpu(), C.OrtDevice.default_memory(), 0)
    run_options = ort.RunOptions()
    logits = {name: outputs[name].index("logits") for name in outputs}
    cache_at = {name: [outputs[name].index(n) for n in graphs[name]["cache_outputs"]] for name in outputs}

    def run_binding(name: str, values: dict, past: list):
        session, graph = sessions[name], graphs[name]
        binding = session.io_binding()
        for input_name in graph["inputs"]:
            if input_name in values:
                binding.bind_ortvalue_input(input_name, to_value(values[input_name]))
        for input_name, cached in zip(graph.get("cache_inputs", []), past):
            binding.bind_ortvalue_input(input_name, cached)
        for output_name in outputs[name]:
            binding.bind_output(output_name, "cpu")
        session.run_with_iobinding(binding)
        results = dict(zip(outputs[name], binding.get_outputs()))
        token = results["logits"].numpy()[:, -1].argmax(-1)
        return token, [results[n] for n in graph["cache_outputs"]]

    step_names = {name: [n for n in graph["inputs"] if n not in graph.get("cache_inputs", [])]
                  for name, graph in graphs.items()}
    devices = {name: [cpu] * len(outputs[name]) for name in outputs}

    def run_lean(name: str, values: dict, past: list):
        graph, feeds = graphs[name], C.OrtValueVector()
        for input_name in step_names[name]:
            feeds.push_back(C.OrtValue.ortvalue_from_numpy(values[input_name], cpu))
        for cached in past:
            feeds.push_back(cached)
        results = C.OrtValueVector()
        sessions[name].run_with_ortvaluevector(run_options, step_names[name] + graph.get("cache_inputs", []), feeds,
                                               outputs[name], results, devices[name])
        token = results[logits[name]].numpy()[:, -1].argmax(-1)
        return token, [results[i] for i in cache_at[name]]

    run = run_lean if lean else run_binding
    takes_mask = "attention_mask" in graphs["decode"]["inputs"]
    takes_cache_position = "cache_position" in graphs["decode"]["inputs"]

    def generate(stamps: list) -> list:
        mask = prompt_mask.copy()
        token, past = run("prefill", {"input_ids": prompt, "attention_mask": mask,
                                      "position_ids": np.arange(length, dtype=np.int64)[None].repeat(len(prompt), 0),
                                      "cache_position": np.arange(length, dtype=np.int64)}, [])
        stamps.append(time.perf_counter())
        tokens = [token]
        for step in range(1, new_tokens):  # only the inputs the decode graph takes
            position = length + step - 1
            values = {"input_ids": token.reshape(-1, 1).astype(np.int64),
                      "position_ids": np.full((len(mask), 1), position, dtype=np.int64)}
            if takes_mask:
                mask = np.concatenate([mask, np.ones((len(mask), 1), dtype=np.int64)], axis=-1)
                values["attention_mask"] = mask
            if takes_cache_position:
                values["cache_position"] = np.array([position], dtype=np.int64)
            token, past = run("decode", values, past)
            stamps.append(time.perf_counter())
            tokens.append(token)
        return np.stack(tokens, axis=-1)[0].tolist()

    tpot, decode, index, begin = [], [], 0, None
    while begin is None or len(decode) < generations or time.perf_counter() - begin < min_time:
        index += 1
        if index == 11:  # after 10 warm-ups
            begin = time.perf_counter()
        stamps: list[float] = []
        tokens = generate(stamps)
        if begin is not None:
            tpot.extend((b - a) * 1e3 for a, b in zip(stamps, stamps[1:]))
            decode.append(stamps[-1] - stamps[0])
    return (new_tokens - 1) / statistics.median(decode), statistics.median(tpot), len(decode), tokens


def onnx_runtimes(folder: Path, rounds: int, generations: int, threads: int) -> None:
    import json

    import torch

    new_tokens = 32
    script = write_script(folder, new_tokens, ONNX_MODEL)
    namespace: dict = {}
    exec(ONNX_MODEL, namespace)
    with torch.inference_mode():
        expected = namespace["lm"].generate(namespace["prompt"], attention_mask=namespace["mask"],
                                            max_new_tokens=new_tokens, min_new_tokens=new_tokens, do_sample=False,
                                            pad_token_id=0)[0, -new_tokens:].tolist()
    cache = folder / "cache-onnx"
    rows = []
    print(f"3. ONNX runtimes: tiny Llama, prompt 32, {new_tokens} new tokens, greedy, {threads} thread(s) each; "
          f"decode tokens/s and TPOT as benchit reports them, and two hand-written ORT loops on the graphs "
          f"benchit's ort ran (lean: run_with_ortvaluevector; binding: an I/O binding per step)", flush=True)
    sides_all = ("benchit", "lean", "binding")
    for round_ in range(rounds):
        order = sides_all[round_ % 3:] + sides_all[:round_ % 3]
        if round_ == 0:
            order = sides_all  # the hand loops need the build's graphs
        loads, sides = [], {}
        for side in order:
            loads.append(load())
            if side == "benchit":
                sides[side] = benchit_onnx(script, cache, generations, threads)
            else:
                [build] = [path.parent for path in cache.glob("*/generation.json")]
                manifest = ("generation-optimized.json" if (build / "generation-optimized.json").is_file()
                            else "generation.json")
                sides[side] = hand_ort_loop(build, manifest, generations, MIN_TIME, threads, lean=side == "lean")
        if round_ == 0:
            fused = json.loads((build / manifest).read_text()).get("optimized", {})
            print(f"  graphs: {manifest}; fused: " + ("; ".join(
                f"{name} {graph['nodes_before']} -> {graph['nodes_after']} nodes {graph['fused_ops']}"
                for name, graph in fused.items() if isinstance(graph, dict)) or "no"), flush=True)
        measured = sides["benchit"]
        for side in ("lean", "binding"):
            if sides[side][3] != expected:
                raise SystemExit(f"the {side} ORT loop's tokens differ from generate()'s: {sides[side][3]} vs {expected}")
        lean, binding = sides["lean"][1], sides["binding"][1]
        tps = {r: measured[r][0] for r in ONNX_RUNTIMES}
        tpot = {r: measured[r][1] for r in ONNX_RUNTIMES}
        row = (tps["ort"] / tps["ort-genai"], tps["ort"] / tps["torch-eager"], tpot["ort"] / lean,
               tpot["ort-genai"] / tpot["ort"], tpot["torch-eager"] / tpot["ort"], tpot["ort"] / binding)
        rows.append(row)
        print(f"  round {round_ + 1} ({' then '.join(order)}; {', '.join(loads)}): decode tok/s "
              + "  ".join(f"{r} {tps[r]:.0f}" for r in ONNX_RUNTIMES)
              + f" | ort/ort-genai {row[0]:.3f}  ort/torch-eager {row[1]:.3f} | TPOT ms "
              + "  ".join(f"{r} {tpot[r]:.4f}" for r in ONNX_RUNTIMES)
              + f" (as speed ratios ort/ort-genai {row[3]:.3f}  ort/torch-eager {row[4]:.3f}) | "
              f"TPOT ort benchit {tpot['ort']:.4f} ms, hand lean {lean:.4f} ms (ratio {row[2]:.3f}), "
              f"hand binding {binding:.4f} ms (ratio {row[5]:.3f}) "
              f"({measured['ort'][2]}, {sides['lean'][2]}, {sides['binding'][2]} timed generations)", flush=True)
    median = [statistics.median(r[i] for r in rows) for i in range(6)]
    print(f"  median of {rounds} rounds: decode tok/s ort/ort-genai {median[0]:.3f} (goal >= 0.8: "
          f"{'met' if median[0] >= 0.8 else 'NOT met'})   ort/torch-eager {median[1]:.3f}   "
          f"(by median TPOT: ort/ort-genai {median[3]:.3f}, ort/torch-eager {median[4]:.3f})   "
          f"TPOT ort benchit/hand lean {median[2]:.3f} (goal 0.95..1.05: "
          f"{'met' if 0.95 <= median[2] <= 1.05 else 'NOT met'})   benchit/hand binding {median[5]:.3f}\n",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--generations", type=int, default=8, help="timed generations per side and round")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", choices=("fidelity", "overhead", "onnx"))
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    torch.set_num_threads(args.threads)
    print(f"{os.cpu_count()} cores, {load()} at start", flush=True)
    with tempfile.TemporaryDirectory(prefix="mlagility-generation-") as tmp:
        if args.only in (None, "fidelity"):
            fidelity(Path(tmp), args.rounds, args.generations)
        if args.only in (None, "overhead"):
            overhead(Path(tmp), args.rounds)
        if args.only in (None, "onnx"):
            onnx_runtimes(Path(tmp), args.rounds, args.generations, args.threads)
    print(f"{load()} at the end", flush=True)


if __name__ == "__main__":
    main()
