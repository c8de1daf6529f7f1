"""The stage framework: ``BuildContext`` (what stages read and write), ``Stage``, ``Sequence``.

Built-in stages are in ``builds/stages.py``; a custom sequence file (``--sequence-file``) defines
``get_sequence()`` returning a ``Sequence`` or a list of ``Stage``s (see ``examples/``).
"""

from __future__ import annotations

import shutil
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlagility.builds.options import BuildOptions
from mlagility.builds.state import BuildState
from mlagility.common.exceptions import UsageError, one_line


@dataclass
class BuildContext:
    """What stages read and write. ``model``/``args``/``kwargs`` are absent for ``.onnx`` inputs."""

    dir: Path
    state: BuildState
    options: BuildOptions
    model: Any = None
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    onnx_source: Path | None = None
    # a generation's call (analysis/generation.py: GenerationCall or DecodeLoopCall), for its export
    generation: Any = None

    def path(self, key: str) -> Path | None:
        relative = self.state.artifacts.get(key)
        return None if relative is None else self.dir / relative

    def call_kwargs(self) -> dict:
        """The keyword arguments the build uses: the script's, plus ``state.call_overrides``."""
        return {**self.kwargs, **(self.state.call_overrides or {})}

    def current_onnx_key(self) -> str:
        """The key of the newest ONNX model before optimization: ``converted``, else ``onnx``."""
        return "converted" if self.path("converted") else "onnx"

    def current_onnx(self) -> Path | None:
        """The newest ONNX model of the build before optimization (converted, else exported)."""
        return self.path(self.current_onnx_key())


class Stage(ABC):
    """One unit of build work.

    ``name`` is unique in a sequence and names the log file (``log_<name>.txt``); ``needs`` and
    ``produces`` list artifact keys (``onnx``, ``inputs``, ``converted``, ``optimized``...).
    ``run`` reads and updates ``ctx.state`` (artifacts, facts) and raises on failure; its
    stdout/stderr/warnings go to its log, its duration and peak memory to the state.
    """

    name: str = ""
    description: str = ""
    needs: tuple[str, ...] = ()
    produces: tuple[str, ...] = ()

    @abstractmethod
    def run(self, ctx: BuildContext) -> None:
        """Do the work, record artifacts in ``ctx.state``; raise on failure."""


class Sequence:
    """An ordered list of stages; sequences nest and are flattened; names must be unique."""

    def __init__(self, name: str, parts: "list[Stage | Sequence]"):
        self.name = name
        self.stages: list[Stage] = []
        for part in parts:
            if isinstance(part, Sequence):
                self.stages.extend(part.stages)
            elif isinstance(part, Stage):
                self.stages.append(part)
            else:
                raise UsageError(f"sequence {name!r}: {part!r} is not a Stage or a Sequence")
        names = [stage.name for stage in self.stages]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise UsageError(f"sequence {name!r} has duplicate stage names: {', '.join(duplicates)}")
        if any(not n for n in names):
            raise UsageError(f"sequence {name!r} has a stage without a name")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(stage.name for stage in self.stages)


def remove_artifacts(build_dir: Path) -> None:
    """Delete everything a build produced except logs (used before a rebuild)."""
    for child in build_dir.iterdir():
        if child.name.startswith("log_") or child.name.startswith("."):
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink(missing_ok=True)


def load_sequence_file(path) -> Sequence:
    """A custom sequence from a Python file defining ``get_sequence()`` (``--sequence-file``)."""
    import runpy

    path = Path(path)
    if not path.is_file():
        raise UsageError(f"--sequence-file {path}: no such file")
    try:
        namespace = runpy.run_path(str(path), run_name="mlagility_sequence")
    except Exception as error:
        raise UsageError(f"--sequence-file {path} raised {one_line(error)}")
    if not callable(namespace.get("get_sequence")):
        raise UsageError(f"--sequence-file {path} must define get_sequence() returning a Sequence or a list of stages")
    sequence = namespace["get_sequence"]()
    return sequence if isinstance(sequence, Sequence) else Sequence(path.stem, list(sequence))
