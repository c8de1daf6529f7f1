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
