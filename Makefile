# Everything runs from the virtual environment in .venv, which `make install`
# builds from the pinned lock file; nothing depends on what the machine has.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUF := .tools/node_modules/.bin/buf
PROTO_FILES := $(wildcard protos/aggregator/v1/*.proto)

.PHONY: install tools run test lint format generate docs clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

tools: $(BUF)

# package.json pins buf exactly, and buf pins its per-platform binaries exactly; a lock file
# would only list the platform it was made on.
$(BUF): .tools/package.json
	cd .tools && npm install --no-package-lock --no-audit --no-fund --loglevel=error
	touch $@

run: install
	AGGREGATOR_SANDBOX=$${AGGREGATOR_SANDBOX:-1} $(BIN)/python -m service

generate: install
	rm -rf generated/aggregator
	$(BIN)/python -m scripts.generate_protos generated

docs: install
	$(BIN)/python -m scripts.api_reference docs/api.md

test: install tools
	$(BIN)/ruff check service tests scripts
	$(BIN)/ruff format --check service tests scripts
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

lint: install tools
	$(BIN)/ruff check service tests scripts
	$(BUF) lint

format: install
	$(BIN)/ruff format service tests scripts
	$(BIN)/ruff check --fix service tests scripts

clean:
	rm -rf $(VENV) .tools/node_modules .mypy_cache .pytest_cache .ruff_cache
