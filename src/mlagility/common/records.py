"""``Record``: a dataclass that travels as a plain dict (YAML state files, JSON results)."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

R = TypeVar("R", bound="Record")


class Record:
    """Mixin for dataclasses: ``to_dict`` and ``from_dict`` (keys this version does not know
    are ignored, so files written by a newer mlagility still read)."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[R], data: dict[str, Any]) -> R:
        known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        return cls(**{key: value for key, value in data.items() if key in known})
