# KPI Advisor — two commands: `make run` and `make test`. Both set everything up on a fresh machine.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UV_VERSION := 0.13.9
DATA ?= data/demo
MODELS ?= data/models
HOST ?= 127.0.0.1
PORT ?= 8000
KEY_FILE ?= data/api-key.txt
PYTEST_ARGS ?=
TRAIN_ARGS ?=

.PHONY: install lock lint test run demo clean bench browser reference-venv

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q advisor models training api demo_world
	touch $(STAMP)

install: $(STAMP)

## Debian's Chromium for the dashboard's browser tests (Playwright drives it through executable_path).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell test "$$(id -u)" = 0 || echo sudo)
browser:
	@test -x $(CHROMIUM) || ($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null)

## Re-resolve pinned versions after editing pyproject.toml dependencies.
lock:
	test -x $(BIN)/uv || ($(PY) -m venv $(VENV) && $(BIN)/python -m pip install -q uv==$(UV_VERSION))
	$(BIN)/uv pip compile -q pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

lint: install
	$(BIN)/ruff check advisor models training api demo_world tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint browser
	$(BIN)/python -m pytest -n 2 --dist loadgroup -p no:cacheprovider $(PYTEST_ARGS)

$(DATA)/campaign_daily.csv: | install
	$(BIN)/kpi-advisor demo-data --out $(DATA) --seed 7

demo: $(DATA)/campaign_daily.csv

## Serve the API (docs at /docs, MCP at /mcp) on the demo world; trains first when no model version exists, makes an
## admin API key once (data/api-key.txt) and starts the training worker with the server.
run: install demo
	$(BIN)/kpi-advisor validate --data $(DATA)
	@if ls -d $(MODELS)/v[0-9]*/manifest.json >/dev/null 2>&1; then echo "models found in $(MODELS)"; \
	else $(BIN)/kpi-advisor train --data $(DATA) --models $(MODELS) $(TRAIN_ARGS); fi
	$(BIN)/kpi-advisor scorecard --data $(DATA)
	@test -s $(KEY_FILE) || $(BIN)/kpi-advisor keys create --workspace default --role admin --name "make run" --json \
		| $(BIN)/python -c "import json, sys; print(json.load(sys.stdin)['token'])" > $(KEY_FILE)
	@echo "KPI Advisor on http://$(HOST):$(PORT)  (dashboard /ui, docs /docs, OpenAPI /openapi.json, MCP /mcp)"
	@echo "admin key of workspace 'default' is in $(KEY_FILE) (sign in to /ui with it); try:"
	@echo "  curl -H \"X-API-Key: \$$(cat $(KEY_FILE))\" http://$(HOST):$(PORT)/v1/scorecard"
	$(BIN)/kpi-advisor serve --data $(DATA) --models $(MODELS) --host $(HOST) --port $(PORT) --log-text

## PyMC-Marketing in its own virtualenv (pinned in benchmarks/reference/requirements.txt): the reference model that
## benchmarks/mmm_reference.py compares the response model with on the same demo worlds and lift tests.
REF_VENV := .venv-reference
$(REF_VENV)/.installed: benchmarks/reference/requirements.txt | install
	test -x $(REF_VENV)/bin/python || $(BIN)/uv venv -q --python $(BIN)/python $(REF_VENV)
	$(BIN)/uv pip install -q --python $(REF_VENV)/bin/python -r benchmarks/reference/requirements.txt
	touch $@

reference-venv: $(REF_VENV)/.installed

bench: install reference-venv
	for f in benchmarks/*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) $(REF_VENV) .mypy_cache .ruff_cache .pytest_cache
