"""Keras eager on the CPU, in-process: the reference runtime of Keras models (like ``torch-eager``).

The model-specific part is ``load_keras`` (model + inputs -> a callable running one inference);
``KerasEagerRuntime.benchmark`` is the current interface's glue around it. On the harness
interface (``runtimes/base.py`` with ``ArtifactNeeds``/``LoadTarget``/``Session``) the class is::

    class KerasEagerRuntime(Runtime):
        device, name = "x86", "keras"
        needs = ArtifactNeeds(kind="model", precisions=("fp32",), model_types=("keras",))
        in_child, reports_load_time, imports = False, False, ("keras",)

        @classmethod
        def version(cls): return keras_version()

        def load(self, target, options):
            return Session(run=load_keras(target.model, target.args, target.kwargs), threads=_tf_threads())
"""

from __future__ import annotations

from typing import Callable

from mlagility.common.system_info import cpu_name, logical_cores, peak_rss_mib
from mlagility.runtimes.base import Runtime
from mlagility.runtimes.measurement import Measurement
from mlagility.runtimes.outputs import outputs_path, save_outputs
from mlagility.runtimes.timing import BenchmarkSettings, measure


def load_keras(model, args: tuple, kwargs: dict) -> Callable[[], list]:
    """One inference of the live Keras model, returning its outputs as numpy arrays."""
    from mlagility.builds.keras_stages import keras_outputs

    def run() -> list:
        return keras_outputs(model(*args, **kwargs))

    return run


def keras_version() -> str:
    from importlib.metadata import version

    return version("keras")


class KerasEagerRuntime(Runtime):
    device = "x86"
    name = "keras"
    needs_model = True
    model_type = "keras"  # the only kind of live model this runtime runs

    @classmethod
    def unavailable_reason(cls) -> str | None:
        from importlib.util import find_spec

        return None if find_spec("keras") else "the keras package is not installed (pip install mlagility[keras])"

    @classmethod
    def version(cls) -> str:
        return keras_version()

    def supports(self, build) -> str | None:
        from mlagility.analysis.framework_discovery import model_type_of

        if build.context.model is None or model_type_of(build.context.model) != "keras":
            return "the keras runtime runs Keras models only"
        return None

    def benchmark(self, build, settings: BenchmarkSettings) -> Measurement:
        run = load_keras(build.context.model, tuple(build.context.args), build.context.call_kwargs())
        timings = measure(run, settings)
        save_outputs(outputs_path(build.dir, self.device, self.name), run())
        return Measurement.from_timings(
            timings, settings, device=self.device, device_name=cpu_name(), runtime=self.name,
            runtime_version=keras_version(), load_time_s=None, peak_memory_mb=peak_rss_mib(),
            threads=_tf_threads(), cores=logical_cores(),
        )


def _tf_threads() -> int:
    import sys

    tf = sys.modules.get("tensorflow")
    try:
        return int(tf.config.threading.get_intra_op_parallelism_threads()) or logical_cores()
    except Exception:
        return logical_cores()
