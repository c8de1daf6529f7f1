"""Keras 3 discovery: ``keras.Model`` calls the script makes (TensorFlow or JAX backend).

Patches (undone on exit): ``Model.__new__`` (where the model is created), ``Model.__call__`` and
``Model.predict`` (the calls). On the torch backend a Keras model is a ``torch.nn.Module``, found by
the PyTorch discovery; nothing is patched then. Symbolic calls (functional model construction,
calls inside ``tf.function``, ``fit``) are not invocations.

``max_depth`` N also records the Keras models called inside a recorded model (a functional model
nested in another), down to depth N, with their parent invocation; Keras layers that are not
models are never recorded.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from mlagility.analysis.framework_discovery import BaseDiscovery
from mlagility.analysis.model_info import Invocation
from mlagility.common.compat import guard_triton_after_tensorflow
from mlagility.analysis.hashing import short_hash


@dataclass
class _Call:
    model: object
    children: list = field(default_factory=list)


@dataclass
class _Done:
    model: object
    args: tuple
    kwargs: dict
    children: list


class KerasDiscovery(BaseDiscovery):
    model_type = "keras"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._stack: list[_Call] = []

    def install(self, module) -> None:
        if module.__name__ != "keras" or self.patches:
            return
        import keras

        if keras.config.backend() == "torch":
            return  # a Keras model is a torch.nn.Module: the PyTorch discovery finds it
        guard_triton_after_tensorflow()
        from keras.src.layers.layer import Layer
        from keras.src.models.model import Model

        discovery, call, original_predict = self, Layer.__call__, Model.predict
        new = Model.__dict__["__new__"]
        new_function = new.__func__ if isinstance(new, staticmethod) else new

        def __new__(cls, *args, **kwargs):
            obj = new_function(cls, *args, **kwargs)
            if not discovery.suspended:
                discovery.remember_creation(obj)
            return obj

        def __call__(model, *args, **kwargs):
            if discovery.suspended or not _eager(args, kwargs):
                return call(model, *args, **kwargs)
            discovery._stack.append(_Call(model))
            try:
                outputs = call(model, *args, **kwargs)
            except BaseException:
                discovery._stack.pop()
                raise
            discovery._completed(discovery._stack.pop(), args, kwargs)
            return outputs

        def predict(model, x, *args, **kwargs):
            if discovery.suspended or discovery._stack or not discovery.called_from_user_code():
                return original_predict(model, x, *args, **kwargs)
            discovery.suspended = True
            try:
                outputs = original_predict(model, x, *args, **kwargs)
            finally:
                discovery.suspended = False
            discovery._completed(_Call(model), (x,), {})
            return outputs

        __call__.__wrapped__, predict.__wrapped__ = call, original_predict  # type: ignore[attr-defined]
        self.patches.set(Model, "__new__", staticmethod(__new__))
        self.patches.set(Model, "__call__", __call__)
        self.patches.set(Model, "predict", predict)

    # -- recording ------------------------------------------------------------------------
    def _completed(self, call: _Call, args: tuple, kwargs: dict) -> None:
        depth = len(self._stack)
        done = _Done(call.model, args, kwargs, call.children)
        if depth:
            if depth <= self.max_depth:
                self._stack[-1].children.append(done)
            return
        if _inside_layer_init():
            return
        self._record_tree(done, None, None, 0)

    def _record_tree(self, done: _Done, root: Invocation | None, parent: str | None, depth: int) -> None:
        named = named_inputs(done.model, done.args, done.kwargs)
        sub_name = _sub_name(root, done.model, self) if root else None
        invocation = self.record(
            done.model, named, _copy(done.args), _copy(done.kwargs), depth=depth, root=root,
            parent=parent, sub_name=sub_name,
        )
        for child in done.children:
            self._record_tree(child, root or invocation, invocation.hash, depth + 1)

    def describe(self, model) -> tuple[int, float]:
        import numpy as np

        params = int(model.count_params()) if model.built else 0
        size = sum(int(np.prod(w.shape)) * np.dtype(w.dtype).itemsize for w in model.weights)
        return params, size / 1e6

    def model_hash(self, model) -> str:
        return keras_model_hash(model)


def keras_model_hash(model) -> str:
    """Class, layer classes and every weight's path, shape and dtype (not the values)."""
    cls = type(model)
    parts = [f"{cls.__module__}.{cls.__qualname__}"]
    parts += [f"{type(layer).__name__}:{layer.name}" for layer in model._flatten_layers(include_self=False)]
    parts += [f"{getattr(w, 'path', w.name)}:{tuple(w.shape)}:{w.dtype}" for w in model.weights]
    return short_hash("\n".join(parts))


def named_inputs(model, args: tuple, kwargs: dict) -> list[tuple[str, object]]:
    """Every array of the call as numpy, named after the model's inputs where they line up."""
    import keras
    import numpy as np

    leaves = [leaf for leaf in keras.tree.flatten((args, kwargs)) if _is_array(leaf)]
    arrays = [np.asarray(keras.ops.convert_to_numpy(leaf)) for leaf in leaves]
    names = model_input_names(model)
    if len(names) != len(arrays):
        names = [f"input_{i}" for i in range(len(arrays))]
    return list(zip(names, arrays))


def model_input_names(model) -> list[str]:
    try:
        return [tensor.name for tensor in model.inputs]
    except (AttributeError, ValueError):  # a subclassed model has no symbolic inputs
        return []


def _is_array(value) -> bool:
    return hasattr(value, "shape") and hasattr(value, "dtype")


def _eager(args, kwargs) -> bool:
    """No symbolic tensor in the call, and TensorFlow (if loaded) running eagerly."""
    import keras

    for leaf in keras.tree.flatten((args, kwargs)):
        if isinstance(leaf, keras.KerasTensor):
            return False
    tf = sys.modules.get("tensorflow")
    return tf is None or not hasattr(tf, "executing_eagerly") or tf.executing_eagerly()


def _copy(value):
    """Numpy copies of every array: what the script does afterwards cannot change them."""
    import keras
    import numpy as np

    return keras.tree.map_structure(
        lambda leaf: np.array(keras.ops.convert_to_numpy(leaf)) if _is_array(leaf) else leaf, value
    )


def _inside_layer_init() -> bool:
    """Whether a Keras layer's ``__init__`` is running (a model called to build another)."""
    from keras.src.layers.layer import Layer

    frame = sys._getframe(3)
    while frame is not None:
        if frame.f_code.co_name == "__init__" and isinstance(frame.f_locals.get("self"), Layer):
            return True
        frame = frame.f_back
    return False


def _sub_name(root: Invocation, model, discovery: KerasDiscovery) -> str:
    return f"{root.model.name}.{getattr(model, 'name', type(model).__name__)}"


