"""What discovery finds: models (``ModelInfo``) and their distinct calls (``Invocation``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class InputSpec:
    """One tensor input of an invocation, as the model receives it."""

    name: str
    shape: tuple[int, ...]
    dtype: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "shape": list(self.shape), "dtype": self.dtype}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "InputSpec":
        return cls(data["name"], tuple(data["shape"]), data["dtype"])


@dataclass
class ModelInfo:
    """A model object the script called: a ``torch.nn.Module`` with parameters."""

    name: str
    class_name: str
    qualified_class: str
    file: str
    line: int
    params: int
    size_mb: float
    model_hash: str
    depth: int = 0
    parent_hash: str | None = None
    model_type: str = "pytorch"
    wrapper: str | None = None  # the wrapper the script called it through (DataParallel...)

    @property
    def location(self) -> str:
        return f"{self.file}, line {self.line}"


@dataclass
class Invocation:
    """One distinct input signature a model was called with."""

    hash: str
    model: ModelInfo
    inputs: list[InputSpec]
    signature: str
    executions: int = 1
    parent_invocation: str | None = None
    # The call's non-tensor arguments, (name, repr) in signature order: ("steps", "3")
    constants: list[tuple[str, str]] = field(default_factory=list)
    # The live objects, kept only in memory (never written to disk as Python objects).
    args: tuple = field(default=(), repr=False, compare=False)
    kwargs: dict = field(default_factory=dict, repr=False, compare=False)
    # A generate() call (analysis/generation.py): what it was, and (in memory) how to run it again
    generation: Any = None  # GenerationInfo
    call: Any = field(default=None, repr=False, compare=False)  # GenerationCall

    @property
    def scenario(self) -> str:
        """The workload benchit times for this invocation (``scenarios/``)."""
        return "generation" if self.generation is not None else "inference"

    @property
    def input_shapes(self) -> str:
        return ", ".join(f"'{spec.name}': {tuple(spec.shape)}" for spec in self.inputs) or "(none)"

    @property
    def constant_arguments(self) -> str:
        return ", ".join(f"{name}={text}" for name, text in self.constants)
