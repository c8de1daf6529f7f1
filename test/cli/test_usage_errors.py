"""Usage errors: one line on stderr, exit code 2, no traceback, and nothing heavy imported."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import EXAMPLES, run_benchit


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.py"], "missing.py: no such file"),
        ([str(EXAMPLES)], "is a directory"),
        ([str(EXAMPLES.parents[2] / "pyproject.toml")], "unsupported file type .toml"),
        ([str(EXAMPLES / "hello_world.py"), "--rebuild", "sometimes"], "invalid choice: 'sometimes'"),
        ([str(EXAMPLES / "hello_world.py"), "--iterations", "0"], "0 must be at least 1"),
        ([str(EXAMPLES / "hello_world.py"), "--iterations", "many"], "'many' is not a whole number"),
        ([str(EXAMPLES / "hello_world.py"), "--runtime", "tensorflow"], "unknown device/runtime x86/tensorflow"),
        ([str(EXAMPLES / "hello_world.py"), "--device", "tpu"], "unknown device/runtime tpu/ort"),
        ([str(EXAMPLES / "hello_world.py"), "--min-time", "5", "--max-time", "1"], "--max-time must be"),
    ],
)
def test_usage_error_is_one_line_exit_2(args, message, tmp_path):
    result = run_benchit(*args, "-d", tmp_path / "cache", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_unknown_runtime_lists_the_valid_ones(tmp_path):
    result = run_benchit(EXAMPLES / "hello_world.py", "--runtime", "nope", "-d", tmp_path)
    assert "--device x86 --runtime ort" in result.stderr
    assert "--device x86 --runtime torch-eager" in result.stderr


def test_non_cache_directory_is_refused(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    result = run_benchit(EXAMPLES / "hello_world.py", "-d", tmp_path)
    assert result.returncode == 2
    assert "is not an mlagility cache" in result.stderr
    assert (tmp_path / "precious.txt").read_text() == "keep me"


@pytest.mark.parametrize("argv", [["--help"], ["version"], ["cache", "location"], ["benchmark", "--help"]])
def test_fast_commands_do_not_import_torch(argv):
    code = (
        "import sys; from mlagility.cli.main import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
        "print('TORCH' if 'torch' in sys.modules else 'NO TORCH')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip().endswith("NO TORCH"), result.stdout + result.stderr


def test_version_and_cache_location(tmp_path):
    from mlagility import __version__

    assert run_benchit("version").stdout.strip() == __version__
    located = run_benchit("cache", "location", env={"MLAGILITY_CACHE_DIR": str(tmp_path / "c")})
    assert located.stdout.strip() == str(tmp_path / "c")
    flagged = run_benchit("cache", "location", "-d", tmp_path / "d", env={"MLAGILITY_CACHE_DIR": str(tmp_path / "c")})
    assert flagged.stdout.strip() == str(tmp_path / "d")
