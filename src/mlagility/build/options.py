"""Everything that makes one build different from another (compared to decide staleness)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from mlagility.common.exceptions import UsageError

REBUILD_POLICIES = ("if_needed", "always", "never")


@dataclass(frozen=True)
class BuildOptions:
    onnx_opset: int | None = None
    export_only: bool = False

    def __post_init__(self):
        if self.onnx_opset is not None and not 7 <= int(self.onnx_opset) <= 30:
            raise UsageError(f"--onnx-opset {self.onnx_opset} is out of range: use 7..30 or leave it unset")

    def identity(self) -> dict[str, Any]:
        """The options that change the artifacts (``export_only`` only stops the build early)."""
        data = asdict(self)
        data.pop("export_only")
        return data


def check_rebuild_policy(policy: str) -> str:
    if policy not in REBUILD_POLICIES:
        raise UsageError(f"invalid rebuild policy {policy!r}: choose one of {', '.join(REBUILD_POLICIES)}")
    return policy
