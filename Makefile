# `make run` and `make test` set everything up on a fresh machine (Python 3.10+ and Node 20+).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help setup run test format bench clean

help:
	@echo "make run    serve the app on http://127.0.0.1:7071 with Azurite (Core Tools or devhost)"
	@echo "make test   lint and run the whole test suite (starts its own Azurite)"
	@echo "make bench  run the benchmarks in bench/"
	@echo "make clean  remove .venv, node_modules and local Azurite data"

# What running the app and the benchmarks needs; the tests also need checkov.
RUN_DEPS := $(PY_STAMP) $(NODE_STAMP) local.settings.json

setup: $(RUN_DEPS) $(CHECKOV_STAMP)

$(PY_STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if v >= (3, 10) else \
		"Python 3.10-3.12 is required; this is %d.%d (set PYTHON=python3.12)" % v)'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# checkov (the Bicep security checks) brings ~100 packages: a venv of its own.
$(CHECKOV_STAMP): requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

local.settings.json:
	cp local.settings.example.json $@

run: $(RUN_DEPS)
	$(PY) -m devhost.local

test: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest

format: $(PY_STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: $(RUN_DEPS)
	$(PY) bench/protocol.py
	$(PY) bench/callback.py
	$(PY) bench/assign.py
	$(PY) bench/outbound.py

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) node_modules .azurite .pytest_cache .ruff_cache .hypothesis
