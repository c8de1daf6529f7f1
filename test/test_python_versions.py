"""The Python versions the project claims are the ones it tests (issue 22 §5).

pyproject.toml's requires-python and classifiers, noxfile.py's sessions and the per-version
constraint overrides must agree, and the interpreter running this test must be one of them (each
nox session runs this file). Read as text: tomllib is 3.11+, and importing nox is not needed.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = (ROOT / "pyproject.toml").read_text()


def _noxfile_constant(name: str):
    tree = ast.parse((ROOT / "noxfile.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"noxfile.py defines no {name}")


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s#;]+)", line)
        if match:
            pins[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return pins


def test_classifiers_requires_python_and_nox_sessions_agree():
    versions = _noxfile_constant("VERSIONS")
    classified = re.findall(r'"Programming Language :: Python :: (3\.\d+)"', PYPROJECT)
    assert sorted(classified, key=_key) == sorted(versions, key=_key)
    requires = re.search(r'^requires-python\s*=\s*"([^"]+)"', PYPROJECT, re.M).group(1)
    assert requires == f">={min(versions, key=_key)}"
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in versions


def test_constraint_overrides_replace_existing_pins_of_tested_versions():
    """An override replaces a pin (never adds an unpinned package) and names a tested version."""
    versions = _noxfile_constant("VERSIONS")
    pinned = _pins(ROOT / "requirements" / "constraints.txt") | _pins(ROOT / "models" / "requirements.txt")
    overrides = sorted((ROOT / "requirements").glob("constraints-py*.txt"))
    assert overrides, "requirements/constraints-py3.10.txt is expected (3.10 lacks wheels of several pins)"
    for path in overrides:
        version = path.stem.removeprefix("constraints-py")
        assert version in versions, path.name
        for name, pin in _pins(path).items():
            assert name in pinned, f"{path.name}: {name} is not pinned in constraints.txt"
            assert pin != pinned[name], f"{path.name}: {name}=={pin} repeats the base pin"
    dropped = _noxfile_constant("DROPPED_EXTRAS")
    extras = set(_noxfile_constant("EXTRAS"))
    for version, names in dropped.items():
        assert version in versions and set(names) <= extras, (version, names)
