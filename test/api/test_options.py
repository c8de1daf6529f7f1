"""Each option is declared once: flags, API keywords, docs, child flags and resume key derive from it."""

from __future__ import annotations

import inspect

import pytest

from mlagility import benchmark_model, benchmark_script
from mlagility.api import options
from mlagility.cli.main import _recover_files, _with_default_command, build_parser
from mlagility.common.exceptions import UsageError

# A non-default value for every option (the round trip must carry each one).
NON_DEFAULT = {
    "cache_dir": "/tmp/some cache",
    "device": "nvidia",
    "runtime": ["trt", "ort-cuda"],
    "runtime_options": {"trt": {"device_id": 1, "threads": 3}, "ort-cuda": {"threads": 2}},
    "rebuild": "always",
    "iterations": 7,
    "min_time": 0.25,
    "max_time": 12.5,
    "analyze_only": False,
    "build_only": True,
    "export_only": False,
    "onnx_opset": 17,
    "precision": "fp16",
    "quantize": None,
    "sequence": "/tmp/my sequence.py",
    "script_args": "--batch_size 8 --name 'a b'",
    "max_depth": 2,
    "prompt_lengths": [16, 128],
    "new_tokens": [4],
    "batch_sizes": [1, 2],
    "labels": ["task::vision,nlp", "author::me"],
    "process_isolation": True,
    "timeout": 90.5,
    "resume": True,
    "lean_cache": True,
    "check": False,
    "workers": 3,
    "use_slurm": True,
    "slurm_partition": "gpu",
    "max_jobs": 4,
    "slurm_time": 15,
    "slurm_mem": 1.5,
    "slurm_cpus": 8,
    "slurm_gpus": 1,
    "exclusive": False,
    "detach": True,
}


def _parse(words: list[str]) -> dict:
    args = build_parser().parse_args(_with_default_command(["x.py", *words]))
    _recover_files(args)
    return options.resolve(options.from_namespace(args))


def test_every_option_has_a_non_default_sample_here():
    assert set(NON_DEFAULT) == {o.name for o in options.OPTIONS}


def test_options_round_trip_through_flags():
    values = options.resolve(NON_DEFAULT)
    flags = options.to_flags(values)
    assert _parse(flags) == values
    # every non-default option produced a flag, and the defaults none
    assert options.to_flags(options.resolve({})) == []


# What an option's sample needs beside it (runtime options are checked against the runtimes run).
CONTEXT = {"runtime_options": {"device": "nvidia", "runtime": ["trt", "ort-cuda"]}}


@pytest.mark.parametrize("option", options.OPTIONS, ids=lambda o: o.name)
def test_each_option_round_trips_alone(option):
    value = options.resolve({option.name: NON_DEFAULT[option.name], **CONTEXT.get(option.name, {})})
    assert _parse(options.to_flags(value)) == value


def test_api_signatures_and_docs_come_from_the_declaration():
    script_params = inspect.signature(benchmark_script).parameters
    model_params = inspect.signature(benchmark_model).parameters
    for option in options.OPTIONS:
        if options.API_SCRIPT in option.api:
            assert script_params[option.name].default == option.default
            assert f"``{option.name}``" in benchmark_script.__doc__
        if options.API_MODEL in option.api:
            assert model_params[option.name].default == option.default
            assert option.cli_flag in benchmark_model.__doc__
        else:
            assert option.name not in model_params
    assert list(script_params)[0] == "input_scripts" and "reporter" in script_params
    assert list(model_params)[:3] == ["model", "inputs", "build_name"]


def test_unknown_keyword_is_a_type_error_and_a_bad_value_a_usage_error():
    with pytest.raises(TypeError, match="unexpected keyword argument 'iteration'"):
        benchmark_script("x.py", iteration=5)
    with pytest.raises(TypeError, match="unexpected keyword argument 'labels'"):
        benchmark_model(None, (), labels=["a::b"])  # a script-only option
    with pytest.raises(UsageError, match="--min-time .?nan.? is not a number of seconds"):
        import torch

        benchmark_model(torch.nn.Linear(2, 2), (torch.rand(1, 2),), min_time=float("nan"))


def test_resume_identity_ignores_what_does_not_change_results():
    base = options.resolve({})
    assert options.resume_identity(base) == options.resume_identity({**base, "lean_cache": True, "timeout": 5.0})
    assert options.resume_identity(base) != options.resume_identity({**base, "iterations": 5})
    assert options.resume_identity(base) != options.resume_identity({**base, "runtime": ["torch-eager"]})
    # a runtime option is part of the attempt (another value: another attempt); none: the key is absent,
    # so attempts recorded before runtime options existed still match
    tuned = options.resolve({"runtime_options": ["ort.graph_optimization_level=ORT_ENABLE_BASIC"]})
    basic = options.resume_identity(tuned)
    assert basic != options.resume_identity(base) and "runtime_options" not in options.resume_identity(base)
    assert basic != options.resume_identity(options.resolve({"runtime_options": {"ort": {"threads": 1}}}))
    assert basic == options.resume_identity(options.resolve(
        {"runtime_options": {"ort": {"graph_optimization_level": "ORT_ENABLE_BASIC"}}}))  # API == CLI


def test_help_shows_units_defaults_and_environment_variables(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["benchmark", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: 1.0 s)" in text and "$MLAGILITY_TIMEOUT_SECONDS or 3600.0" in text
    assert "--no-check" in text and "--sequence-file FILE" in text


def test_user_guide_flags_table_is_generated_from_the_declaration():
    from conftest import REPO

    guide = (REPO / "docs" / "user-guide.md").read_text()
    table = guide.split("<!-- options:start -->\n")[1].split("\n<!-- options:end -->")[0]
    assert table == options.markdown_table(), "run: python -m mlagility.api.options, paste into the guide"
