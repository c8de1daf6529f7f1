"""Every benchmark option, declared once.

Each ``Option`` says its name (the API keyword), type, default, unit, help text, whether it
changes a build's identity (``build``: a build made with another value is another build or stale)
and whether it is part of a sweep attempt's identity (``resume``: ``--resume`` skips a script
only when it was attempted with the same values). Everything else is derived from this list:

* the ``benchit benchmark`` flags (``add_arguments``), whatever their place on the command line;
* the keyword arguments of ``benchmark_script``/``benchmark_model`` and their docstrings
  (``api_signature``, ``api_docs``);
* the flags that reproduce a run in a child process or a Slurm task (``to_flags``) and the
  values read back from them (``from_flags``), a round trip tested for every option;
* the ``--resume`` key (``resume_identity``).

Validation happens once, in ``Option.check``: a bad value (NaN, infinity, out of range, wrong
choice, unparsable environment variable) is one ``UsageError`` line naming the option and the fix.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import os
import shlex
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from mlagility.common.exceptions import UsageError
from mlagility.runtimes.base import type_text
from mlagility.runtimes.registry import load_registry

API_SCRIPT, API_MODEL = "benchmark_script", "benchmark_model"


@dataclass(frozen=True)
class Option:
    """One benchmark option.

    ``type``: ``bool`` (a flag), ``int``, ``float``, ``str``, ``list`` (of ``item_type``, ``nargs``), or
    ``dict`` (``runtime_options``: ``{runtime: {key: value}}``, a repeatable ``RUNTIME.KEY=VALUE`` flag).
    ``minimum``/``maximum`` bound numbers (``exclusive_minimum`` for > instead of >=); NaN and
    infinity are always refused. ``env``: an environment variable read when the value is not
    given. ``api``: which API functions take it as a keyword. ``cli_only``: flag without an API
    keyword (e.g. ``--traceback``). ``negated``: the flag sets the option to False (``--no-check``).
    """

    name: str
    type: type
    default: Any
    help: str
    unit: str | None = None
    short: str | None = None
    flag: str | None = None  # default: --name-with-dashes
    choices: tuple | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    env: str | None = None
    build: bool = False
    resume: bool = False
    api: tuple[str, ...] = (API_SCRIPT, API_MODEL)
    group: str | None = None  # options of one group exclude each other
    negated: bool = False
    hidden: bool = False
    metavar: str | None = None
    forward: bool = True  # False: not passed to a script's child process or Slurm task (sweep-level)
    default_text: str | None = None  # how to show a default that is computed (e.g. a path)
    item_type: type = str  # a list's items: str, or int (each checked against minimum/maximum)

    @property
    def cli_flag(self) -> str:
        if self.flag:
            return self.flag
        return "--" + ("no-" if self.negated else "") + self.name.replace("_", "-")

    # -- values -------------------------------------------------------------------------------
    def check(self, value: Any) -> Any:
        """The value, converted and validated; raises ``UsageError`` naming the flag."""
        if value is None:
            return self._from_env() if self.env else value
        if self.type is bool:
            if not isinstance(value, bool):
                raise UsageError(f"{self.name} must be True or False (got {value!r})")
            return value
        if self.type is dict:
            return _runtime_options_syntax(self.cli_flag, value)
        if self.type is list:
            items = [value] if isinstance(value, str) else list(value)
            if not items:
                raise UsageError(f"{self.cli_flag} needs at least one value")
            if self.item_type is int:
                return [int(self._number(item, int)) for item in items]
            items = [str(item) for item in items]
            for item in items:
                self._check_choice(item)
            return items
        if self.type in (int, float):
            value = self._number(value)
        elif self.type is str:
            value = str(value)
        self._check_choice(value)
        return value

    def _number(self, value: Any, kind_type: type | None = None) -> float | int:
        number_type = kind_type or self.type
        unit = {"s": "seconds"}.get(self.unit or "", self.unit)
        kind = "a whole number" if number_type is int else "a number" + (f" of {unit}" if unit else "")
        try:
            if isinstance(value, bool):
                raise ValueError
            number = (number_type(value) if number_type is float else int(str(value)) if isinstance(value, str)
                      else value)
            if number_type is int and (not isinstance(number, int) and not float(number).is_integer()):
                raise ValueError
            number = number_type(number)
        except (TypeError, ValueError, OverflowError):
            raise UsageError(f"{self.cli_flag} {value!r} is not {kind}")
        if isinstance(number, float) and not math.isfinite(number):
            raise UsageError(f"{self.cli_flag} {value!r} is not {kind}: give a finite value")
        low, high = self.minimum, self.maximum
        if low is not None and (number <= low if self.exclusive_minimum else number < low):
            relation = "greater than" if self.exclusive_minimum else "at least"
            raise UsageError(f"{self.cli_flag} must be {relation} {low:g} (got {number:g})")
        if high is not None and number > high:
            raise UsageError(f"{self.cli_flag} must be at most {high:g} (got {number:g})")
        return number

    def _check_choice(self, value: Any) -> None:
        if self.choices is not None and value not in self.choices:
            raise UsageError(
                f"invalid {self.cli_flag} {value!r}: choose one of {', '.join(map(str, self.choices))}"
            )

    def _from_env(self) -> Any:
        text = os.environ.get(self.env or "")
        if text is None or text == "":
            return self.default
        try:
            return self.check(text)
        except UsageError as error:
            raise UsageError(f"{self.env}={text!r}: {error}") from None

    # -- CLI ----------------------------------------------------------------------------------
    def help_text(self) -> str:
        parts = [self.help]
        if self.type is not bool:
            default = self.default_text or (self.default if self.default not in (None, [], ()) else None)
            if isinstance(default, list):
                default = " ".join(default)
            if self.env and default is not None:
                parts.append(f"(default: ${self.env} or {default})")
            elif self.env:
                parts.append(f"(default: ${self.env})")
            elif default is not None:
                parts.append(f"(default: {default}{' ' + self.unit if self.unit else ''})")
        return " ".join(parts)

    def to_flags(self, value: Any) -> list[str]:
        """The command-line words that give this option ``value`` (none for the default)."""
        if value == self.default or value is None:
            return []
        if self.type is bool:
            return [self.cli_flag] if value != self.negated else []
        if self.type is list:
            return [self.cli_flag, *map(str, value)]
        if self.type is dict:
            return [word for runtime, given in sorted(value.items()) for key, item in sorted(given.items())
                    for word in (self.cli_flag, f"{runtime}.{key}={_value_text(item)}")]
        return [f"{self.cli_flag}={value!r}" if isinstance(value, float) else f"{self.cli_flag}={value}"]


def _value_text(value: Any) -> str:
    """A runtime option's value as the command line gives it (read back by ``RuntimeOptions.convert``)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def _runtime_options_syntax(flag: str, value: Any) -> dict[str, dict[str, Any]]:
    """``{runtime: {key: value}}`` from the API's nested dict or the command line's
    ``RUNTIME.KEY=VALUE`` words (values not yet converted: ``check_runtime_options`` does that)."""
    example = f"e.g. {flag} ort.graph_optimization_level=ORT_ENABLE_BASIC"
    if isinstance(value, dict):
        result: dict[str, dict[str, Any]] = {}
        for runtime, given in value.items():
            if not isinstance(runtime, str) or not isinstance(given, dict) or not all(isinstance(k, str) for k in given):
                raise UsageError(f"runtime_options must map each runtime name to a dict of its options, e.g. "
                                 f"{{'ort': {{'graph_optimization_level': 'ORT_ENABLE_BASIC'}}}} (got {runtime!r}: "
                                 f"{given!r})")
            if given:
                result[runtime] = dict(given)
        return result
    words = [value] if isinstance(value, str) else value
    if not isinstance(words, (list, tuple)) or not all(isinstance(word, str) for word in words):
        raise UsageError(f"runtime_options must be a dict like {{'ort': {{'threads': 2}}}} (got {value!r})")
    result = {}
    for word in words:
        target, equals, item = word.partition("=")
        runtime, dot, key = target.strip().rpartition(".")
        if not equals or not dot or not runtime or not key:
            raise UsageError(f"{flag} {word!r} is not RUNTIME.KEY=VALUE ({example})")
        given = result.setdefault(runtime, {})
        if key in given and given[key] != item:
            raise UsageError(f"{flag} {runtime}.{key} is given twice ({given[key]!r} and {item!r}): give it once")
        given[key] = item
    return result


def check_runtime_options(given: dict[str, dict[str, Any]], device: str, runtimes: list[str]
                          ) -> dict[str, dict[str, Any]]:
    """The user's runtime options converted to each runtime's option types and checked by its
    ``options_class``; one ``UsageError`` line (listing the valid keys) for an unknown runtime, a
    runtime not benchmarked in this run, an unknown or fixed key, or a bad value."""
    registry = load_registry()
    checked = {}
    for name, values in given.items():
        runtime = registry.runtimes.get((device, name))
        if runtime is None:
            here = sorted(n for d, n in registry.runtimes if d == device)
            raise UsageError(f"--runtime-option {name}.{next(iter(values))}: no runtime {name!r} on --device "
                             f"{device} (its runtimes: {', '.join(here) or 'none'})")
        if name not in runtimes:
            raise UsageError(f"--runtime-option {name}.{next(iter(values))}: {name} is not benchmarked in this run "
                             f"(--runtime {' '.join(runtimes)}): add it to --runtime or drop the option")
        try:
            checked[name] = runtime.options_class.convert(values)
        except ValueError as error:
            valid = "; ".join(runtime.options_class.describe()) or "none"
            raise UsageError(f"--runtime-option for {name}: {error}. {name}'s options: {valid}") from None
    return checked


def _opt(name, type_, default, help_, **kw) -> Option:
    return Option(name, type_, default, help_, **kw)


SCRIPT = (API_SCRIPT,)

# The options, in the order ``--help`` shows them.
OPTIONS: list[Option] = [
    _opt("cache_dir", str, None, "build cache directory", short="-d", env="MLAGILITY_CACHE_DIR",
         metavar="DIR", default_text="~/.cache/mlagility"),
    _opt("device", str, "x86", "device type to benchmark on: x86, nvidia, ...", resume=True),
    _opt("runtime", list, ["ort"], "runtime(s) to benchmark with, in turn (see benchit --list-runtimes)",
         resume=True, metavar="RUNTIME"),
    _opt("runtime_options", dict, None, "set a runtime's option, e.g. ort.graph_optimization_level=ORT_ENABLE_BASIC "
         "(repeatable; the options of each runtime: docs/user-guide.md, Runtime options; API: "
         "{'ort': {'graph_optimization_level': 'ORT_ENABLE_BASIC'}})", flag="--runtime-option",
         resume=True, metavar="RUNTIME.KEY=VALUE"),
    _opt("rebuild", str, "if_needed", "when to rebuild a cached build",
         choices=("if_needed", "always", "never"), resume=True),
    _opt("iterations", int, 100, "minimum number of timed inferences", minimum=1, resume=True),
    _opt("min_time", float, 1.0, "minimum timed duration", unit="s", minimum=0, resume=True),
    _opt("max_time", float, 60.0, "maximum timed duration (stops the loop even below --iterations)",
         unit="s", minimum=0, exclusive_minimum=True, resume=True),
    _opt("analyze_only", bool, False, "discover the models; build and benchmark nothing", api=SCRIPT,
         group="stop", resume=True),
    _opt("build_only", bool, False, "build; do not benchmark", group="stop", resume=True),
    _opt("export_only", bool, False, "export to ONNX and check it; do not benchmark", group="stop",
         resume=True),
    _opt("onnx_opset", int, None, "ONNX opset to export", minimum=7, maximum=30, default_text="the exporter's",
         env="MLAGILITY_ONNX_OPSET", build=True, resume=True),
    _opt("precision", str, "fp32", "fp16: convert weights and compute to fp16, keeping fp32 inputs/outputs",
         choices=("fp32", "fp16"), build=True, resume=True),
    _opt("quantize", str, None, "int8: ONNX Runtime dynamic quantization of the weights", choices=("int8",),
         build=True, resume=True),
    _opt("sequence", str, None, "a Python file defining get_sequence(): the build stages to run instead "
         "of the default (API: also a Sequence or a list of stages)", flag="--sequence-file", build=True,
         resume=True, metavar="FILE"),
    _opt("script_args", str, "", "arguments passed to the scripts' sys.argv, as one shell-quoted string",
         api=SCRIPT, resume=True, metavar='"ARGS"'),
    # -- generations (scenarios/generation.py): other sizes than the script's, llama-bench style
    _opt("prompt_lengths", list, None, "also measure each generation with synthetic prompts of these lengths "
         "(token ids drawn with a fixed seed; the script's own generation is measured too)", item_type=int,
         minimum=1, api=SCRIPT, resume=True, metavar="N", default_text="the script's"),
    _opt("new_tokens", list, None, "also measure each generation with exactly these numbers of new tokens "
         "(the end-of-sequence token does not stop it)", item_type=int, minimum=1, api=SCRIPT, resume=True,
         metavar="N", default_text="the script's"),
    _opt("batch_sizes", list, None, "also measure each generation with these batch sizes (synthetic prompts)",
         item_type=int, minimum=1, api=SCRIPT, resume=True, metavar="N", default_text="the script's"),
    _opt("max_depth", int, 0, "also benchmark the sub-models down to this depth (0: the models the "
         "script calls)", minimum=0, api=SCRIPT, resume=True),
    _opt("labels", list, None, "only scripts whose '# labels:' line has every KEY with one of its values",
         api=SCRIPT, metavar="KEY::V1,V2"),
    _opt("process_isolation", bool, False, "run each script in its own child process (a crash or hang "
         "costs only that script)", api=SCRIPT),
    _opt("timeout", float, 3600.0, "seconds before an isolated script is killed with its process tree",
         unit="s", minimum=0, exclusive_minimum=True, env="MLAGILITY_TIMEOUT_SECONDS", api=SCRIPT),
    _opt("resume", bool, False, "skip scripts already attempted with the same options (successes and "
         "failures)", api=SCRIPT),
    _opt("lean_cache", bool, False, "remove heavy artifacts (ONNX files, inputs) once each build is "
         "benchmarked (raw latency samples are kept)"),
    _opt("check", bool, True, "skip the correctness check (on by default: each runtime's outputs "
         "compared with the framework's own, a generation's tokens with the script's generate())", negated=True,
         resume=True),
    # -- scaling out (sweep/): where scripts run; none of these changes a result, so none is part of
    # the build or resume identity
    _opt("workers", int, 1, "run up to N scripts at once in child processes (discovery and builds in "
         "parallel; every timed benchmark alone on the machine)", minimum=1, api=SCRIPT, forward=False, metavar="N"),
    _opt("use_slurm", bool, False, "run each script as one task of a Slurm job array (submitit); the "
         "cache must be on a filesystem the nodes share", api=SCRIPT, forward=False),
    _opt("slurm_partition", str, None, "Slurm partition to submit to", default_text="the cluster's default",
         env="MLAGILITY_SLURM_PARTITION", api=SCRIPT, forward=False, metavar="P"),
    _opt("max_jobs", int, None, "at most N tasks of the job array run at once", default_text="no cap",
         minimum=1, api=SCRIPT, forward=False, metavar="N"),
    _opt("slurm_time", int, 60, "time limit of each Slurm task", unit="min", minimum=1, api=SCRIPT, forward=False,
         metavar="MIN"),
    _opt("slurm_mem", float, None, "memory of each Slurm task", unit="GB", default_text="the partition's",
         minimum=0, exclusive_minimum=True, api=SCRIPT, forward=False, metavar="GB"),
    _opt("slurm_cpus", int, None, "CPUs of each Slurm task", minimum=1, default_text="the partition's",
         api=SCRIPT, forward=False, metavar="N"),
    _opt("slurm_gpus", int, None, "GPUs of each Slurm task", minimum=0, api=SCRIPT, forward=False, metavar="N"),
    _opt("exclusive", bool, True, "let Slurm tasks share a node (by default each task has its node to "
         "itself, so that no two timed benchmarks share a machine)", negated=True, api=SCRIPT, forward=False),
    _opt("detach", bool, False, "with --use-slurm: submit, print the job id and return at once "
         "(then: benchit slurm status JOB, benchit slurm wait JOB)", api=SCRIPT, forward=False),
]

BY_NAME: dict[str, Option] = {option.name: option for option in OPTIONS}


def defaults(api: str | None = None) -> dict[str, Any]:
    return {o.name: o.default for o in OPTIONS if api is None or api in o.api}


def resolve(values: dict[str, Any], api: str | None = None) -> dict[str, Any]:
    """Every option's checked value: given ones validated, missing ones from env or default.

    Raises ``UsageError`` for an unknown option name or a bad value, and when two options of
    one ``group`` are both set.
    """
    unknown = sorted(set(values) - set(BY_NAME))
    if unknown:
        raise UsageError(f"unknown option(s): {', '.join(unknown)}")
    resolved = {}
    for option in OPTIONS:
        if api is not None and api not in option.api and option.name not in values:
            resolved[option.name] = option.default
            continue
        value = values.get(option.name)
        if option.name == "sequence" and value is not None and not isinstance(value, (str, os.PathLike)):
            resolved[option.name] = value  # a Sequence object or a list of stages (API only)
            continue
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        resolved[option.name] = option.check(value) if value is not None or option.env else (
            option.default if value is None else value
        )
    if resolved["runtime_options"]:
        resolved["runtime_options"] = check_runtime_options(resolved["runtime_options"], resolved["device"],
                                                            list(resolved["runtime"]))
    resolved["runtime_options"] = resolved["runtime_options"] or None
    groups: dict[str, list[str]] = {}
    for option in OPTIONS:
        if option.group and resolved[option.name]:
            groups.setdefault(option.group, []).append(option.cli_flag)
    for flags in groups.values():
        if len(flags) > 1:
            raise UsageError(f"{' and '.join(flags)} exclude each other: pick one")
    return resolved


# -- CLI -------------------------------------------------------------------------------------
def add_arguments(parser, exclude: Iterable[str] = ()) -> None:
    """Add every option as a flag to an argparse parser (values are checked later by ``resolve``)."""
    import argparse

    groups: dict[str, Any] = {}
    for option in OPTIONS:
        if option.name in exclude:
            continue
        target = parser
        if option.group:
            if option.group not in groups:
                groups[option.group] = parser.add_mutually_exclusive_group()
            target = groups[option.group]
        names = [option.short, option.cli_flag] if option.short else [option.cli_flag]
        help_text = argparse.SUPPRESS if option.hidden else option.help_text().replace("%", "%%")
        if option.type is bool:
            target.add_argument(*names, dest=option.name, action="store_const",
                                const=not option.negated, default=None, help=help_text)
        elif option.type is dict:
            target.add_argument(*names, dest=option.name, action="append", default=None,
                                metavar=option.metavar or option.name.upper(), help=help_text)
        elif option.type is list:
            target.add_argument(*names, dest=option.name, nargs="+", default=None,
                                metavar=option.metavar or option.name.upper(), help=help_text)
        else:
            target.add_argument(*names, dest=option.name, default=None, help=help_text,
                                metavar=option.metavar or option.name.upper())


def from_namespace(args) -> dict[str, Any]:
    """The options given on a command line (``None`` for those not given)."""
    return {o.name: getattr(args, o.name) for o in OPTIONS if hasattr(args, o.name)
            and getattr(args, o.name) is not None}


def to_flags(values: dict[str, Any], exclude: Iterable[str] = ()) -> list[str]:
    """The flags that reproduce ``values`` (resolved) in a child process; defaults are omitted."""
    words: list[str] = []
    for option in OPTIONS:
        if option.name in exclude or option.name not in values:
            continue
        value = values[option.name]
        if option.name == "sequence" and value is not None and not isinstance(value, str):
            raise UsageError("a Sequence object cannot be passed to a child process: use a sequence file")
        words += option.to_flags(value)
    return words


def not_forwarded() -> tuple[str, ...]:
    """The options a child process or Slurm task must not get (they describe the sweep itself)."""
    return tuple(o.name for o in OPTIONS if not o.forward)


def resume_identity(values: dict[str, Any]) -> dict[str, Any]:
    """What makes two attempts of a script the same attempt (for ``--resume``)."""
    identity = {}
    for option in OPTIONS:
        if option.resume:
            value = values.get(option.name, option.default)
            if option.name == "sequence" and value is not None and not isinstance(value, str):
                value = getattr(value, "names", None) or [getattr(s, "name", str(s)) for s in value]
            if option.name == "script_args" and isinstance(value, list):
                value = shlex.join(value)
            if (option.type is dict or option.item_type is not str) and not value:
                continue  # none set: absent, so that attempts recorded before the option existed match
            identity[option.name] = value
    return identity


# -- API -------------------------------------------------------------------------------------
def api_signature(api: str, leading: list[inspect.Parameter], trailing: list[inspect.Parameter] = ()
                  ) -> inspect.Signature:
    """The signature of an API function: its own leading parameters, then every option it takes."""
    params = list(leading)
    for option in OPTIONS:
        if api in option.api:
            params.append(inspect.Parameter(option.name, inspect.Parameter.KEYWORD_ONLY,
                                            default=option.default, annotation=_annotation(option)))
    params += [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in trailing]
    return inspect.Signature(params)


def api_docs(api: str) -> str:
    """The "Options" section of an API function's docstring."""
    lines = ["Options (keyword arguments; each is also a ``benchit`` flag):", ""]
    for option in OPTIONS:
        if api in option.api:
            default = "env " + option.env + ", else " + repr(option.default) if option.env else repr(option.default)
            unit = f", {option.unit}" if option.unit else ""
            lines.append(f"    ``{option.name}`` ({_annotation(option)}{unit}, default {default}): {option.help}"
                         f" [``{option.cli_flag}``]")
    return "\n".join(lines)


def _annotation(option: Option) -> str:
    name = {list: "list[str]", dict: "dict[str, dict]"}.get(option.type, option.type.__name__)
    return f"{name} | None" if option.default is None else name


def with_options(api: str, leading: list[str], trailing: Iterable[str] = ()) -> Callable:
    """Decorator: give ``function(*leading, **options)`` the derived signature and docs."""

    def decorate(function: Callable) -> Callable:
        import functools

        own = inspect.signature(function).parameters
        signature = api_signature(api, [own[name] for name in leading], [own[name] for name in trailing])

        @functools.wraps(function)
        def call(*args, **kwargs):
            signature.bind(*args, **kwargs)  # TypeError for an unknown keyword, as Python gives
            return function(*args, **kwargs)

        call.__signature__ = signature
        call.__doc__ = (function.__doc__ or "").rstrip() + "\n\n" + api_docs(api) + "\n"
        return call

    return decorate


def markdown_table() -> str:
    """The flags table of docs/user-guide.md (a test keeps the guide equal to this)."""
    rows = ["| flag | meaning | default | API keyword |", "|---|---|---|---|"]
    for option in OPTIONS:
        flag = f"`{option.short}, {option.cli_flag}`" if option.short else f"`{option.cli_flag}`"
        if option.type is not bool:
            flag = flag[:-1] + f" {option.metavar or option.name.upper()}`"
        if option.type is bool:
            default = "on" if option.default else "off"
        else:
            shown = " ".join(option.default) if isinstance(option.default, list) else option.default
            default = "" if shown in (None, "") else f"{shown}{' ' + option.unit if option.unit else ''}"
            default = option.default_text or default
            if option.env:
                default = f"`${option.env}`, else {default or 'unset'}"
        choices = f" ({', '.join(map(str, option.choices))})" if option.choices else ""
        keyword = f"`{option.name}`" + ("" if API_MODEL in option.api else " (scripts)")
        rows.append(f"| {flag} | {option.help}{choices} | {default} | {keyword} |")
    return "\n".join(rows)


def runtime_options_table() -> str:
    """The "Runtime options" table of docs/user-guide.md: each built-in runtime's settable
    options, from its ``options_class`` (a test keeps the guide equal to this)."""
    rows = ["| runtime | option | values | default |", "|---|---|---|---|"]
    registry = load_registry()
    for (device, name), runtime in sorted(registry.runtimes.items()):
        if not runtime.__module__.startswith("mlagility."):
            continue  # a plugin's
        defaults = {f.name: f.default for f in dataclasses.fields(runtime.options_class)}
        settable = runtime.options_class.settable()
        if not settable:
            rows.append(f"| `{device}/{name}` | none | | |")
        for key, hint in settable.items():
            default = "auto" if defaults[key] is None else _value_text(defaults[key])
            rows.append(f"| `{device}/{name}` | `{key}` | {type_text(hint).replace('|', ', ')} | {default} |")
    return "\n".join(rows)


if __name__ == "__main__":
    import sys

    print(runtime_options_table() if sys.argv[1:] == ["runtime-options"] else markdown_table())
