# `make run` and `make test` set everything up on a fresh machine (Python 3.11+ and Node 20+).
PYTHON ?= python3
# Python 3.13, for the real Functions worker's venv (tests/worker) and `make test-py313`: found
# on first use (python3.13 if it runs, else pyenv's newest 3.13) unless given.
PYTHON313 ?= $(eval PYTHON313 := $(shell $(PYTHON) tools/find_python.py 3.13))$(PYTHON313)
VENV ?= .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
ASSETS := shared/web/api_docs/vendor/swagger-ui-bundle.js
CONSOLE := console/dist/index.html
CONSOLE_SOURCES := $(shell find console/src console/public console/index.html console/vite.config.mts console/tsconfig.json -type f 2>/dev/null)
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
WORKER_VENV := .venv-worker
WORKER_STAMP := $(WORKER_VENV)/.installed
PY313_VENV := .venv-py313
PY313_STAMP := $(PY313_VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help setup assets console api-client run demo test test-py313 screenshots soak format bench clean

help:
	@echo "make run         serve the app with Azurite (Core Tools or devhost), on Host.LocalHttpPort (7071)"
	@echo "make demo        the app, Azurite and the WeChat simulator, seeded; prints the console,"
	@echo "                 playground and API viewer URLs and the sign-in tokens (Ctrl-C stops it)"
	@echo "make test        lint and run the whole test suite (starts its own Azurite)"
	@echo "make test-py313  the unit tests and the app's import on Python 3.13 (PYTHON313=...)"
	@echo "make screenshots write the console's screenshots into docs/screenshots (needs chromium)"
	@echo "make soak        10,000 pushes at 20/s with the pipeline live, minute by minute (9 min)"
	@echo "make setup       create .venv and .venv-checkov, install the npm packages, copy local.settings.json"
	@echo "make assets      copy what the app serves from npm packages into it (the API viewer)"
	@echo "make console     build the web console into console/dist (the app serves it at /console/)"
	@echo "make api-client  regenerate the console's typed API client from the OpenAPI document"
	@echo "make format      apply ruff's fixes and formatting"
	@echo "make bench       run the benchmarks in bench/"
	@echo "make clean       remove the venvs, node_modules and local Azurite data"

# What running the app and the benchmarks needs; the tests also need checkov.
RUN_DEPS := $(PY_STAMP) $(NODE_STAMP) $(ASSETS) $(CONSOLE) local.settings.json

setup: $(RUN_DEPS) $(CHECKOV_STAMP)

$(PY_STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if v >= (3, 11) else \
		"Python 3.11-3.13 is required; this is %d.%d (set PYTHON=python3.13)" % v)'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# checkov (the Bicep security checks) brings ~100 packages: a venv of its own.
$(CHECKOV_STAMP): requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	@touch $@

# The real Functions worker (Python 3.13+) indexes the app in tests/worker: a venv of its own
# with what Azure installs, the app's requirements.
$(WORKER_STAMP): requirements.txt requirements-worker.txt
	$(PYTHON313) -m venv $(WORKER_VENV)
	$(WORKER_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-worker.txt
	@touch $@

$(PY313_STAMP): requirements.txt requirements-dev.txt
	@test -n "$(PYTHON313)" || { echo "no Python 3.13 found: set PYTHON313=/path/to/python3.13" >&2; exit 1; }
	$(PYTHON313) -m venv $(PY313_VENV)
	$(PY313_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Build output the app serves (and deploys); never committed.
assets: $(ASSETS)
$(ASSETS): $(NODE_STAMP) $(PY_STAMP) tools/vendor_assets.py
	$(PY) -m tools.vendor_assets

console: $(CONSOLE)
$(CONSOLE): $(NODE_STAMP) $(CONSOLE_SOURCES)
	npm run --silent console:build

# The console's API types follow the OpenAPI document; tests/test_console_client.py fails
# when this has not been run after an API change.
api-client: $(PY_STAMP) $(NODE_STAMP)
	$(PY) -m tools.export_openapi > console/openapi.json
	npx --no-install openapi-typescript console/openapi.json -o console/src/api/schema.d.ts
	rm console/openapi.json

local.settings.json:
	cp local.settings.example.json $@

run: $(RUN_DEPS)
	$(PY) -m devhost.local

demo: $(RUN_DEPS)
	$(PY) -m tools.demo

# tests/worker needs the worker's venv: built here when Python 3.13 is found, skipped otherwise.
test: setup
	@$(if $(PYTHON313),$(MAKE) --no-print-directory PYTHON313=$(PYTHON313) $(WORKER_STAMP),\
		echo "no Python 3.13 found (set PYTHON313=...): tests/worker will be skipped")
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	npm run --silent console:check
	npm run --silent console:test
	$(PY) -m pytest

# The default interpreter runs everything above; this runs what could differ on 3.13.
test-py313: $(PY313_STAMP)
	$(PY313_VENV)/bin/python -m pytest tests/unit tests/test_function_app.py

# The browser tests' set-up (tests/browser) photographs the console; commit what changes.
screenshots: $(RUN_DEPS)
	@command -v chromium >/dev/null || { echo "make screenshots needs Chromium: apt-get install chromium" >&2; exit 1; }
	SCREENSHOTS_DIR=docs/screenshots $(PY) -m pytest tests/browser -m screenshots -q -p no:cacheprovider

# Not in CI: about 9 minutes of pushes at 20 a second with the pipeline live (bench/soak.py).
soak: $(RUN_DEPS)
	$(PY) bench/soak.py

format: $(PY_STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: $(RUN_DEPS)
	$(PY) bench/protocol.py
	$(PY) bench/callback.py
	$(PY) bench/pipeline.py
	$(PY) bench/assign.py
	$(PY) bench/outbound.py
	$(PY) bench/console_latency.py

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(WORKER_VENV) $(PY313_VENV) node_modules .azurite .pytest_cache .ruff_cache .mypy_cache .hypothesis console/dist
