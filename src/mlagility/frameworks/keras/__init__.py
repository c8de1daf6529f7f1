"""Keras 3 (``keras.Model``, TensorFlow or JAX backend): discovery patches installed when the
script imports ``keras``/``tensorflow`` (``discovery.py``), export by Keras' exporter with tf2onnx
as fallback (``stages.py``), the reference is the ``keras`` runtime (``runtimes/keras_eager.py``)
and the outputs Keras computed at build time (``reference.npz``)."""

from __future__ import annotations

import sys
from typing import Any, Callable

from mlagility.analysis.framework_discovery import array_digest, split_inputs
from mlagility.analysis.model_info import Invocation
from mlagility.common.compat import guard_triton_after_tensorflow
from mlagility.frameworks.base import Framework
from mlagility.frameworks.keras.discovery import KerasDiscovery, named_inputs
from mlagility.frameworks.keras.stages import keras_sequence


class KerasFramework(Framework):
    name = "keras"
    label = "Keras (keras.Model)"
    roots = ("keras",)  # tf.keras is Keras 3: importing it imports keras
    reference_runtime = "keras"
    reference_label = "Keras"
    priority = 20

    @classmethod
    def owns(cls, model: Any) -> bool:
        keras = sys.modules.get("keras")
        return keras is not None and isinstance(model, keras.Model)

    @classmethod
    def discovery(cls, script: str, on_invocation: Callable, max_depth: int = 0) -> KerasDiscovery:
        return KerasDiscovery(script, on_invocation, max_depth)

    @classmethod
    def describe_call(cls, model, inputs, build_name: str | None) -> Invocation:
        """``inputs``: a tuple of positional arguments, a dict of keyword arguments, or one array
        (or a list of arrays for a multi-input model)."""
        guard_triton_after_tensorflow()
        args, kwargs = split_inputs(inputs)
        return KerasDiscovery.invocation_of(model, named_inputs(model, args, kwargs), args, kwargs)

    @classmethod
    def weights_hash(cls, model) -> str:
        import numpy as np  # noqa: PLC0415 (numpy only once a Keras model exists)

        return array_digest(np.ascontiguousarray(np.asarray(w)) for w in model.get_weights())

    @classmethod
    def sequence(cls, options):
        return keras_sequence(options)

    @classmethod
    def example(cls):
        """A tiny model and its inputs (the framework conformance test)."""
        import keras  # noqa: PLC0415
        import numpy as np  # noqa: PLC0415

        keras.utils.set_random_seed(0)
        inputs = keras.Input((16,), name="x")
        hidden = keras.layers.Dense(32, activation="relu")(inputs)
        model = keras.Model(inputs, keras.layers.Dense(4)(hidden))
        return model, (np.random.default_rng(0).random((2, 16), dtype=np.float32),)
