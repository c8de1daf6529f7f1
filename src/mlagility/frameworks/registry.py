"""The framework registry, filled from the ``mlagility.frameworks`` entry-point group.

Each class is validated when it registers (``Framework.validate``): a plugin that breaks the
contract is listed as broken with its reason and never hides the others. PyTorch, Keras and
scikit-learn are declared in mlagility's own ``pyproject.toml`` under that group, exactly as a
third-party package would declare a plugin. Loading the registry imports each framework's
declaration module, never the framework itself.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from mlagility.common.exceptions import UsageError
from mlagility.frameworks.base import Framework

ENTRY_POINT_GROUP = "mlagility.frameworks"
ONNX = "onnx"  # .onnx files given as inputs: no framework, no discovery
ONNX_LABEL = "ONNX file"


@dataclass
class FrameworkRegistry:
    frameworks: dict[str, type[Framework]] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)  # entry point -> why it failed to load

    def register(self, framework: type[Framework]) -> None:
        """Add a framework class; raises ``TypeError`` if it breaks the ``Framework`` contract."""
        if not (isinstance(framework, type) and issubclass(framework, Framework)):
            raise TypeError(f"{framework!r} is not a mlagility Framework subclass")
        framework.validate()
        known = self.frameworks.get(framework.name)
        if known is not None and known is not framework:
            raise TypeError(f"framework {framework.name} is already registered by "
                            f"{known.__module__}.{known.__qualname__}")
        self.frameworks[framework.name] = framework

    def ordered(self) -> list[type[Framework]]:
        """The frameworks in the order ``owns`` is asked (ascending ``priority``, then name)."""
        return sorted(self.frameworks.values(), key=lambda f: (f.priority, f.name))

    def get(self, name: str) -> type[Framework]:
        """The framework of model type ``name``; one line naming the registered ones otherwise."""
        framework = self.frameworks.get(name)
        if framework is None:
            raise UsageError(f"no framework {name!r} is registered (registered: "
                             f"{', '.join(sorted(self.frameworks)) or 'none'}; built-ins come from the "
                             f"{ENTRY_POINT_GROUP} entry points: pip install -e . again after updating)")
        return framework

    def of(self, model: Any) -> type[Framework] | None:
        """The framework that owns the live ``model``, or None."""
        return next((f for f in self.ordered() if f.owns(model)), None)


@functools.lru_cache(maxsize=1)
def frameworks() -> FrameworkRegistry:
    """The registry of this process (loaded once); a one-line error if it is empty (mlagility's
    own entry points missing: an install older than the registry)."""
    registry = load_registry()
    if not registry.frameworks:
        broken = "; ".join(f"{name}: {why}" for name, why in registry.broken.items())
        raise UsageError(f"no framework is registered in the {ENTRY_POINT_GROUP} entry points"
                         f"{f' ({broken})' if broken else ''}: reinstall mlagility (pip install -e .)")
    return registry


def load_registry() -> FrameworkRegistry:
    registry = FrameworkRegistry()
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            registry.register(entry.load())
        except Exception as error:  # one broken plugin must not hide the others
            registry.broken[entry.name] = f"{type(error).__name__}: {error}"
    return registry


def model_type_of(model: Any) -> str:
    """The ``name`` of the framework owning a live model (``unknown`` if none), importing no framework."""
    framework = frameworks().of(model)
    return framework.name if framework else "unknown"


def label_of(model_type: str) -> str:
    """How the tree names models of ``model_type``."""
    if model_type == ONNX:
        return ONNX_LABEL
    framework = frameworks().frameworks.get(model_type)
    return framework.label if framework else model_type


def reference_label_of(model_type: str) -> str:
    """What a correctness check compares with ("PyTorch eager", "Keras", ...)."""
    framework = frameworks().frameworks.get(model_type)
    return framework.reference_label if framework else model_type
