"""Everything that makes one build different from another (compared to decide staleness)."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any

from mlagility.common.exceptions import UsageError

REBUILD_POLICIES = ("if_needed", "always", "never")


PRECISIONS = ("fp32", "fp16")
QUANTIZATIONS = ("int8",)
OPSET_ENV = "MLAGILITY_ONNX_OPSET"


@dataclass(frozen=True)
class BuildOptions:
    onnx_opset: int | None = None
    precision: str = "fp32"
    quantize: str | None = None
    sequence: tuple[str, ...] = ()  # stage names, filled in from the sequence actually used
    export_only: bool = False

    def __post_init__(self):
        if self.onnx_opset is not None and not 7 <= int(self.onnx_opset) <= 30:
            raise UsageError(f"--onnx-opset {self.onnx_opset} is out of range: use 7..30 or leave it unset")
        if self.precision not in PRECISIONS:
            raise UsageError(f"invalid precision {self.precision!r}: choose one of {', '.join(PRECISIONS)}")
        if self.quantize not in (None, *QUANTIZATIONS):
            raise UsageError(f"invalid quantization {self.quantize!r}: choose one of {', '.join(QUANTIZATIONS)}")
        if self.precision != "fp32" and self.quantize:
            raise UsageError("--precision fp16 and --quantize int8 exclude each other: pick one")

    def identity(self) -> dict[str, Any]:
        """The options that change the artifacts (``export_only`` only stops the build early)."""
        data = asdict(self)
        data.pop("export_only")
        data["sequence"] = list(self.sequence)
        return data


def resolve_opset(flag: int | None) -> int | None:
    """``--onnx-opset`` wins over ``MLAGILITY_ONNX_OPSET``; neither means the exporter's default."""
    if flag is not None:
        return flag
    text = os.environ.get(OPSET_ENV)
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"{OPSET_ENV}={text!r} is not a whole number")


def check_rebuild_policy(policy: str) -> str:
    if policy not in REBUILD_POLICIES:
        raise UsageError(f"invalid rebuild policy {policy!r}: choose one of {', '.join(REBUILD_POLICIES)}")
    return policy
