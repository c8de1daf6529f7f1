"""The quick test subset (``pytest -m "not slow"``) on each supported Python, each in its own venv.

    nox -s quick-3.12            # one version;  nox -l  lists the sessions
    nox -s quick-3.10 quick-3.12 quick-3.13     # what .ci/run does after `make test` (full suite, 3.11)

Each session installs the Makefile's install line (``-e '.[test,keras,sklearn,genai]'
-r models/requirements.txt``) against requirements/constraints.txt, the same pins as the 3.11 venv,
except where a pinned release has no wheel for that Python on the package index. Those exceptions
are explicit and listed in README.md ("Python versions"):

* requirements/constraints-py3.X.txt, when present, replaces the pins of the packages it names
  (for 3.10: the newest releases that still ship cp310 wheels);
* ``DROPPED_EXTRAS`` names extras that cannot be installed on a version at all; their tests skip
  with a reason line (pytest ``-ra`` prints it).

The interpreters come from pyenv (``$PYENV_ROOT/versions/3.X.*``), else from ``python3.X`` on PATH.
Wheels are downloaded once into a wheelhouse (``$MLAGILITY_WHEELHOUSE``, else ``.nox/wheelhouse``)
and each venv installs from it with ``--no-index``: the big ones (the CUDA libraries torch depends
on, pure-Python packages) are shared by every version, and a CI runner that keeps the folder
downloads nothing on its next run.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
VERSIONS = ["3.10", "3.11", "3.12", "3.13"]
EXTRAS = ["test", "keras", "sklearn", "genai"]  # the Makefile's install line
# Extras with no installable wheel on a version: version -> {extra: reason}.
DROPPED_EXTRAS = {
    "3.10": {"genai": "onnxruntime-genai>=0.18 ships no cp310 wheel (and needs onnxruntime>=1.31, "
                      "whose last cp310 wheel is 1.23.2)"},
}

# pip's own HTTP cache is not enough: it stores nothing where a proxy marks responses uncacheable
# (as on the project's development machine). A wheelhouse is: MLAGILITY_WHEELHOUSE, else .nox/wheelhouse.
WHEELHOUSE = Path(os.environ.get("MLAGILITY_WHEELHOUSE", ROOT / ".nox" / "wheelhouse")).resolve()
BUILD_REQUIRES = ["setuptools>=77", "wheel"]  # pyproject.toml [build-system]: the editable install

nox.options.default_venv_backend = "venv"
nox.options.error_on_missing_interpreters = True  # a missing Python is a failure, not a skip
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # as the Makefile: tests never download


def _pyenv_first_on_path() -> None:
    """Put each pyenv version's bin/ on PATH so that nox finds ``python3.X`` without pyenv shims."""
    versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    bins = []
    for minor in VERSIONS:
        found = sorted(versions.glob(f"{minor}.*/bin/python{minor}"),
                       key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.parent.name)])
        if found:
            bins.append(str(found[-1].parent))  # the newest patch release
    os.environ["PATH"] = os.pathsep.join(bins + [os.environ.get("PATH", "")])


_pyenv_first_on_path()

_PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==")


def _name(line: str) -> str | None:
    match = _PIN.match(line)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else None


def _pinned_files(session: nox.Session, minor: str) -> tuple[Path, Path]:
    """constraints.txt and models/requirements.txt with this version's overrides applied."""
    base = [ROOT / "requirements" / "constraints.txt", ROOT / "models" / "requirements.txt"]
    override_file = ROOT / "requirements" / f"constraints-py{minor}.txt"
    if not override_file.exists():
        return base[0], base[1]
    overrides = {}
    for line in override_file.read_text().splitlines():
        if _name(line):
            overrides[_name(line)] = line.split("#")[0].strip()
    used = set()
    out = []
    for path in base:
        lines = []
        for line in path.read_text().splitlines():
            name = _name(line)
            if name in overrides:
                used.add(name)
                line = overrides[name]
            lines.append(line)
        # Beside the venv, not session.create_tmp(): that sets TMPDIR for the tests, and tests
        # check what benchit says about /tmp (test/sweep/test_slurm.py).
        target = Path(session.virtualenv.location) / f"pins-{path.parent.name}-{path.name}"
        target.write_text("\n".join(lines) + "\n")
        out.append(target)
    unused = set(overrides) - used
    if unused:  # an override must replace a pin, never add an unpinned package silently
        session.error(f"{override_file.name}: {', '.join(sorted(unused))} not pinned in "
                      "constraints.txt or models/requirements.txt")
    session.log(f"pins replaced for Python {minor} ({override_file.name}): "
                + ", ".join(overrides[n] for n in sorted(overrides)))
    return out[0], out[1]


@nox.session(python=VERSIONS)
def quick(session: nox.Session) -> None:
    """pytest -m "not slow" in a venv of this Python, installed as the Makefile installs."""
    minor = session.python
    dropped = DROPPED_EXTRAS.get(minor, {})
    for extra, reason in dropped.items():
        session.log(f"extra [{extra}] not installed on Python {minor}: {reason}")
    extras = ",".join(e for e in EXTRAS if e not in dropped)
    constraints, models = _pinned_files(session, minor)
    start = time.monotonic()
    session.install("--quiet", "--upgrade", "pip")
    # Download into the shared wheelhouse (pip download skips files already there), then install
    # from it alone: each wheel crosses the network once for all sessions and runs.
    # (run_install: skipped like session.install under `nox -R`, which reuses the venv as it is.)
    WHEELHOUSE.mkdir(parents=True, exist_ok=True)
    pins = ["-c", str(constraints), f".[{extras}]", "-r", str(models), *BUILD_REQUIRES]
    session.run_install("python", "-m", "pip", "download", "--quiet", "--only-binary=:all:",
                "--dest", str(WHEELHOUSE), *pins)
    session.install("--quiet", "--no-index", "--find-links", str(WHEELHOUSE),
                    "-c", str(constraints), "-e", f".[{extras}]", "-r", str(models))
    installed = time.monotonic() - start
    start = time.monotonic()
    try:
        session.run("python", "-m", "pytest", "-q", "-m", "not slow", *session.posargs)
    finally:
        session.log(f"timing Python {minor}: install {installed:.0f} s, "
                    f"quick subset {time.monotonic() - start:.0f} s")
