"""Choosing what to run: globs, ``.txt`` lists, ``script.py::hash1,hash2``, labels."""

from __future__ import annotations

import glob
import re
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


LABEL_FORM = "# labels: key::value1,value2 key2::value3"
# "#labels:", "# Labels :", "# label:", and "# labels key::v" (no colon, but key::value tokens)
_LABEL_LINE = re.compile(r"^#\s*labels?\s*(:|(?=\s+\S+::))(?P<rest>.*)$", re.IGNORECASE)
_SCANNED_LINES = 50


def parse_labels(path: Path) -> tuple[dict[str, list[str]], list[str]]:
    """Labels from the file's label line: ``# labels: key::v1,v2 key2::v3`` on the first line (after
    a ``#!`` or coding line, a UTF-8 BOM ignored). Near misses are read where unambiguous
    (``#labels:``, ``# Labels :``, ``key:value``) with a warning naming the file, line and the right
    form; a label line below the code's start, or a token with no value, is warned about, never
    silently ignored."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as handle:
            lines = [line for _, line in zip(range(_SCANNED_LINES), handle)]
    except OSError:
        return {}, []
    labels: dict[str, list[str]] = {}
    warnings: list[str] = []
    at_top, read_line = True, 0
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        match = _LABEL_LINE.match(line)
        if match is None:
            at_top = at_top and line.startswith("#")  # the leading comment block (#!, coding, ...)
            continue
        where = f"{path.name}:{number}"
        if read_line:
            warnings.append(f"{where}: a second label line is ignored; put every label on line {read_line} "
                            f"({LABEL_FORM})")
            continue
        if not at_top:
            warnings.append(f"{where}: a label line below the top of the file is ignored; move it to the "
                            f"first line ({LABEL_FORM})")
            continue
        read_line = number
        notes = []
        if not line.startswith("# labels:"):
            notes.append(f"{line[: len(line) - len(match.group('rest'))].strip()!r} read as '# labels:'")
        labels = _label_tokens(match.group("rest"), notes)
        if notes:  # one line per label line
            warnings.append(f"{where}: {'; '.join(notes)} (the form is {LABEL_FORM})")
    return labels, warnings


def _label_tokens(text: str, notes: list[str]) -> dict[str, list[str]]:
    labels: dict[str, list[str]] = {}
    fixed, malformed = [], []
    for token in text.split():
        key, sep, values = token.partition("::")
        if not sep and token.count(":") == 1 and not token.startswith(":") and not token.endswith(":"):
            key, _, values = token.partition(":")  # author:x -> author::x (unambiguous)
            fixed.append(f"{token!r} as '{key}::{values}'")
        elif not sep or not key or not values or ":" in key:
            malformed.append(repr(token))
            continue
        labels.setdefault(key, []).extend(v for v in values.split(",") if v)
    if fixed:
        notes.append("read " + ", ".join(fixed))
    if malformed:
        notes.append(f"malformed label token{'s' if len(malformed) > 1 else ''} {', '.join(malformed)} ignored")
    return labels


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
