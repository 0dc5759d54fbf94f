# Integrated Care Evidence Workbook. Two commands do all set-up: `make report` and `make test`.
# Each creates .venv when it is missing and reinstalls when pyproject.toml changes.

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)

.PHONY: report test lab clean bench env validate help handout

help:
	@echo "make report   regenerate reports/ (synthesis.html, tables/, figures/)"
	@echo "make test     run every test, notebooks included"
	@echo "make lab      JupyterLab on notebooks/ with the project's kernel"
	@echo "make bench    run the benchmarks (coding accuracy, regeneration, coding at scale, extraction accuracy)"
	@echo "make handout  the coding exercise without answers or teacher's notes -> notebooks/handout/"
	@echo "make clean    remove generated output"

env: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + "); set PYTHON=/path/to/python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ipykernel)" >/dev/null
	$(BIN)/python -m workbook.ui.lab >/dev/null
	@touch $(STAMP)

report: $(STAMP)
	$(BIN)/workbook report

validate: $(STAMP)
	$(BIN)/workbook validate

test: $(STAMP)
	$(BIN)/python -m pytest

# The pre-save hook (workbook.ui.lab) keeps saved notebooks as committed; the py:percent twins are hidden in
# the file browser (open the .ipynb). --allow-root only when run as root (e.g. in a container).
lab: $(STAMP)
	@$(BIN)/python -m workbook.ui.lab >/dev/null
	$(BIN)/jupyter lab --notebook-dir=notebooks '--ContentsManager.hide_globs=__pycache__' \
		'--ContentsManager.hide_globs=*.pyc' '--ContentsManager.hide_globs=*.py' \
		'--ContentsManager.hide_globs=.ipynb_checkpoints' $(if $(filter 0,$(shell id -u)),--allow-root,)

bench: $(STAMP)
	$(BIN)/python benchmarks/coding_accuracy.py
	$(BIN)/python benchmarks/regenerate.py
	$(BIN)/python benchmarks/coding_scale.py
	$(BIN)/python benchmarks/ingest_speed.py
	$(BIN)/python benchmarks/extraction_accuracy.py

handout: $(STAMP)
	$(BIN)/python -m workbook.ui.handout notebooks/teaching/02_coding_exercise.py notebooks/handout/02_coding_exercise.ipynb

clean:
	find reports -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
	rm -rf .reports-* .reports.lock
