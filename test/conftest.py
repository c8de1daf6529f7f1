"""Shared fixtures: a fresh cache per test, short benchmark settings, helpers to run the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "cli" / "scripts"
FAST = ["--iterations", "5", "--min-time", "0", "--max-time", "5"]

os.environ["HF_HUB_OFFLINE"] = "1"


@pytest.fixture
def cache_dir(tmp_path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def write_script(tmp_path):
    """Write a script from an indented source string; returns its path."""

    def write(name: str, source: str) -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(source))
        return path

    return write


def run_benchit(*args, cwd=None, env=None, timeout=600) -> subprocess.CompletedProcess:
    """Run the real ``benchit`` CLI in a child process; output is captured as text."""
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "mlagility.cli.main", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, env=full_env, timeout=timeout,
    )



def python_then_benchit(folder: Path, name: str, source: str, runtimes) -> tuple[list[str], subprocess.CompletedProcess, list[dict]]:
    """Write ``source`` (a script that prints ``OUT:`` lines) as ``folder/name``, run it under python,
    then under benchit on ``runtimes`` (``FAST``, cache ``folder/cache``): the script's ``OUT:`` lines
    under python, benchit's run, and each build's state (its mlagility_build.yaml)."""
    import yaml

    script = folder / name
    script.write_text(textwrap.dedent(source))
    python = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600,
                            env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert python.returncode == 0, python.stdout + python.stderr
    done = run_benchit(script, "-d", folder / "cache", "--runtime", *runtimes, *FAST)
    states = [yaml.safe_load(path.read_text()) for path in (folder / "cache").glob("*/mlagility_build.yaml")]
    return script_lines(python.stdout), done, states


def script_lines(output: str) -> list[str]:
    """The ``OUT:`` lines a test script printed (its results, compared under python and benchit)."""
    return [line for line in output.splitlines() if line.startswith("OUT:")]

TINY_MODEL = """
import torch

torch.manual_seed(0)


class Tiny(torch.nn.Module):
    def __init__(self, n=8):
        super().__init__()
        self.fc = torch.nn.Linear(n, 4)

    def forward(self, x):
        return torch.relu(self.fc(x))
"""
