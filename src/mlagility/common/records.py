"""Records: dataclasses that travel as plain dicts (YAML state files, JSON results), and the
typed validation of records read back from disk (build states, attempt records, results).

``Record``: mixin with ``to_dict`` / ``from_dict`` (keys this version does not know are ignored).

``from_record(cls, data)`` builds the dataclass ``cls`` from a mapping, checking every field
against its annotation; anything else raises ``InvalidRecord`` with a one-line reason such as
``field 'stages' must be a mapping, not int``. Unknown keys are ignored (newer writers may add
fields); missing fields take their defaults (or are reported when they have none).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R", bound="Record")

_NAMES = {dict: "a mapping", list: "a list", str: "a string", int: "an integer", float: "a number",
          bool: "true or false", type(None): "empty"}


class Record:
    """Mixin for dataclasses: ``to_dict`` and ``from_dict`` (keys this version does not know
    are ignored, so files written by a newer mlagility still read)."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[R], data: dict[str, Any]) -> R:
        known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        return cls(**{key: value for key, value in data.items() if key in known})


class InvalidRecord(ValueError):
    """A record on disk does not have the shape its reader expects."""


@functools.lru_cache(maxsize=None)
def _hints(cls) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def check_value(value: Any, hint: Any, where: str) -> None:
    """Raise ``InvalidRecord`` unless ``value`` matches the annotation ``hint``."""
    if hint is Any:
        return
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        for option in options:
            try:
                check_value(value, option, where)
                return
            except InvalidRecord:
                continue
        wanted = " or ".join(_describe(o) for o in options)
        raise InvalidRecord(f"{where} must be {wanted}, not {_kind(value)}")
    if origin in (dict, list):
        if not isinstance(value, origin):
            raise InvalidRecord(f"{where} must be {_describe(hint)}, not {_kind(value)}")
        args = typing.get_args(hint)
        if origin is dict and args:
            for key, item in value.items():
                check_value(key, args[0], f"a key of {where}")
                check_value(item, args[1], f"{where}[{key!r}]")
        elif origin is list and args:
            for index, item in enumerate(value):
                check_value(item, args[0], f"{where}[{index}]")
        return
    if hint is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, hint)
    if not ok:
        raise InvalidRecord(f"{where} must be {_describe(hint)}, not {_kind(value)}")


def check_number(value: Any, where: str, finite: bool = True) -> None:
    """Raise ``InvalidRecord`` unless ``value`` is empty (None) or a real number (not a bool);
    with ``finite``, NaN and infinities are refused too. Text is never a number here: a value that
    should be a number is only ever shown or computed with as one."""
    if value is None:
        return
    import math
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidRecord(f"{where} must be a number, not {_kind(value)} {_preview(value)}")
    if finite and not math.isfinite(value):
        raise InvalidRecord(f"{where} must be a finite number, not {value!r}")


def from_record(cls: type[T], data: Any) -> T:
    """An instance of the dataclass ``cls`` from ``data``, every field type-checked."""
    if not isinstance(data, dict):
        raise InvalidRecord(f"not a mapping but {_kind(data)}")
    hints = _hints(cls)
    values = {}
    for item in dataclasses.fields(cls):
        if item.name not in data:
            if item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING:
                raise InvalidRecord(f"field {item.name!r} is missing")
            continue
        check_value(data[item.name], hints[item.name], f"field {item.name!r}")
        values[item.name] = data[item.name]
    return cls(**values)


def _describe(hint: Any) -> str:
    origin = typing.get_origin(hint) or hint
    return _NAMES.get(origin, getattr(origin, "__name__", str(origin)))


def _kind(value: Any) -> str:
    return type(value).__name__


def _preview(value: Any, limit: int = 40) -> str:
    """A short, printable ``repr`` of a value for a one-line reason."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
