"""Generation: benchit's TTFT/TPOT against a hand-written timed loop, and benchit's own time
against the number of generated tokens.

    .venv/bin/python bench/generation.py [--rounds 3] [--generations 8] [--threads 1]

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


def write_script(folder: Path, new_tokens: int) -> Path:
    path = folder / f"tiny_llama_{new_tokens}.py"
    path.write_text(MODEL + GENERATE.format(new=new_tokens))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--generations", type=int, default=8, help="timed generations per side and round")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", choices=("fidelity", "overhead"))
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    torch.set_num_threads(args.threads)
    print(f"{os.cpu_count()} cores, {load()} at start", flush=True)
    with tempfile.TemporaryDirectory(prefix="mlagility-generation-") as tmp:
        if args.only != "overhead":
            fidelity(Path(tmp), args.rounds, args.generations)
        if args.only != "fidelity":
            overhead(Path(tmp), args.rounds)
    print(f"{load()} at the end", flush=True)


if __name__ == "__main__":
    main()
