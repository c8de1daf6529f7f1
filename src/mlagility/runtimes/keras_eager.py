"""Keras eager on the CPU (``x86/keras``): the live Keras model, in-process, the reference runtime
of Keras models (like ``torch-eager`` for PyTorch). fp32 builds only.

The model-specific part is ``load_keras`` (model + inputs -> a callable running one inference,
returning numpy arrays); the harness does the timing, outputs and measurement.
"""

from __future__ import annotations

from typing import Callable

from mlagility.common.system_info import logical_cores
from mlagility.frameworks.keras.stages import keras_outputs
from mlagility.runtimes.base import ArtifactNeeds, EagerRuntime, LoadTarget, RuntimeOptions, Session


def load_keras(model, args: tuple, kwargs: dict) -> Callable[[], list]:
    """One inference of the live Keras model, returning its outputs as numpy arrays."""
    def run() -> list:
        return keras_outputs(model(*args, **kwargs))

    return run


def keras_version() -> str:
    from importlib.metadata import version

    return version("keras")


class KerasEagerRuntime(EagerRuntime):
    name = "keras"
    needs = ArtifactNeeds(kind="model", precisions=("fp32",), model_types=("keras",))
    imports = ("keras",)

    @classmethod
    def default_threads(cls) -> int:
        return _tf_threads()

    def load(self, target: LoadTarget, options: RuntimeOptions) -> Session:
        return Session(run=load_keras(target.model, tuple(target.args), dict(target.kwargs)), threads=_tf_threads())


def _tf_threads() -> int:
    import sys

    tf = sys.modules.get("tensorflow")
    try:
        return int(tf.config.threading.get_intra_op_parallelism_threads()) or logical_cores()
    except Exception:
        return logical_cores()
