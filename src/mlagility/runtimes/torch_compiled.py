"""PyTorch ``torch.compile`` (inductor) on the CPU (``x86/torch-compiled``), in-process, under
``torch.inference_mode()``.

``load`` compiles: it wraps the model with ``torch.compile``, makes the first call (dynamo traces,
inductor compiles) and calls again until a call compiles no new graph (at most
``STABILISE_CALLS`` more), so ``load_time_s`` is the **compile time** and compilation never mixes
into the latencies (whatever inductor's on-disk caches hold makes it shorter on a second run).
``first_inference_ms`` is then the first call *after* compilation. If dynamo compiles a new graph
during timing (a guard failed: the model recompiled), the benchmark fails ("recompiled during
timing (N new graphs): latency not trustworthy").

It runs in the script's process (the live model), so it leaves the script's own compilations
alone: no ``torch._dynamo.reset()`` (which would throw away what the script compiled, and make it
compile again). Afterwards (``DynamoState.restore``) only what benchit's compile added is dropped:
the compiled code of functions that had none before, and dynamo's counters are put back, so a
script counting its compilations counts its own. (A function the script had compiled before may
keep benchit's entry beside its own; dynamo's backend guard keeps them apart.)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from mlagility.common.compat import guard_triton_after_tensorflow
from mlagility.runtimes.base import LiveModelOptions, LoadTarget, Session
from mlagility.runtimes.torch_eager import TorchEagerRuntime, call_session, generation_session

STABILISE_CALLS = 10  # calls after the first one, at most, to reach a call that compiles nothing


@dataclass(frozen=True)
class CompileCounts:
    """Dynamo's process-wide counts of compiled graphs and compiled frames, at one moment."""

    graphs: int
    frames: int

    @classmethod
    def now(cls) -> "CompileCounts":
        from torch._dynamo.utils import counters

        return cls(int(counters["stats"]["unique_graphs"]), int(counters["frames"]["total"]))

    def new_since(self, before: "CompileCounts") -> int:
        """How many graphs (or, for a compile that captured no graph, frames) were compiled."""
        return max(self.graphs - before.graphs, self.frames - before.frames)


@dataclass
class DynamoState:
    """What dynamo held before benchit compiled: the code objects with compiled entries, and
    its counters (``torch._dynamo.utils.counters``)."""

    compiled: list
    counters: dict

    @classmethod
    def save(cls) -> "DynamoState":
        import copy

        from torch._dynamo.utils import counters

        return cls([code for code in _seen_codes() if _has_entries(code)], copy.deepcopy(dict(counters)))

    def restore(self) -> None:
        from torch._C._dynamo.eval_frame import reset_code
        from torch._dynamo.utils import counters

        had = {id(code) for code in self.compiled}
        for code in _seen_codes():
            if id(code) not in had:
                reset_code(code)  # compiled by benchit alone
        counters.clear()
        counters.update(self.counters)


def _seen_codes() -> list:
    from torch._dynamo import convert_frame

    codes = (ref() for ref in convert_frame.input_codes.seen + convert_frame.output_codes.seen)
    return [code for code in codes if code is not None]


def _has_entries(code) -> bool:
    from torch._dynamo.eval_frame import _debug_get_cache_entry_list

    try:
        return bool(_debug_get_cache_entry_list(code))
    except Exception:
        return True  # unknown: keep it


@dataclass(frozen=True)
class TorchCompiledOptions(LiveModelOptions):
    """``torch.compile``'s arguments (``--runtime-option torch-compiled.KEY=VALUE``).

    ``mode``: default, reduce-overhead (CUDA graphs where they apply), max-autotune (inductor
    tries more kernels: a longer compile) or max-autotune-no-cudagraphs. ``dynamic``: true
    compiles for dynamic shapes up front, false specializes on every shape, none lets dynamo
    decide (it recompiles dynamic after a shape changes); a generation is always compiled dynamic
    unless this is false. ``fullgraph``: true makes a graph break an error (the whole model must
    compile as one graph) instead of a fallback to Python.
    """

    mode: Literal["default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs"] = "default"
    dynamic: bool | None = None
    fullgraph: bool = False


class TorchCompiledRuntime(TorchEagerRuntime):
    """Runs what torch-eager runs (the live model, fp32, in-process), compiled."""

    name = "torch-compiled"
    imports = ("torch", "torch._dynamo", "torch._inductor")
    options_class = TorchCompiledOptions
    reports_load_time = True  # the compile time
    is_reference = False  # compiled code is checked against eager

    def load(self, target: LoadTarget, options: TorchCompiledOptions) -> Session:
        import torch

        guard_triton_after_tensorflow()
        dynamo_before = DynamoState.save()
        try:
            return self._compiled(torch, target, options, dynamo_before)
        except BaseException:
            dynamo_before.restore()
            raise

    def _compiled(self, torch, target: LoadTarget, options, dynamo_before: DynamoState) -> Session:
        model = target.model
        undo = None
        with torch.inference_mode():
            if target.generation is not None:
                # generate() stays Python; the model's forward is compiled once with dynamic
                # shapes (not once per past length), on the instance, removed by close()
                had_own = "forward" in vars(model)
                model.forward = torch.compile(model.forward, mode=options.mode, fullgraph=options.fullgraph,
                                              dynamic=options.dynamic is not False)

                def undo():  # (the harness's state restoring may have removed it already)
                    if not had_own:
                        vars(model).pop("forward", None)

                session = generation_session(target.generation, model)
                generate = session.generate

                def run():
                    session.reset()
                    return generate(lambda: None)
            else:
                compiled = torch.compile(model, mode=options.mode, dynamic=options.dynamic,
                                         fullgraph=options.fullgraph)
                session = call_session(compiled, target.args, target.kwargs)
                inner_run = session.run

                def run():
                    session.reset()
                    return inner_run()

            start_counts = CompileCounts.now()
            start = time.perf_counter()
            try:
                run()
            except BaseException:
                if undo is not None:
                    undo()
                raise
            compile_s = time.perf_counter() - start
            first_graphs = CompileCounts.now().new_since(start_counts)
            calls = 0
            while calls < STABILISE_CALLS:
                before = CompileCounts.now()
                run()
                calls += 1
                if CompileCounts.now().new_since(before) == 0:
                    break
        stable = CompileCounts.now()

        def after_timing() -> str | None:
            new_graphs = CompileCounts.now().new_since(stable)
            if new_graphs:
                return f"recompiled during timing ({new_graphs} new graphs): latency not trustworthy"
            print("no recompilation during timing", flush=True)
            return None

        def close():
            if undo is not None:
                undo()
            dynamo_before.restore()

        session.details.update({"first_call_compile_s": round(compile_s, 4), "graphs_first_call": first_graphs,
                                "stabilising_calls": calls, "graphs_total": stable.new_since(start_counts)})
        session.after_timing, session.close = after_timing, close
        return session

