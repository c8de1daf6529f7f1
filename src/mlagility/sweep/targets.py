"""Choosing what to run: globs, ``.txt`` lists, ``script.py::hash1,hash2``, labels."""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path

from mlagility.common.exceptions import UsageError

LABEL_PREFIX = "# labels:"


@dataclass
class Target:
    """One input file, the invocation hashes asked for (None = all), and its labels."""

    path: Path
    hashes: list[str] | None = None
    labels: dict[str, list[str]] = field(default_factory=dict)
    label_warnings: list[str] = field(default_factory=list)

    @property
    def spec(self) -> str:
        return str(self.path) + (f"::{','.join(self.hashes)}" if self.hashes else "")

    @property
    def argument(self) -> str:
        """``spec`` as a command-line argument of a child ``benchit``: a relative name starting
        with a dash (``-x.py``, also from a glob) gets ``./`` so that it is never read as an
        option (``Path`` drops the ``./`` again: the child's spec is the same)."""
        return f"./{self.spec}" if self.spec.startswith("-") else self.spec

    @property
    def author(self) -> str | None:
        return (self.labels.get("author") or [None])[0]


def expand_inputs(raw: list[str | Path]) -> list[Target]:
    """Every input as a checked ``Target``; a bad input is one clear ``UsageError``."""
    if not raw:
        raise UsageError("no input files: pass one or more .py scripts or .onnx files")
    targets: list[Target] = []
    for item in map(str, raw):
        path_text, _, hash_text = item.partition("::")
        hashes = [h.strip() for h in hash_text.split(",") if h.strip()] or None
        if any(char in path_text for char in "*?["):
            matches = sorted(glob.glob(path_text, recursive=True))
            if not matches:
                raise UsageError(f"{path_text}: the pattern matches no file")
            targets += [_target(match, hashes) for match in matches]
        elif path_text.endswith(".txt"):
            targets += _from_list_file(Path(path_text))
        else:
            targets.append(_target(path_text, hashes))
    return targets


def _from_list_file(list_file: Path) -> list[Target]:
    if not list_file.is_file():
        raise UsageError(f"{list_file}: no such file; check the path")
    entries = [
        line.strip() for line in list_file.read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    resolved = [e if Path(e.partition("::")[0]).is_absolute() else str(list_file.parent / e) for e in entries]
    return expand_inputs(resolved) if resolved else []


def _target(path_text: str, hashes: list[str] | None) -> Target:
    path = Path(path_text)
    if not path.exists():
        raise UsageError(f"{path_text}: no such file; check the path")
    if path.is_dir():
        raise UsageError(f"{path_text} is a directory: pass the .py or .onnx files in it (e.g. {path_text}/*.py)")
    if path.suffix not in (".py", ".onnx"):
        raise UsageError(
            f"{path_text}: unsupported file type {path.suffix or '(none)'}; pass a .py script, an .onnx file "
            "or a .txt list of them"
        )
    labels, warnings = parse_labels(path) if path.suffix == ".py" else ({}, [])
    return Target(path, hashes, labels, warnings)


def parse_labels(path: Path) -> tuple[dict[str, list[str]], list[str]]:
    """Labels from a first line ``# labels: key::v1,v2 key2::v3``; malformed tokens are warned about."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            first = handle.readline().strip()
    except OSError:
        return {}, []
    if not first.startswith(LABEL_PREFIX):
        return {}, []
    labels: dict[str, list[str]] = {}
    warnings = []
    for token in first[len(LABEL_PREFIX):].split():
        key, sep, values = token.partition("::")
        if not sep or not key or not values:
            warnings.append(f"{path.name}: malformed label token {token!r} (expected key::value1,value2)")
            continue
        labels.setdefault(key, []).extend(v for v in values.split(",") if v)
    return labels, warnings


def parse_label_filter(tokens: list[str] | None) -> dict[str, list[str]]:
    """``["key::a,b", "key2::c"]`` -> ``{"key": ["a", "b"], "key2": ["c"]}``."""
    wanted: dict[str, list[str]] = {}
    for token in tokens or []:
        key, sep, values = token.partition("::")
        if not sep or not key or not values:
            raise UsageError(f"--labels {token!r} is malformed: use key::value1,value2")
        wanted.setdefault(key, []).extend(v for v in values.split(",") if v)
    return wanted


def labels_match(labels: dict[str, list[str]], wanted: dict[str, list[str]]) -> bool:
    """Every wanted key present with at least one wanted value (AND across keys, OR within)."""
    return all(set(labels.get(key, ())) & set(values) for key, values in wanted.items())
