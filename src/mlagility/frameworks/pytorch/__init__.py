"""PyTorch: ``torch.nn.Module`` models. Discovery is ``analysis/discovery.py`` (torch's global
module hooks, installed when the script imports ``torch``; ``generate()`` of transformers watched
once ``transformers.generation.utils`` is imported); the build is the default ONNX sequence
(``builds/stages.py``); the reference is ``torch-eager``, whose live-model outputs are computed
here for the runtimes that run the live model."""

from __future__ import annotations

import sys
from typing import Any, Callable

from mlagility.analysis import hashing
from mlagility.analysis.copies import fresh_copy
from mlagility.analysis.model_info import Invocation, ModelInfo
from mlagility.analysis.torch_state import preserved_state
from mlagility.builds.stages import pytorch_sequence
from mlagility.common.exceptions import UsageError
from mlagility.frameworks.base import Framework
from mlagility.runtimes.outputs import flatten_outputs


class TorchDiscovery:
    """``analysis.discovery.ModelDiscovery`` behind the framework discovery protocol: entered when
    ``torch`` is imported, told when transformers' generation module is."""

    def __init__(self, script: str, on_invocation: Callable, max_depth: int = 0):
        self.script, self.on_invocation, self.max_depth = script, on_invocation, max_depth
        self.model_discovery = None
        self.suspended = False  # torch discovery suspends itself while building (discovery.suspended())

    @property
    def invocations(self) -> list[Invocation]:
        return self.model_discovery.invocations if self.model_discovery else []

    def install(self, module) -> None:
        if module.__name__ == "torch" and self.model_discovery is None:
            # analysis/discovery.py imports torch: only once the script itself has imported it
            from mlagility.analysis.discovery import ModelDiscovery  # lazy: pulls torch  # noqa: PLC0415

            discovery = ModelDiscovery(self.script, self.on_invocation, max_depth=self.max_depth)
            self.model_discovery = discovery.__enter__()
        elif module.__name__ == "transformers.generation.utils" and self.model_discovery is not None:
            self.model_discovery.watch_generate()

    def close(self, *exc) -> None:
        if self.model_discovery is not None:  # runs the builds still pending, then unhooks
            self.model_discovery.__exit__(*exc)

    def go_inert(self) -> None:
        if self.model_discovery is not None:
            self.model_discovery._pending.clear()
            self.model_discovery._remove()
            self.model_discovery = None


class PyTorchFramework(Framework):
    name = "pytorch"
    label = "Pytorch (torch.nn.Module)"
    roots = ("torch",)
    submodules = False  # torch itself, not each of its ~1000 submodules
    follows = ("transformers",)
    reference_runtime = "torch-eager"
    reference_label = "PyTorch eager"
    priority = 10  # a Keras model on the torch backend is a torch.nn.Module: PyTorch's

    @classmethod
    def owns(cls, model: Any) -> bool:
        torch = sys.modules.get("torch")
        return torch is not None and isinstance(model, torch.nn.Module)

    @classmethod
    def discovery(cls, script: str, on_invocation: Callable, max_depth: int = 0) -> TorchDiscovery:
        return TorchDiscovery(script, on_invocation, max_depth)

    @classmethod
    def describe_call(cls, model, inputs, build_name: str | None) -> Invocation:
        args, kwargs = _split_inputs(inputs)
        signature, specs = hashing.input_signature(model, args, kwargs)
        model_hash = hashing.model_hash(model)
        params = list(model.parameters())
        info = ModelInfo(
            name=build_name or type(model).__name__,
            class_name=type(model).__name__,
            qualified_class=f"{type(model).__module__}.{type(model).__qualname__}",
            file="", line=0,
            params=sum(p.numel() for p in params),
            size_mb=sum(p.numel() * p.element_size() for p in params) / 1e6,
            model_hash=model_hash,
        )
        return Invocation(hashing.invocation_hash(model_hash, signature), info, specs, signature,
                          args=args, kwargs=kwargs)

    @classmethod
    def weights_hash(cls, model) -> str:
        return hashing.weights_hash(model)

    @classmethod
    def sequence(cls, options):
        return pytorch_sequence(options)

    @classmethod
    def build_plan(cls, request):
        """A custom ``--sequence-file``, the default sequence or none (torch-only runtimes); the
        identity is the options' own."""
        return request.pytorch_stages(), request.options.identity()

    @classmethod
    def live_reference(cls, context) -> list | None:
        """The live model's outputs, its state preserved, on fresh copies of the call's arguments."""
        import torch  # noqa: PLC0415 (torch stays off the start-up path)

        args, kwargs = fresh_copy((context.args, context.call_kwargs()))
        with preserved_state(context.model, clone_parameters=False), torch.inference_mode():
            return flatten_outputs(context.model(*args, **kwargs))

    @classmethod
    def example(cls):
        """A tiny model and its inputs (the framework conformance test)."""
        import torch  # noqa: PLC0415

        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4))
        return model, (torch.rand(2, 16),)


def _split_inputs(inputs) -> tuple[tuple, dict]:
    import torch  # noqa: PLC0415

    if isinstance(inputs, dict):
        return (), dict(inputs)
    if isinstance(inputs, (tuple, list)):
        return tuple(inputs), {}
    if isinstance(inputs, torch.Tensor):
        return (inputs,), {}
    raise UsageError(
        f"inputs must be a dict of keyword arguments, a tuple of arguments or a tensor, "
        f"got {type(inputs).__name__}"
    )
