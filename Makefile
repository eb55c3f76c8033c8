# eduwb — every target sets up what it needs (venv, packages, fonts) and is safe to rerun.
# `make help` lists the targets.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.eduwb-installed
SYSTEM_STAMP := $(VENV)/.eduwb-system-ok
NBVAL := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
YEARS ?=

.DEFAULT_GOAL := help
.PHONY: help setup system-deps test unit notebooks notebooks-refresh lint report lab sample benchmarks clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "eduwb needs Python 3.11 or newer (set PYTHON=python3.11)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (eduwb)" >/dev/null
	touch $(STAMP)

$(SYSTEM_STAMP): scripts/system-deps.sh
	bash scripts/system-deps.sh
	@mkdir -p $(VENV) && touch $(SYSTEM_STAMP)

system-deps: $(SYSTEM_STAMP) ## install the CJK font and PDF tools (apt, when root)

setup: $(STAMP) $(SYSTEM_STAMP) ## create .venv and install eduwb with everything it needs

lint: setup ## ruff over the package, tests and benchmarks
	$(BIN)/ruff check eduwb tests benchmarks scripts

unit: setup ## unit tests, golden backtests and end-to-end tests
	$(BIN)/pytest -q -n 2 tests

notebooks: setup ## nbval over the committed notebooks
	$(BIN)/pytest -q -p no:cacheprovider $(NBVAL) notebooks

notebooks-refresh: setup ## re-execute the committed notebooks on data/sample (then review and commit)
	$(BIN)/python scripts/execute_notebooks.py

test: lint unit notebooks ## the whole test suite (what CI runs)

report: setup ## annual PDF reports for the sample county, every year, into reports/
	$(BIN)/eduwb validate data/sample
	$(BIN)/eduwb report data/sample --out reports $(if $(YEARS),--years $(YEARS),)

lab: setup ## JupyterLab on the notebooks
	$(BIN)/jupyter lab --notebook-dir=notebooks

sample: setup ## regenerate the committed samples (data/sample, data/sample.xlsx, data/province-sample)
	$(BIN)/eduwb sample data/sample --xlsx data/sample.xlsx
	$(BIN)/eduwb sample data/province-sample --counties 6 --schools 20

benchmarks: setup ## run the speed and memory measurements (prints figures)
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean: ## remove the venv and generated reports
	rm -rf $(VENV) reports/*/ .pytest_cache
