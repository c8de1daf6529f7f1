# The two commands of the README. Both create ./.venv if needed and are safe to re-run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.mlagility-installed
CONSTRAINTS := requirements/constraints.txt
export HF_HUB_OFFLINE := 1

.PHONY: setup demo test test-versions bench corpus-analyze clean-venv

setup: $(STAMP)

$(STAMP): pyproject.toml $(CONSTRAINTS) models/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[test,keras,sklearn,genai]' -r models/requirements.txt nox
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/benchit examples/cli/scripts/hello_world.py --runtime ort torch-eager

test: $(STAMP)
	@.ci/install_browser.sh
	bash test/services/install_slurm.sh  # Slurm, munge, MariaDB for test/sweep (root only; else those tests skip)
	$(BIN)/python -m pytest -q test

# The quick subset (pytest -m "not slow") on Python 3.10, 3.12 and 3.13, each in its own venv under
# .nox/ (noxfile.py: pyenv's interpreters, the same constraints where wheels exist). `make test` is 3.11.
test-versions: $(STAMP)
	$(BIN)/nox -s quick-3.10 quick-3.12 quick-3.13

bench: $(STAMP)
	$(BIN)/python bench/discovery_overhead.py
	$(BIN)/python bench/fidelity.py
	$(BIN)/python bench/runtimes.py
	$(BIN)/python bench/precision.py
	$(BIN)/python bench/overhead.py
	$(BIN)/python bench/generation.py

# Not in CI: every corpus script through `benchit --analyze-only --process-isolation` (~2 h).
corpus-analyze: $(STAMP)
	$(BIN)/python bench/corpus_analyze.py --out corpus_analyze.csv

clean-venv:
	rm -rf $(VENV)
