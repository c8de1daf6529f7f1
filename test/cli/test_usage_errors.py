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
        ([str(EXAMPLES / "hello_world.py"), "--rebuild", "sometimes"], "invalid --rebuild 'sometimes'"),
        ([str(EXAMPLES / "hello_world.py"), "--iterations", "0"], "--iterations must be at least 1 (got 0)"),
        ([str(EXAMPLES / "hello_world.py"), "--iterations", "many"], "--iterations 'many' is not a whole number"),
        ([str(EXAMPLES / "hello_world.py"), "--iterations", "2.5"], "--iterations '2.5' is not a whole number"),
        ([str(EXAMPLES / "hello_world.py"), "--min-time", "nan"], "--min-time 'nan' is not a number of seconds"),
        ([str(EXAMPLES / "hello_world.py"), "--max-time", "inf"], "--max-time 'inf' is not a number of seconds"),
        ([str(EXAMPLES / "hello_world.py"), "--timeout=-inf"], "--timeout '-inf' is not a number of seconds"),
        ([str(EXAMPLES / "hello_world.py"), "--timeout", "0"], "--timeout must be greater than 0"),
        ([str(EXAMPLES / "hello_world.py"), "--max-depth", "-1"], "--max-depth must be at least 0"),
        ([str(EXAMPLES / "hello_world.py"), "--onnx-opset", "99"], "--onnx-opset must be at most 30"),
        ([str(EXAMPLES / "hello_world.py"), "--precision", "fp8"], "invalid --precision 'fp8'"),
        ([str(EXAMPLES / "hello_world.py"), "--precision", "fp16", "--quantize", "int8"], "exclude each other"),
        ([str(EXAMPLES / "hello_world.py"), "--analyze-only", "--build-only"], "not allowed with argument"),
        ([str(EXAMPLES / "hello_world.py"), "--script-args", '"x'], "--script-args '\"x' cannot be split"),
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


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("MLAGILITY_TIMEOUT_SECONDS", "nan", "MLAGILITY_TIMEOUT_SECONDS='nan': --timeout 'nan' is not a number"),
        ("MLAGILITY_TIMEOUT_SECONDS", "soon", "MLAGILITY_TIMEOUT_SECONDS='soon'"),
        ("MLAGILITY_ONNX_OPSET", "inf", "MLAGILITY_ONNX_OPSET='inf': --onnx-opset 'inf' is not a whole number"),
        ("MLAGILITY_ONNX_OPSET", "3", "--onnx-opset must be at least 7"),
    ],
)
def test_bad_numeric_environment_variable_is_one_line_exit_2(variable, value, message, tmp_path):
    result = run_benchit(EXAMPLES / "hello_world.py", "-d", tmp_path / "cache", "--analyze-only",
                         env={variable: value})
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["-d", "{cache}", "--analyze-only", "{script}"],
        ["--analyze-only", "{script}", "-d", "{cache}"],
        ["--traceback", "--analyze-only", "-d", "{cache}", "{script}"],
        ["{script}", "--analyze-only", "--traceback", "-d", "{cache}"],
        ["benchmark", "--analyze-only", "-d", "{cache}", "{script}"],
        ["--analyze-only", "--runtime", "ort", "torch-eager", "{script}", "-d", "{cache}"],
    ],
)
@pytest.mark.slow
def test_options_work_before_or_after_the_files(argv, tmp_path):
    words = [w.format(cache=tmp_path / "cache", script=EXAMPLES / "hello_world.py") for w in argv]
    result = run_benchit(*words)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pytorch_model" in result.stdout and "Analyzed" in result.stdout


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
