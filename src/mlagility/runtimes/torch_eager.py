"""PyTorch eager on the CPU, in-process, under ``torch.inference_mode()``."""

from __future__ import annotations

from mlagility.common.system_info import cpu_name, logical_cores
from mlagility.runtimes.base import Runtime
from mlagility.runtimes.measurement import Measurement
from mlagility.runtimes.outputs import outputs_path, save_outputs
from mlagility.runtimes.samples import samples_path, save_samples
from mlagility.common.system_info import peak_rss_mib
from mlagility.runtimes.timing import BenchmarkSettings, measure


class TorchEagerRuntime(Runtime):
    device = "x86"
    name = "torch-eager"
    needs_model = True

    def benchmark(self, build, settings: BenchmarkSettings) -> Measurement:
        import torch

        model, args, kwargs = build.context.model, build.context.args, build.context.call_kwargs()
        with torch.inference_mode():
            timings = measure(lambda: model(*args, **kwargs), settings)
            save_outputs(outputs_path(build.dir, self.device, self.name), model(*args, **kwargs))
        save_samples(samples_path(build.dir, self.device, self.name), timings.latencies_ms)
        return Measurement.from_timings(
            timings,
            settings,
            device=self.device,
            device_name=cpu_name(),
            runtime=self.name,
            runtime_version=str(torch.__version__),
            load_time_s=None,
            peak_memory_mb=peak_rss_mib(),
            threads=torch.get_num_threads(),
            cores=logical_cores(),
        )
