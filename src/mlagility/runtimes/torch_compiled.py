"""PyTorch ``torch.compile`` (inductor) on the CPU, in-process, under ``torch.inference_mode()``.

For this runtime ``load_time_s`` is the **compile time**: the wall time of the first call of the
compiled model, which traces it with dynamo and compiles it with inductor (whatever inductor's
on-disk caches already hold makes this shorter on a second run of the same model). Compile time is
never mixed into the latencies: after the first call, the model is called again until a call
compiles no new graph (at most ``STABILISE_CALLS`` times), and only then does the shared
``timing.measure`` run (cold call, warm-up, timed loop). So ``first_inference_ms`` here is the
first call *after* compilation, not the compiling call.

If dynamo compiles a new graph during ``measure`` (a guard failed: the model recompiled), the
latencies mix compiled runs and compilations, so the benchmark fails with ``BenchmarkError``
("recompiled during timing (N new graphs): latency not trustworthy"). Compile time, the graphs
compiled and the recompilation check are written to ``log_benchmark_x86_torch-compiled.txt`` in
the build directory. ``torch._dynamo.reset()`` runs afterwards, so nothing stays compiled.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass

from mlagility.common.exceptions import BenchmarkError, one_line, root_cause
from mlagility.common.system_info import cpu_name, logical_cores
from mlagility.runtimes.base import Runtime
from mlagility.runtimes.measurement import Measurement
from mlagility.runtimes.outputs import outputs_path, save_outputs
from mlagility.runtimes.samples import samples_path, save_samples
from mlagility.common.system_info import peak_rss_mib
from mlagility.runtimes.timing import BenchmarkSettings, measure

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


class TorchCompiledRuntime(Runtime):
    device = "x86"
    name = "torch-compiled"
    needs_model = True

    def benchmark(self, build, settings: BenchmarkSettings) -> Measurement:
        import torch

        log_path = build.dir / f"log_benchmark_{self.device}_{self.name}.txt"
        model, args, kwargs = build.context.model, build.context.args, build.context.call_kwargs()
        with open(log_path, "w", encoding="utf-8") as log:
            try:
                with torch.inference_mode():
                    compiled = torch.compile(model)
                    run = lambda: compiled(*args, **kwargs)  # noqa: E731
                    compile_s, timings, new_graphs = _compile_and_measure(run, settings, log)
                    save_outputs(outputs_path(build.dir, self.device, self.name), run())
            except Exception as error:  # a dynamo/inductor failure: this runtime's failure
                traceback.print_exc(file=log)
                reason = one_line(root_cause(error))
                raise BenchmarkError(self.name, reason, str(log_path)) from error
            finally:
                torch._dynamo.reset()
            if new_graphs:
                reason = f"recompiled during timing ({new_graphs} new graphs): latency not trustworthy"
                print(reason, file=log)
                raise BenchmarkError(self.name, reason, str(log_path))
            print("no recompilation during timing", file=log)
        save_samples(samples_path(build.dir, self.device, self.name), timings.latencies_ms)
        return Measurement.from_timings(
            timings,
            settings,
            device=self.device,
            device_name=cpu_name(),
            runtime=self.name,
            runtime_version=str(torch.__version__),
            load_time_s=compile_s,
            peak_memory_mb=peak_rss_mib(),
            threads=torch.get_num_threads(),
            cores=logical_cores(),
        )


def _compile_and_measure(run, settings: BenchmarkSettings, log):
    """Compile (first call), call until nothing new compiles, then ``measure``.

    Returns (compile seconds, timings, graphs compiled during ``measure``).
    """
    start_counts = CompileCounts.now()
    start = time.perf_counter()
    run()
    compile_s = time.perf_counter() - start
    compiled = CompileCounts.now().new_since(start_counts)
    print(f"compile (first call): {compile_s:.3f} s, {compiled} graphs", file=log)

    calls = 0
    while calls < STABILISE_CALLS:
        before = CompileCounts.now()
        run()
        calls += 1
        if CompileCounts.now().new_since(before) == 0:
            break
    print(f"stable after {calls} more calls "
          f"({CompileCounts.now().new_since(start_counts)} graphs in all)", file=log)

    before = CompileCounts.now()
    timings = measure(run, settings)
    new_graphs = CompileCounts.now().new_since(before)
    print(f"timed {len(timings.latencies_ms)} calls after {timings.warmup_iterations} warm-up calls",
          file=log)
    return compile_s, timings, new_graphs
