"""The runtime registry, filled from the ``mlagility.runtimes`` entry-point group.

Each class is validated when it registers (``Runtime.validate``): a plugin that breaks the
contract is listed as broken with its reason and never hides the others.

Built-in runtimes are declared in mlagility's own ``pyproject.toml`` under that group, exactly as
a third-party package would declare a plugin.
"""

from __future__ import annotations

import functools

from dataclasses import dataclass, field
from importlib import metadata

from mlagility.common.exceptions import UnsupportedRuntimeError
from mlagility.runtimes.base import Runtime

ENTRY_POINT_GROUP = "mlagility.runtimes"


@dataclass
class RuntimeRegistry:
    runtimes: dict[tuple[str, str], type[Runtime]] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)  # entry point -> why it failed to load

    def register(self, runtime: type[Runtime]) -> None:
        """Add a runtime class; raises ``TypeError`` if it breaks the ``Runtime`` contract."""
        if not (isinstance(runtime, type) and issubclass(runtime, Runtime)):
            raise TypeError(f"{runtime!r} is not a mlagility Runtime subclass")
        runtime.validate()
        key = (runtime.device, runtime.name)
        if key in self.runtimes and self.runtimes[key] is not runtime:
            raise TypeError(f"{runtime.device}/{runtime.name} is already registered by "
                            f"{self.runtimes[key].__module__}.{self.runtimes[key].__qualname__}")
        self.runtimes[key] = runtime

    def keys(self) -> list[str]:
        return [f"{device}/{name}" for device, name in sorted(self.runtimes)]

    def get(self, device: str, name: str) -> Runtime:
        """An instance of the runtime, or a one-line error listing the valid combinations."""
        runtime = self.runtimes.get((device, name))
        if runtime is None:
            valid = ", ".join(f"--device {d} --runtime {n}" for d, n in sorted(self.runtimes))
            raise UnsupportedRuntimeError(
                f"unknown device/runtime {device}/{name}: valid combinations are {valid}"
            )
        reason = runtime.unavailable_reason()
        if reason:
            raise UnsupportedRuntimeError(f"runtime {device}/{name} is not available here: {reason}")
        return runtime()


@functools.lru_cache(maxsize=1)
def reference_runtime_names() -> frozenset[str]:
    """Names of the registered runtimes that run the framework itself (``Runtime.is_reference``:
    torch-eager, keras), against which the other runtimes' outputs are checked."""
    return frozenset(cls.name for cls in load_registry().runtimes.values() if cls.is_reference)


def load_registry() -> RuntimeRegistry:
    registry = RuntimeRegistry()
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            registry.register(entry.load())
        except Exception as error:  # one broken plugin must not hide the others
            registry.broken[entry.name] = f"{type(error).__name__}: {error}"
    return registry


@functools.lru_cache(maxsize=None)
def runtime_class(device: str, name: str) -> type[Runtime] | None:
    """The registered class of ``device/name`` (None if there is none), looked up once."""
    return load_registry().runtimes.get((device, name))


def non_default_options(device: str, name: str, recorded: dict) -> dict:
    """The options of a recorded result that differ from its runtime's defaults ({} when the
    runtime is not registered here)."""
    runtime = runtime_class(device, name)
    try:
        return runtime.non_default_options(recorded or {}) if runtime is not None else {}
    except Exception:  # a result recorded by another version: show nothing rather than fail
        return {}
