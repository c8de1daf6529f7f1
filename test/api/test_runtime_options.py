"""Runtime options (``--runtime-option RUNTIME.KEY=VALUE`` / ``runtime_options=``): checked against
the runtime's options class before any work, used by the runtime, recorded, reported, resumed."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Literal

import pytest
import yaml
from conftest import FAST, REPO, TINY_MODEL, run_benchit

from mlagility.api import options
from mlagility.common.exceptions import UsageError
from mlagility.runtimes.base import LoadTarget, Runtime, RuntimeOptions, convert_value

BASIC = "ort.graph_optimization_level=ORT_ENABLE_BASIC"


def _states(cache) -> dict:
    return {p.parent.name: yaml.safe_load(p.read_text()) for p in cache.glob("*/mlagility_build.yaml")}


@pytest.mark.slow
def test_a_runtime_option_is_used_recorded_reported_and_part_of_the_attempt(write_script, cache_dir, tmp_path):
    script = write_script("tiny.py", TINY_MODEL + "\nmodel = Tiny()\nmodel(torch.rand(1, 8))\n")
    common = [script, "-d", cache_dir, "--runtime", "ort", *FAST, "--resume"]
    first = run_benchit(*common, "--runtime-option", BASIC, "--runtime-option", "ort.threads=1")
    assert first.returncode == 0, first.stdout + first.stderr
    text = " ".join(first.stdout.split())
    assert "options: threads=1 graph_optimization_level=ORT_ENABLE_BASIC" in text  # the Ran: line
    (state,) = _states(cache_dir).values()
    recorded = state["benchmarks"]["x86/ort"]["runtime_options"]
    assert recorded["graph_optimization_level"] == "ORT_ENABLE_BASIC" and recorded["threads"] == 1

    report = run_benchit("cache", "report", "-d", cache_dir, "-r", tmp_path / "report")
    assert report.returncode == 0, report.stdout + report.stderr
    ((csv_file,),) = [list((tmp_path / "report").glob("*.csv"))]
    (row,) = list(csv.DictReader(csv_file.open()))
    assert "graph_optimization_level=ORT_ENABLE_BASIC" in row["runtime_options"]

    # the same options (given in another order): the same attempt, skipped by --resume
    again = run_benchit(*common, "--runtime-option", "ort.threads=1", "--runtime-option", BASIC)
    assert again.returncode == 0 and "1 skipped" in " ".join(again.stdout.split()), again.stdout
    # another value: another attempt, on the same (reused) build
    other = run_benchit(*common, "--runtime-option", "ort.graph_optimization_level=ORT_DISABLE_ALL")
    assert other.returncode == 0, other.stdout + other.stderr
    assert "0 skipped" in " ".join(other.stdout.split()) and "cached build reused" in other.stdout
    (state,) = _states(cache_dir).values()
    assert state["benchmarks"]["x86/ort"]["runtime_options"]["graph_optimization_level"] == "ORT_DISABLE_ALL"


@pytest.mark.parametrize("words, expected", [
    (["ort.bogus=1"], "unknown option 'bogus'"),
    (["ort.threads=many"], "threads='many': expected int"),
    (["ort.threads=0"], "threads must be a whole number of at least 1"),
    (["ort.graph_optimization_level=FAST"], "choose one of ORT_DISABLE_ALL|ORT_ENABLE_BASIC"),
    (["ort.precision=fp16"], "precision cannot be set"),
    (["nosuch.threads=2"], "no runtime 'nosuch' on --device x86"),
    (["openvino.num_streams=2"], "openvino is not benchmarked in this run"),
    (["ort-threads=2"], "is not RUNTIME.KEY=VALUE"),
    (["ort.threads=1", "ort.threads=2"], "ort.threads is given twice"),
])
def test_a_bad_runtime_option_is_one_line_and_exit_2_before_any_work(words, expected, tmp_path):
    script = tmp_path / "never_run.py"
    script.write_text("raise SystemExit('the script must not run')\n")
    flags = [word for item in words for word in ("--runtime-option", item)]
    result = run_benchit(script, "-d", tmp_path / "cache", *flags)
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert expected in line and "Traceback" not in line
    if expected.startswith(("unknown option", "threads")):  # the valid keys, with types and defaults
        assert "graph_optimization_level (ORT_DISABLE_ALL|" in line and "default ORT_ENABLE_ALL" in line
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").glob("*/mlagility_build.yaml"))


def test_the_api_keyword_is_the_flag(tmp_path):
    import torch

    from mlagility import benchmark_model

    torch.manual_seed(0)
    model = torch.nn.Linear(4, 2)
    perf = benchmark_model(model, (torch.rand(1, 4),), "api_options", cache_dir=str(tmp_path / "cache"),
                           runtime=["ort"], iterations=3, min_time=0, max_time=5,
                           runtime_options={"ort": {"graph_optimization_level": "ORT_ENABLE_BASIC", "threads": "1"}})
    assert perf.measurement.runtime_options["graph_optimization_level"] == "ORT_ENABLE_BASIC"
    assert perf.measurement.runtime_options["threads"] == 1  # converted like the flag's string
    with pytest.raises(UsageError, match="unknown option 'graph_optimisation'.*graph_optimization_level"):
        benchmark_model(model, (torch.rand(1, 4),), runtime_options={"ort": {"graph_optimisation": "x"}})
    with pytest.raises(UsageError, match="must map each runtime name to a dict"):
        benchmark_model(model, (torch.rand(1, 4),), runtime_options={"ort": "threads=1"})


def test_options_of_every_runtime_are_settable_by_type():
    compiled = options.resolve({"runtime": ["torch-compiled"], "runtime_options": [
        "torch-compiled.mode=max-autotune", "torch-compiled.dynamic=none", "torch-compiled.fullgraph=yes"]})
    assert compiled["runtime_options"] == {"torch-compiled": {"mode": "max-autotune", "dynamic": None,
                                                              "fullgraph": True}}
    vino = options.resolve({"runtime": ["openvino"], "runtime_options": {"openvino": {"num_streams": "2"}}})
    assert vino["runtime_options"] == {"openvino": {"num_streams": 2}}
    with pytest.raises(UsageError, match="threads cannot be set: this runtime runs in the script's process"):
        options.resolve({"runtime": ["torch-eager"], "runtime_options": ["torch-eager.threads=2"]})
    # none given: no key in the values' round trip, and no flag
    assert options.resolve({})["runtime_options"] is None and options.to_flags(options.resolve({})) == []


def test_convert_value_covers_the_field_types():
    assert convert_value("2.5", float) == 2.5 and convert_value(3, float) == 3.0
    assert convert_value("OFF", bool) is False and convert_value(True, bool) is True
    assert convert_value("7", int | None) == 7 and convert_value("none", int | None) is None
    assert convert_value("2", Literal[1, 2]) == 2
    for value, hint in [("nan", float), ("1.5", int), (True, int), ("maybe", bool), (3, str), ("c", Literal["a", "b"])]:
        with pytest.raises(ValueError):
            convert_value(value, hint)


def test_a_plugin_options_class_must_have_readable_types():
    @dataclass(frozen=True)
    class Broken(RuntimeOptions):
        knob: "NoSuchType" = None  # noqa: F821

    class Plugin(Runtime):
        name = "broken-options"
        options_class = Broken

        def load(self, target: LoadTarget, options):
            raise NotImplementedError

    with pytest.raises(TypeError, match="options_class has field types that cannot be read"):
        Plugin.validate()


def test_user_guide_runtime_options_table_is_generated_from_the_options_classes():
    guide = (REPO / "docs" / "user-guide.md").read_text()
    table = guide.split("<!-- runtime-options:start -->\n")[1].split("\n<!-- runtime-options:end -->")[0]
    assert table == options.runtime_options_table(), \
        "run: python -m mlagility.api.options runtime-options, paste into the guide"
