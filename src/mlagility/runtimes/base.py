"""The runtime interface. A runtime supplies only what it alone knows; ``harness`` does the rest.

A runtime (built-in or plugin) is a ``Runtime`` subclass registered under the
``mlagility.runtimes`` entry-point group. It declares:

* ``name`` and ``device`` (the ``--runtime``/``--device`` pair it answers to);
* ``needs``: what it runs (an ONNX file, and whether ONNX Runtime's CPU-optimized file is
  acceptable; or the live model, in-process) and which precisions it can honour. The build's one
  artifact rule (``builds/artifacts.py``) picks the file from that; no runtime reads an artifact
  key itself;
* ``options_class``: a frozen dataclass of its own settings (threads, hints, providers...),
  recorded with every result;
* ``in_child``: whether the harness loads and times it in a fresh child process (the generic
  ``runtimes/worker.py``), which keeps benchit's own memory and threads out of the measurement;

and implements ``load(target, options) -> Session`` (plus, optionally, ``unavailable_reason``,
``version``, ``device_name``, ``synchronize``). Warm-up, the timing loop, statistics, peak
memory, raw samples, saving outputs for the correctness check and the ``Measurement`` are the
harness's (``runtimes/harness.py``), the same for every runtime.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar

from mlagility.common.system_info import cpu_name, physical_cores

PRECISIONS = ("fp32", "fp16", "int8")


@dataclass(frozen=True)
class RuntimeOptions:
    """Settings every runtime has; a runtime subclasses this with its own typed fields.

    ``threads``: inference threads (``Runtime.options`` fills in the runtime's default:
    physical cores, or what PyTorch uses for the torch runtimes). ``precision``: the precision of the build being run, set by the harness from the
    build (runtimes that switch a mode with it, e.g. TensorRT's fp16 flag, read it).
    """

    threads: int | None = None
    precision: str = "fp32"

    # Fields a user cannot set with ``--runtime-option`` / ``runtime_options``, with the reason.
    fixed: ClassVar[dict[str, str]] = {"precision": "it is the build's precision (use --precision)"}

    def __post_init__(self):
        """Check the values (a subclass that adds checks calls ``super().__post_init__()``);
        a ``ValueError`` here is the user's one-line error for a value the runtime rejects."""
        if self.threads is not None and (isinstance(self.threads, bool) or not isinstance(self.threads, int)
                                         or self.threads < 1):
            raise ValueError(f"threads must be a whole number of at least 1 (got {self.threads!r})")

    # -- the user's values (``--runtime-option RUNTIME.KEY=VALUE``) ---------------------------
    @classmethod
    def settable(cls) -> dict[str, Any]:
        """``{field name: type hint}`` of the fields a user may set."""
        hints = typing.get_type_hints(cls)
        return {f.name: hints[f.name] for f in dataclasses.fields(cls) if f.name not in cls.fixed}

    @classmethod
    def describe(cls) -> list[str]:
        """One ``name (type, default X)`` per settable field, for error lines and the guide."""
        defaults = {f.name: f.default for f in dataclasses.fields(cls)}
        described = []
        for name, hint in cls.settable().items():
            default = "auto" if defaults[name] is None else defaults[name]
            described.append(f"{name} ({type_text(hint)}, default {default})")
        return described

    @classmethod
    def convert(cls, given: dict[str, Any]) -> dict[str, Any]:
        """The user's values (strings from the command line, or Python values from the API)
        converted to the fields' types and checked by the class itself; raises ``ValueError``
        naming the key (unknown, not settable, or a bad value)."""
        settable = cls.settable()
        converted = {}
        for key, value in given.items():
            if key in cls.fixed:
                raise ValueError(f"{key} cannot be set: {cls.fixed[key]}")
            if key not in settable:
                raise ValueError(f"unknown option {key!r}")
            try:
                converted[key] = convert_value(value, settable[key])
            except ValueError as error:
                raise ValueError(f"{key}={value!r}: {error}") from None
        try:
            cls(**converted)
        except (TypeError, ValueError) as error:
            raise ValueError(str(error)) from None
        return converted


def type_text(hint: Any) -> str:
    """A type hint as a user reads it: ``int``, ``int or none``, ``LATENCY|THROUGHPUT``."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Literal:
        return "|".join(map(str, args))
    if origin in (typing.Union, types.UnionType):
        shown = [type_text(arg) for arg in args if arg is not type(None)]
        return " or ".join(shown) + (" or none" if type(None) in args else "")
    return getattr(hint, "__name__", str(hint))


_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


def convert_value(value: Any, hint: Any) -> Any:
    """``value`` (a command-line string or a Python value) as a ``hint`` (bool, int, float, str,
    a ``Literal`` of choices, or an optional of one of them); ``ValueError`` saying what fits."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None or (isinstance(value, str) and value.lower() in ("none", "null")):
            if type(None) in args:
                return None
        for arg in args:
            if arg is not type(None):
                try:
                    return convert_value(value, arg)
                except ValueError:
                    pass
        raise ValueError(f"expected {type_text(hint)}")
    if origin is typing.Literal:
        for choice in args:
            if value == choice or (isinstance(value, str) and not isinstance(choice, str) and value == str(choice)):
                return choice
        raise ValueError(f"choose one of {type_text(hint)}")
    if hint is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _TRUE + _FALSE:
            return value.lower() in _TRUE
        raise ValueError("expected true or false")
    if hint is int:
        if isinstance(value, bool):
            raise ValueError("expected a whole number")
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise ValueError("expected a whole number") from None
    if hint is float:
        try:
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError("expected a number") from None
        if not math.isfinite(number):
            raise ValueError("expected a finite number")
        return number
    if hint is str:
        if not isinstance(value, str):
            raise ValueError("expected a string")
        return value
    if isinstance(hint, type) and isinstance(value, hint):
        return value
    raise ValueError(f"a {type_text(hint)} cannot be given here")


@dataclass(frozen=True)
class LiveModelOptions(RuntimeOptions):
    """Options of a runtime that runs the live model in the script's process (torch-eager,
    torch-compiled, keras): it runs with the framework's own thread count, which the script sets
    (``torch.set_num_threads``...), so ``threads`` is recorded but not settable."""

    fixed: ClassVar[dict[str, str]] = {
        **RuntimeOptions.fixed,
        "threads": "this runtime runs in the script's process with the framework's own thread count "
                   "(set it in the script, e.g. torch.set_num_threads)",
    }


@dataclass(frozen=True)
class ArtifactNeeds:
    """What a runtime runs.

    ``kind``: ``"onnx"`` (an ONNX file and the saved ``inputs.npz``) or ``"model"`` (the live
    framework model and its call arguments, in-process). ``ort_cpu_optimized``: the file ONNX
    Runtime optimized offline for its CPU provider is acceptable (it may hold ORT-only contrib
    ops). ``precisions``: the build precisions it can honour; any other is a per-runtime error.
    ``model_types``: for ``kind="model"``, the frameworks whose models it can call.
    """

    kind: str = "onnx"
    ort_cpu_optimized: bool = False
    precisions: tuple[str, ...] = PRECISIONS
    model_types: tuple[str, ...] = ("pytorch",)

    def __post_init__(self):
        if self.kind not in ("onnx", "model"):
            raise ValueError(f"ArtifactNeeds.kind must be 'onnx' or 'model', not {self.kind!r}")
        unknown = set(self.precisions) - set(PRECISIONS)
        if unknown or not self.precisions:
            raise ValueError(f"ArtifactNeeds.precisions must be a non-empty subset of {PRECISIONS}")


@dataclass
class LoadTarget:
    """What the harness hands to ``Runtime.load``.

    ``model_path``/``inputs_path``: the ONNX file chosen by the artifact rule and the saved inputs
    (``kind="onnx"``). ``model``/``args``/``kwargs``: the live model and its call (``kind="model"``,
    in-process only). ``build_dir``: the build's directory, where a runtime that converts the
    model itself (``ort-genai``'s model builder) keeps what it made, reused by later runs.
    """

    model_path: Path | None = None
    inputs_path: Path | None = None
    model: Any = None
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    # the script's generate() call (analysis/generation.py: GenerationCall), for the generation scenario
    generation: Any = None
    build_dir: Path | None = None

    _feeds: dict | None = field(default=None, repr=False)

    def feeds(self) -> dict:
        """The saved inputs, ``{onnx input name: numpy array}`` (no pickle; read once)."""
        import numpy as np

        if self._feeds is None and self.inputs_path is not None:
            with np.load(self.inputs_path, allow_pickle=False) as saved:
                self._feeds = {name: saved[name] for name in saved.files}
        return self._feeds or {}


@dataclass
class Session:
    """A loaded model, ready to time.

    ``run()``: one inference on the build's inputs, returning its outputs (tensors, arrays or a
    nested structure of them) (the ``inference`` scenario). ``generate(on_token)``: one whole
    generation, calling ``on_token()`` right after each new token is selected, returning the new
    token ids (batch x new tokens) (the ``generation`` scenario). ``reset()``: put the call's
    mutable arguments back as the script passed them (fresh copies of a KV cache...), called by
    the scenario before every run, outside the timed window. ``threads``: the inference threads actually used. ``details``:
    facts worth recording (providers, compile properties...). ``context()``: a context manager
    the harness enters around the timing and the outputs' run (e.g. ``torch.inference_mode``), so
    that ``run`` itself stays bare. ``keeps_logits``: ``generate`` also takes ``logits=`` a list, to
    which it appends each step's next-token logits (batch x vocab, float32 arrays); only the
    check's untimed generation passes one (``scenarios/generation.py: outputs``), never a timed run. ``after_timing()``: a reason the latencies cannot be trusted
    (e.g. a recompilation), or None. ``close()``: release it.
    """

    run: Callable[[], Any] | None
    threads: int
    details: dict = field(default_factory=dict)
    context: Callable[[], Any] | None = None
    after_timing: Callable[[], str | None] | None = None
    close: Callable[[], None] | None = None
    generate: Callable[[Callable[[], None]], Any] | None = None
    reset: Callable[[], None] | None = None
    keeps_logits: bool = False
    # what the session runs, where that is not the build's artifact (e.g. a model converted by the
    # runtime's own tool): {"file": path relative to the build, "kind", "precision"}; the harness
    # records it (with its size and sha256) as the artifact that ran
    artifact: dict | None = None

    def synchronized(self, sync: Callable[[], None]) -> "Session":
        """This session with the device synchronized after every run (and every token)."""
        run, generate = self.run, self.generate

        def synced_run():
            outputs = run()
            sync()
            return outputs

        def synced_generate(on_token, **kept):
            def token():
                sync()
                on_token()

            return generate(token, **kept)

        return dataclasses.replace(self, run=synced_run if run else None,
                                   generate=synced_generate if generate else None)


class Runtime(ABC):
    """How to run a built model on a device (see the module docstring for the contract)."""

    name: ClassVar[str] = ""
    device: ClassVar[str] = "x86"
    needs: ClassVar[ArtifactNeeds] = ArtifactNeeds()
    options_class: ClassVar[type[RuntimeOptions]] = RuntimeOptions
    in_child: ClassVar[bool] = True
    # Modules imported before the load is timed, so that load_time_s is not an import time; the
    # first one is the package that must be installed (see unavailable_reason and version).
    imports: ClassVar[tuple[str, ...]] = ()
    # True for the framework's own eager execution (torch-eager, keras): the correctness check's
    # reference, so its outputs are not checked against themselves.
    is_reference: ClassVar[bool] = False
    # The scenarios (scenarios/) it can run; any other is a clear "not supported" outcome.
    scenarios: ClassVar[tuple[str, ...]] = ("inference",)
    # False when loading is nothing worth reporting (eager frameworks): "Load: -".
    reports_load_time: ClassVar[bool] = True

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """Why this runtime cannot run on this machine, or None (default: the first module of
        ``imports`` must be installed)."""
        from importlib.util import find_spec

        if cls.imports and find_spec(cls.imports[0].partition(".")[0]) is None:
            return f"the {cls.imports[0]} package is not installed (pip install {cls.imports[0]})"
        return None

    @classmethod
    def version(cls) -> str:
        """The version of the software that runs the model (default: the installed distribution
        named like the first module of ``imports``)."""
        from importlib import metadata

        try:
            return metadata.version(cls.imports[0].partition(".")[0]) if cls.imports else "unknown"
        except metadata.PackageNotFoundError:
            return "unknown"

    @classmethod
    def device_name(cls) -> str:
        """The name of the hardware it runs on (default: the CPU's brand string)."""
        return cpu_name()

    def options(self, precision: str = "fp32", **given: Any) -> RuntimeOptions:
        """This runtime's options for a build of ``precision`` (``given`` overrides defaults;
        ``threads`` defaults to ``default_threads()``)."""
        given.setdefault("threads", None)
        given["threads"] = given["threads"] or self.default_threads()
        return self.options_class(precision=precision, **given)

    @classmethod
    def non_default_options(cls, recorded: dict[str, Any]) -> dict[str, Any]:
        """The settable options of a recorded result (``Measurement.runtime_options``) that differ
        from this runtime's defaults (``threads``: from ``default_threads`` on this machine, so a
        result timed on another machine may show its thread count), for display."""
        defaults = {f.name: f.default for f in dataclasses.fields(cls.options_class)}
        changed = {}
        for name in cls.options_class.settable():
            if name not in recorded:
                continue
            default = cls.default_threads() if name == "threads" else defaults[name]
            if recorded[name] != default:
                changed[name] = recorded[name]
        return changed

    @classmethod
    def default_threads(cls) -> int:
        """Inference threads when the user sets none: one per physical core."""
        return physical_cores()

    @abstractmethod
    def load(self, target: LoadTarget, options: RuntimeOptions) -> Session:
        """Load the model for ``target`` with ``options``; raise on failure."""

    def synchronize(self) -> None:
        """Wait until the device finished the last run (called after every timed run if overridden)."""

    @classmethod
    def validate(cls) -> None:
        """Raise ``TypeError`` if the class breaks the contract (run at registration)."""
        if not cls.name or not isinstance(cls.name, str):
            raise TypeError(f"{cls.__qualname__} has no name")
        if getattr(cls.load, "__isabstractmethod__", False):
            raise TypeError(f"{cls.__qualname__} does not implement load(target, options)")
        if not (isinstance(cls.options_class, type) and issubclass(cls.options_class, RuntimeOptions)
                and dataclasses.is_dataclass(cls.options_class)):
            raise TypeError(f"{cls.__qualname__}.options_class must be a RuntimeOptions dataclass")
        try:
            cls.options_class.settable()
        except Exception as error:  # an annotation that cannot be resolved: no option could be set
            raise TypeError(f"{cls.__qualname__}.options_class has field types that cannot be read "
                            f"({type(error).__name__}: {error})") from None
        if not isinstance(cls.needs, ArtifactNeeds):
            raise TypeError(f"{cls.__qualname__}.needs must be an ArtifactNeeds")
        if not cls.scenarios or not all(isinstance(name, str) for name in cls.scenarios):
            raise TypeError(f"{cls.__qualname__}.scenarios must name at least one scenario")
        if cls.needs.kind == "model" and cls.in_child:
            raise TypeError(f"{cls.__qualname__} runs the live model, so it must set in_child = False")


class EagerRuntime(Runtime):
    """A framework's own eager execution of the live model, in-process (torch-eager, keras): the
    reference of the correctness check, at the precision the script made the model (fp32 builds
    only: fp16/int8 are ONNX conversions). Subclasses set ``name``, ``needs`` (their framework in
    ``model_types``), ``imports`` and implement ``load``."""

    needs = ArtifactNeeds(kind="model", precisions=("fp32",))
    options_class = LiveModelOptions
    in_child = False
    reports_load_time = False
    is_reference = True
