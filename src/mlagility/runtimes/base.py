"""The runtime interface: every runtime (built-in or plugin) is a subclass of ``Runtime``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from mlagility.runtimes.measurement import Measurement
from mlagility.runtimes.timing import BenchmarkSettings

if TYPE_CHECKING:
    from mlagility.builds.builder import Build


class Runtime(ABC):
    """How to run a built model on a device and time it.

    Subclasses set ``device`` and ``name`` (the registry key), and say what they need: an ONNX
    artifact (``needs_onnx``) or the live PyTorch model (``needs_model``).
    """

    device: ClassVar[str] = "x86"
    name: ClassVar[str] = ""
    needs_model: ClassVar[bool] = False

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """Why this runtime cannot run on this machine (missing package, no device), or None."""
        return None

    def supports(self, build: "Build") -> str | None:
        """Why this runtime cannot benchmark ``build``, or None."""
        if self.needs_model and build.context.model is None:
            return f"{self.name} needs the PyTorch model; it cannot run a provided .onnx file"
        if not self.needs_model and build.context.path("inputs") is None:
            return f"{self.name} needs a built ONNX file and saved inputs (run without --export-only)"
        return None

    @abstractmethod
    def benchmark(self, build: "Build", settings: BenchmarkSettings) -> Measurement:
        """Load the build, time it with ``timing.measure``, return the measurement."""
