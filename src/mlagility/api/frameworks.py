"""The wiring for models of other frameworks (Keras, scikit-learn & co), kept apart from the
PyTorch path so that ``script.py``/``pipeline.py``/``model.py`` need one call each.

- ``build_plan(model_type, request)``: the stages and the build-identity options of an invocation;
- ``framework_invocation(model, inputs, build_name)``: what ``benchmark_model`` builds for a Keras
  model or a fitted estimator.
"""

from __future__ import annotations

import dataclasses

from mlagility.analysis.framework_discovery import model_type_of
from mlagility.builds.stage import Sequence



def build_plan(model_type: str, request, scenario: str = "inference") -> tuple[Sequence, dict]:
    """The sequence to run for an invocation of ``model_type`` and the options identity to record.

    A ``generation`` (a ``generate()`` call): its prefill and decode graphs with the KV cache
    (``builds/generation_export.py``) when an ONNX runtime is requested, else nothing to build
    (the PyTorch runtimes run the live model)."""
    from mlagility.builds.framework_stages import sequence_for, stage_names

    if scenario == "generation":
        from mlagility.builds.generation_export import generation_sequence

        stages = generation_sequence(request.options) if request.needs_onnx else Sequence("generation", [])
        return stages, {**request.options.identity(), "scenario": "generation"}
    if model_type == "pytorch":
        return request.pytorch_stages(), request.options.identity()
    options = dataclasses.replace(request.options, sequence=stage_names(model_type, request.options))
    stages = sequence_for(model_type, request.options) if request.needs_onnx else Sequence("none", [])
    return stages, options.identity()


def framework_invocation(model, inputs, build_name=None):
    """The ``Invocation`` of a Keras model or a fitted estimator called with ``inputs``.

    ``inputs``: for an estimator, the ``X`` array (or a 1-tuple); for a Keras model, a tuple of
    positional arguments, a dict of keyword arguments, or a single array. Raises ``UsageError``
    for an unfitted estimator or a model of no known framework.
    """
    from mlagility.common.exceptions import UsageError

    model_type = model_type_of(model)
    if model_type == "keras":
        from mlagility.analysis.keras_discovery import KerasDiscovery as discovery_class
        from mlagility.analysis.keras_discovery import named_inputs
        from mlagility.common.compat import guard_triton_after_tensorflow

        guard_triton_after_tensorflow()
        args, kwargs = _split(inputs)
        named = named_inputs(model, args, kwargs)
    elif model_type == "sklearn":
        import numpy as np

        from mlagility.analysis.sklearn_discovery import SklearnDiscovery as discovery_class
        from mlagility.analysis.sklearn_discovery import is_fitted

        if not is_fitted(model):
            raise UsageError(f"benchmark_model needs a fitted estimator: fit the {type(model).__name__} first")
        X = inputs[0] if isinstance(inputs, tuple) else inputs
        args, kwargs, named = (X,), {}, [("X", np.asarray(X))]
    else:
        raise UsageError(f"benchmark_model needs a torch.nn.Module, a keras.Model or a fitted estimator, "
                         f"got {type(model).__name__}")
    found = discovery_class("<benchmark_model>", lambda *_: None)
    found.suspended = True
    invocation = found.record(model, named, args, kwargs)
    info = invocation.model
    info.name, info.file, info.line = build_name or type(model).__name__, "", 0
    return invocation


def _split(inputs) -> tuple[tuple, dict]:
    if isinstance(inputs, dict):
        return (), dict(inputs)
    if isinstance(inputs, tuple):
        return inputs, {}
    return (inputs,), {}  # an array, or a list of arrays for a multi-input Keras model
