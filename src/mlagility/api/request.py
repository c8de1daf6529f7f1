"""``BenchmarkRequest``: every user choice for a run, validated once before any work starts."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from mlagility.builds.cache import Cache
from mlagility.builds.options import BuildOptions, check_rebuild_policy, resolve_opset
from mlagility.builds.stage import Sequence, load_sequence_file
from mlagility.builds.stages import pytorch_sequence
from mlagility.common.exceptions import UsageError
from mlagility.runtimes.base import Runtime
from mlagility.runtimes.registry import load_registry
from mlagility.runtimes.timing import BenchmarkSettings


DEFAULT_TIMEOUT = 3600.0
TIMEOUT_ENV = "MLAGILITY_TIMEOUT_SECONDS"


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
    max_depth: int = 0
    process_isolation: bool = False
    timeout: float = DEFAULT_TIMEOUT
    resume: bool = False
    lean_cache: bool = False
    check: bool = True  # compare every runtime's outputs with PyTorch eager
    sequence: Sequence | None = None  # a custom sequence (--sequence-file / sequence=)
    sequence_file: str | None = None

    @property
    def build_suffix(self) -> str:
        """``_fp16``/``_int8`` so that builds of other precisions sit beside the fp32 one."""
        if self.options.quantize:
            return f"_{self.options.quantize}"
        return "" if self.options.precision == "fp32" else f"_{self.options.precision}"

    def pytorch_stages(self) -> Sequence:
        """The stages for a PyTorch invocation: custom, default, or none (torch-only runtimes)."""
        if self.sequence is not None:
            return self.sequence
        if not self.needs_onnx:
            return Sequence("none", [])
        return pytorch_sequence(self.options)

    def to_cli_args(self) -> list[str]:
        """The ``benchit benchmark`` flags that reproduce this request (for isolated children)."""
        import shlex

        args = [
            "--device", self.device, "--runtime", *(r.name for r in self.runtimes),
            "-d", str(self.cache.root), "--rebuild", self.rebuild,
            "--iterations", str(self.settings.iterations),
            "--min-time", str(self.settings.min_time), "--max-time", str(self.settings.max_time),
            "--max-depth", str(self.max_depth),
        ]
        if self.analyze_only:
            args.append("--analyze-only")
        elif self.options.export_only:
            args.append("--export-only")
        elif self.build_only:
            args.append("--build-only")
        if self.options.onnx_opset is not None:
            args += ["--onnx-opset", str(self.options.onnx_opset)]
        if self.options.precision != "fp32":
            args += ["--precision", self.options.precision]
        if self.options.quantize:
            args += ["--quantize", self.options.quantize]
        if self.sequence_file:
            args += ["--sequence-file", self.sequence_file]
        if self.lean_cache:
            args.append("--lean-cache")
        if not self.check:
            args.append("--no-check")
        if self.script_args:
            args += ["--script-args", shlex.join(self.script_args)]
        return args

    def attempt_arguments(self) -> dict:
        """What makes two attempts of a script the same attempt (for ``--resume``)."""
        args = self.to_cli_args()
        cache_at = args.index("-d")
        args = args[:cache_at] + args[cache_at + 2:]
        return {"args": [a for a in args if a != "--lean-cache"]}  # cleaning changes no result

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
        max_depth: int = 0,
        process_isolation: bool = False,
        timeout: float | None = None,
        resume: bool = False,
        precision: str = "fp32",
        quantize: str | None = None,
        sequence=None,
        lean_cache: bool = False,
        check: bool = True,
    ) -> "BenchmarkRequest":
        import shlex

        names = [runtime] if isinstance(runtime, str) else list(runtime)
        if not names:
            raise UsageError("no runtime given: pass at least one --runtime")
        registry = load_registry()
        if isinstance(script_args, str):
            script_args = shlex.split(script_args)
        options = BuildOptions(resolve_opset(onnx_opset), precision, quantize, export_only=export_only)
        sequence_file = None
        if isinstance(sequence, (str, Path)):
            sequence_file, sequence = str(Path(sequence).resolve()), load_sequence_file(sequence)
        elif sequence is not None and not isinstance(sequence, Sequence):
            sequence = Sequence("custom", list(sequence))
        stage_names = (sequence or pytorch_sequence(dataclasses.replace(options, export_only=False))).names
        options = dataclasses.replace(options, sequence=stage_names)
        return cls(
            cache=Cache(cache_dir),
            device=device,
            runtimes=[registry.get(device, name) for name in dict.fromkeys(names)],
            rebuild=check_rebuild_policy(rebuild),
            settings=BenchmarkSettings(iterations=iterations, min_time=min_time, max_time=max_time),
            options=options,
            analyze_only=analyze_only,
            build_only=build_only or export_only,
            script_args=list(script_args or []),
            max_depth=_check_max_depth(max_depth),
            process_isolation=process_isolation,
            timeout=_timeout(timeout),
            resume=resume,
            lean_cache=lean_cache,
            check=check,
            sequence=sequence,
            sequence_file=sequence_file,
        )


def _check_max_depth(depth: int) -> int:
    if depth < 0:
        raise UsageError(f"--max-depth must be 0 or more (got {depth})")
    return depth


def _timeout(timeout: float | None) -> float:
    """``--timeout``, else ``MLAGILITY_TIMEOUT_SECONDS``, else 3600 s."""
    if timeout is None:
        text = os.environ.get(TIMEOUT_ENV, str(DEFAULT_TIMEOUT))
        try:
            timeout = float(text)
        except ValueError:
            raise UsageError(f"{TIMEOUT_ENV}={text!r} is not a number of seconds")
    if timeout <= 0:
        raise UsageError(f"the timeout must be a positive number of seconds (got {timeout})")
    return timeout
