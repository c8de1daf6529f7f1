"""``BenchmarkRequest``: every user choice for a run, validated once before any work starts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mlagility.build.cache import Cache
from mlagility.build.options import BuildOptions, check_rebuild_policy
from mlagility.common.exceptions import UsageError
from mlagility.runtimes.base import Runtime
from mlagility.runtimes.registry import load_registry
from mlagility.runtimes.timing import BenchmarkSettings


@dataclass
class BenchmarkRequest:
    cache: Cache
    device: str
    runtimes: list[Runtime]
    rebuild: str
    settings: BenchmarkSettings
    options: BuildOptions
    analyze_only: bool = False
    build_only: bool = False
    script_args: list[str] = field(default_factory=list)

    @property
    def needs_onnx(self) -> bool:
        """Whether ONNX stages run (any ONNX runtime, or an explicit build/export request)."""
        return self.build_only or self.options.export_only or any(not r.needs_model for r in self.runtimes)

    @classmethod
    def create(
        cls,
        cache_dir=None,
        device: str = "x86",
        runtime: str | list[str] | tuple[str, ...] = "ort",
        rebuild: str = "if_needed",
        iterations: int = 100,
        min_time: float = 1.0,
        max_time: float = 60.0,
        analyze_only: bool = False,
        build_only: bool = False,
        export_only: bool = False,
        onnx_opset: int | None = None,
        script_args: str | list[str] | None = None,
    ) -> "BenchmarkRequest":
        import shlex

        names = [runtime] if isinstance(runtime, str) else list(runtime)
        if not names:
            raise UsageError("no runtime given: pass at least one --runtime")
        registry = load_registry()
        if isinstance(script_args, str):
            script_args = shlex.split(script_args)
        return cls(
            cache=Cache(cache_dir),
            device=device,
            runtimes=[registry.get(device, name) for name in dict.fromkeys(names)],
            rebuild=check_rebuild_policy(rebuild),
            settings=BenchmarkSettings(iterations=iterations, min_time=min_time, max_time=max_time),
            options=BuildOptions(onnx_opset=onnx_opset, export_only=export_only),
            analyze_only=analyze_only,
            build_only=build_only or export_only,
            script_args=list(script_args or []),
        )


def check_input_files(paths: list[str | Path]) -> list[Path]:
    """Every input must be an existing ``.py`` or ``.onnx`` file; else one clear UsageError."""
    if not paths:
        raise UsageError("no input files: pass one or more .py scripts or .onnx files")
    checked = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"{raw}: no such file; check the path")
        if path.is_dir():
            raise UsageError(f"{raw} is a directory: pass the .py or .onnx files in it (e.g. {raw}/*.py)")
        if path.suffix not in (".py", ".onnx"):
            raise UsageError(f"{raw}: unsupported file type {path.suffix or '(none)'}; pass a .py script or an .onnx file")
        checked.append(path)
    return checked
