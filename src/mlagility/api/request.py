"""``BenchmarkRequest``: every user choice for a run, validated once before any work starts.

The values come from the one option declaration (``api/options.py``); this module only turns
them into the objects the work needs (cache, runtimes, timing settings, build options, sequence).
"""

from __future__ import annotations

import dataclasses
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlagility.api import options as declared
from mlagility.builds.cache import Cache
from mlagility.builds.options import BuildOptions
from mlagility.builds.stage import Sequence, load_sequence_file
from mlagility.builds.stages import pytorch_sequence
from mlagility.common.exceptions import UsageError
from mlagility.runtimes.base import Runtime
from mlagility.runtimes.harness import BenchmarkSettings
from mlagility.runtimes.registry import load_registry


@dataclass
class BenchmarkRequest:
    """The resolved options (``values``, readable as attributes: ``request.max_depth``...) and
    what they make: the cache, the runtime instances, timing settings, build options, sequence."""

    values: dict[str, Any]
    cache: Cache
    runtimes: list[Runtime]
    settings: BenchmarkSettings
    options: BuildOptions
    sequence: Sequence | None = None
    script_args: list[str] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("values")
        if values is not None and name in values:
            return values[name]
        raise AttributeError(f"BenchmarkRequest has no attribute {name!r}")

    @property
    def stops_after_build(self) -> bool:
        return bool(self.values["build_only"] or self.values["export_only"])

    @property
    def sequence_file(self) -> str | None:
        value = self.values["sequence"]
        return value if isinstance(value, str) else None

    @property
    def build_suffix(self) -> str:
        """``_fp16``/``_int8`` so that builds of other precisions sit beside the fp32 one."""
        if self.options.quantize:
            return f"_{self.options.quantize}"
        return "" if self.options.precision == "fp32" else f"_{self.options.precision}"

    @property
    def needs_onnx(self) -> bool:
        """Whether ONNX stages run (any ONNX runtime, or an explicit build/export request)."""
        return self.stops_after_build or any(r.needs.kind == "onnx" for r in self.runtimes)

    def pytorch_stages(self) -> Sequence:
        """The stages for a PyTorch invocation: custom, default, or none (torch-only runtimes)."""
        if self.sequence is not None:
            return self.sequence
        if not self.needs_onnx:
            return Sequence("none", [])
        return pytorch_sequence(self.options)

    def to_cli_args(self) -> list[str]:
        """The ``benchit benchmark`` flags that reproduce this request (isolated children, Slurm
        tasks): derived from the option declaration; the cache is always given, absolute."""
        values = {**self.values, "cache_dir": str(self.cache.root)}
        return declared.to_flags(values, exclude=("labels", "process_isolation", "resume", *declared.not_forwarded()))

    def attempt_arguments(self) -> dict:
        """What makes two attempts of a script the same attempt (for ``--resume``)."""
        return declared.resume_identity(self.values)

    @classmethod
    def create(cls, api: str | None = None, **given: Any) -> "BenchmarkRequest":
        """Resolve and check every option (``UsageError`` on the first bad one)."""
        values = declared.resolve(given, api)
        if values["precision"] != "fp32" and values["quantize"]:
            raise UsageError("--precision fp16 and --quantize int8 exclude each other: pick one")
        registry = load_registry()
        names = list(dict.fromkeys(values["runtime"]))
        script_args = values["script_args"]
        if isinstance(script_args, str):
            try:
                script_args = shlex.split(script_args)
            except ValueError as error:
                raise UsageError(f"--script-args {values['script_args']!r} cannot be split like a shell "
                                 f"would ({error}): balance the quotes") from None
        sequence = values["sequence"]
        if isinstance(sequence, str):
            values["sequence"] = str(Path(sequence).resolve())
            sequence = load_sequence_file(sequence)
        elif sequence is not None and not isinstance(sequence, Sequence):
            sequence = Sequence("custom", list(sequence))
        options = BuildOptions(values["onnx_opset"], values["precision"], values["quantize"],
                               export_only=values["export_only"])
        stage_names = (sequence or pytorch_sequence(dataclasses.replace(options, export_only=False))).names
        settings = BenchmarkSettings(iterations=values["iterations"], min_time=values["min_time"],
                                     max_time=values["max_time"])
        return cls(
            values=values,
            cache=Cache(values["cache_dir"]),
            runtimes=[registry.get(values["device"], name) for name in names],
            settings=settings,
            options=dataclasses.replace(options, sequence=stage_names),
            sequence=sequence,
            script_args=list(script_args or []),
        )
