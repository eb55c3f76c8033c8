# eduwb — every target sets up what it needs (venv, packages, fonts) and is safe to rerun.
# `make help` lists the targets.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.eduwb-installed
SYSTEM_STAMP := $(VENV)/.eduwb-system-ok
JUPYTER_STAMP := $(VENV)/.eduwb-jupyter-settings
NBVAL := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
YEARS ?=

.DEFAULT_GOAL := help
.PHONY: help setup lock system-deps test quick unit browser notebooks notebooks-refresh notebooks-english lint report lab dashboard sample docs benchmarks clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# the exact versions every install uses (make lock regenerates them from pyproject.toml)
LOCK := requirements.lock
LOCK_FOR := --python-version 3.11 --python-platform x86_64-manylinux_2_28

$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "eduwb needs Python 3.11 or newer (set PYTHON=python3.11)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (eduwb)" >/dev/null
	touch $(STAMP)

$(SYSTEM_STAMP): scripts/system-deps.sh
	bash scripts/system-deps.sh
	@mkdir -p $(VENV) && touch $(SYSTEM_STAMP)

system-deps: $(SYSTEM_STAMP) ## install the CJK font and PDF tools (apt, when root)

# the project's JupyterLab saves widget state (a reopened notebook shows its widgets); its server tidies
# notebooks on save, and git's clean filter keeps widgets out of commits (scripts/jupyter/README.md)
# Voilà renders the dashboard with the project's template (served locally, no CDN)
VOILA_TEMPLATE := $(wildcard scripts/jupyter/voila/templates/eduwb/*)
$(JUPYTER_STAMP): $(STAMP) scripts/jupyter/overrides.json scripts/jupyter/jupyter_server_config.json scripts/jupyter/voila.json $(VOILA_TEMPLATE) .gitattributes
	mkdir -p $(VENV)/share/jupyter/lab/settings $(VENV)/etc/jupyter $(VENV)/share/jupyter/voila/templates/eduwb
	cp scripts/jupyter/overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	cp scripts/jupyter/jupyter_server_config.json $(VENV)/etc/jupyter/jupyter_server_config.json
	cp scripts/jupyter/voila.json $(VENV)/etc/jupyter/voila.json
	cp $(VOILA_TEMPLATE) $(VENV)/share/jupyter/voila/templates/eduwb/
	@# git compares and commits notebooks in their clean form (.gitattributes); not in a git checkout: nothing to do
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  git config filter.eduwb-notebook.clean '$(BIN)/python -m eduwb.present.nbfiles git-clean'; fi
	touch $(JUPYTER_STAMP)

setup: $(STAMP) $(SYSTEM_STAMP) $(JUPYTER_STAMP) ## create .venv and install eduwb with everything it needs

lock: ## regenerate requirements.lock from pyproject.toml (keeps current pins unless UPGRADE=1), then make setup
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev $(LOCK_FOR) $(if $(UPGRADE),--upgrade,) \
	  --custom-compile-command 'make lock' -o $(LOCK)

lint: setup ## ruff over the package, tests and benchmarks
	$(BIN)/ruff check eduwb tests benchmarks scripts
	$(BIN)/ruff format --check eduwb tests benchmarks scripts

quick: setup ## the unit tests alone (no golden, end-to-end, slow or browser tests): under a minute
	$(BIN)/pytest -q -n 2 -m "not slow and not golden and not e2e and not browser" tests

unit: setup ## unit tests, golden backtests and end-to-end tests (the browser tests run on their own: make browser)
	$(BIN)/pytest -q -n 2 -m "not browser" tests

notebooks: setup ## nbval over the committed notebooks, their English twins and the dashboard
	$(BIN)/pytest -q -p no:cacheprovider $(NBVAL) notebooks/*.ipynb notebooks/en

notebooks-refresh: setup ## re-execute the notebooks on data/sample and regenerate + execute the English twins (then review and commit)
	$(BIN)/python scripts/execute_notebooks.py
	$(BIN)/python scripts/english_notebooks.py --execute

notebooks-english: setup ## regenerate and execute only the English twins notebooks/en/ from the Chinese notebooks
	$(BIN)/python scripts/english_notebooks.py --execute

browser: setup ## the browser tests alone (JupyterLab and Voilà in headless Chromium; about two minutes)
	$(BIN)/pytest -q -p no:cacheprovider -m browser tests/test_browser.py

test: lint unit browser notebooks ## the whole test suite (what CI runs)

report: setup ## annual PDF reports for the sample county, every year, into reports/
	$(BIN)/eduwb validate data/sample
	$(BIN)/eduwb report data/sample --out reports $(if $(YEARS),--years $(YEARS),)

lab: setup ## JupyterLab on the notebooks (127.0.0.1, a free port; prints the URL with its token)
	$(BIN)/jupyter trust notebooks/*.ipynb notebooks/en/*.ipynb
	$(BIN)/python scripts/serve.py lab

dashboard: setup ## the leaders' Voilà dashboard (notebooks/dashboard.ipynb) on 127.0.0.1; prints the URL
	$(BIN)/python scripts/serve.py dashboard

sample: setup ## regenerate the committed samples (data/sample, data/sample.xlsx, data/province-sample)
	$(BIN)/eduwb sample data/sample --xlsx data/sample.xlsx --force
	$(BIN)/eduwb sample data/province-sample --counties 6 --schools 20 --force

docs: setup ## regenerate docs/data-dictionary.md from the schema (a test checks it is current)
	$(BIN)/eduwb schema --format md -o docs/data-dictionary.md --force

benchmarks: setup ## run the speed and memory measurements (prints figures)
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean: ## remove the venv and generated reports
	rm -rf $(VENV) reports/*/ .pytest_cache
