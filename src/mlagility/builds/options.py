"""``BuildOptions``: everything that makes one build different from another.

Compared to decide staleness (``staleness.py``). The values are validated where every option is
declared (``api/options.py``); this is only their build-facing shape.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class BuildOptions:
    onnx_opset: int | None = None
    precision: str = "fp32"
    quantize: str | None = None
    sequence: tuple[str, ...] = ()  # stage names, filled in from the sequence actually used
    export_only: bool = False

    def identity(self) -> dict[str, Any]:
        """The options that change the artifacts (``export_only`` only stops the build early)."""
        data = asdict(self)
        data.pop("export_only")
        data["sequence"] = list(self.sequence)
        return data
