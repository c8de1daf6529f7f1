"""A CI-sized sample of every corpus runs offline and discovers exactly the models it should."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, run_benchit

MODELS = REPO / "models"
SAMPLE = {
    "selftest": ["mlp.py", "tiny_cnn.py", "tiny_lstm.py", "keyword_args.py", "two_models.py"],
    "torchvision": ["resnet18.py", "mobilenet_v3_small.py"],
    "timm": ["resnet18.py", "mobilenetv3_small_050.py"],
    "transformers": ["bert.py", "albert.py"],
    "diffusers": ["unet_2d.py", "autoencoder_kl.py"],
    "graph_convolutions": ["gcn.py", "gat.py"],
    "llm_layer": ["llama_mlp.py", "gpt2_attention.py"],
    "generative": ["gpt2_generate.py", "t5_generate.py", "ddpm_pipeline.py"],
    "keras": ["functional_mlp.py", "mobilenetv3small.py"],
    "sklearn": ["pipeline_scaler_logistic_regression.py", "xgboost_classifier.py", "lightgbm_regressor.py"],
}
EXTRAS = {"keras": ["keras"], "sklearn": ["sklearn", "xgboost", "lightgbm"]}  # mlagility[keras], [sklearn]


def expected_models(script) -> int:
    match = re.search(r"^# expected-calls: (\d+)", script.read_text(), re.M)
    return int(match.group(1)) if match else 1


def offline_command() -> list[str]:
    """No network for the child: a private network namespace where the machine allows one."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n", "--"]
    return []


def test_models_location():
    assert run_benchit("models", "location", "--quiet").stdout.strip() == str(MODELS)
    assert (MODELS / "requirements.txt").is_file() and (MODELS / "readme.md").is_file()


def test_every_script_has_the_template():
    scripts = sorted(MODELS.glob("*/*.py"))
    assert len(scripts) >= 1000
    for script in scripts:
        text = script.read_text()
        assert text.startswith("# labels: ") and "author::" in text.splitlines()[0], script
        assert '"""' in text and "from mlagility.parser import parse" in text, script


@pytest.mark.slow
@pytest.mark.parametrize("corpus", sorted(SAMPLE))
def test_corpus_sample_runs_offline_and_finds_its_models(corpus, tmp_path):
    for module in EXTRAS.get(corpus, []):
        pytest.importorskip(module)
    scripts = [MODELS / corpus / name for name in SAMPLE[corpus]]
    env = {"HF_HUB_OFFLINE": "1", "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}
    command = [*offline_command(), sys.executable, "-m", "mlagility.cli.main", *map(str, scripts), "--analyze-only"]
    import os

    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **env}, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    trees = re.split(r"^(\S+\.py):$", result.stdout, flags=re.M)
    found = {trees[i]: trees[i + 1].count("Hash:") for i in range(1, len(trees) - 1, 2)}
    assert found == {script.name: expected_models(script) for script in scripts}


def test_generative_scripts_print_their_result():
    """Each generative script prints one result line, so python and benchit output can be compared."""
    scripts = sorted((MODELS / "generative").glob("*.py"))
    assert len(scripts) >= 40
    for script in scripts:
        assert re.search(r"^print\(", script.read_text(), re.M), script


@pytest.mark.slow
def test_verify_counts_a_generation_as_one_call_and_a_loop_as_one_model(tmp_path):
    """models/verify.py: generate() is one call of its model; a decode loop declares one model."""
    scripts = [MODELS / "generative" / "gpt2_generate.py", MODELS / "generative" / "llama_decode_loop.py"]
    out = tmp_path / "verify.csv"
    result = subprocess.run([sys.executable, str(MODELS / "verify.py"), *map(str, scripts), "--out", str(out)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    import csv

    rows = {Path(r["script"]).name: r for r in csv.DictReader(out.open())}
    assert (rows["gpt2_generate.py"]["calls"], rows["gpt2_generate.py"]["models"]) == ("1", "1")
    assert rows["llama_decode_loop.py"]["calls"] == "8" and rows["llama_decode_loop.py"]["models"] == "1"
    assert rows["llama_decode_loop.py"]["expected"] == "1 models"
    assert "new tokens: [[" in result.stdout
