# Both commands work on a fresh machine with only python3: uv is bootstrapped from PyPI when missing.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
PYTEST_ARGS ?=
# Typed packages checked by mypy --strict: the libraries, the connectors, the tools and the sandbox.
MYPY_PACKAGES := libs/connector-kit/connector_kit libs/autotask-client/autotask_client libs/xero-client/xero_client \
	source-autotask/source_autotask destination-xero/destination_xero \
	source-xero-payments/source_xero_payments destination-autotask-payments/destination_autotask_payments \
	autotask-xero/autotask_xero integration_tests/sandbox integration_tests/demo
# Tests run uv themselves (packaging checks, the tap-xero peer): the bootstrapped one is on their PATH too.
export PATH := $(dir $(UV)):$(PATH)
# Tests run in parallel (pytest-xdist): each module goes to one worker whole, the long modules first
# (integration_tests/tests/sandbox_testkit/tiers.py says why). TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= 3
XDIST := -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

.PHONY: help bootstrap sync test check lint demo sandbox reliability bench clean

help:
	@echo "make demo   - start the sandbox and run the main job on it"
	@echo "make test   - lint, then the whole test suite in parallel (what CI runs; TEST_WORKERS=3)"
	@echo "make check  - the quick loop (< 3 min): ruff, then the unit and contract tests; leaves out the"
	@echo "              tests marked slow (Meltano, PyAirbyte, demo, bench, wheels, reliability, CLI syncs)"
	@echo "make lint   - ruff, import contracts (.importlinter), module sizes (tools/check_layout.py), mypy"
	@echo "make reliability - the full reliability suite (faults, crashes, tokens, limits, bad input); prints the table"
	@echo "make bench - the benchmark (API calls against the vendor-limit floor, wall time, memory)"

$(CURDIR)/.tools/bin/uv:
	python3 -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"

bootstrap: | $(UV)

sync: bootstrap
	$(UV) sync --frozen --all-packages

lint: sync
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run lint-imports --no-cache
	$(UV) run python tools/check_layout.py
	$(UV) run mypy $(MYPY_PACKAGES)

test: sync lint
	$(UV) run pytest $(XDIST) --durations=20 $(PYTEST_ARGS)

check: sync
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run pytest $(XDIST) -m "not slow" $(PYTEST_ARGS)

demo: sync
	$(UV) run python -m demo $(DEMO_ARGS)

reliability: sync
	RELIABILITY_PROFILE=$${RELIABILITY_PROFILE:-full} RELIABILITY_RESULTS=1 $(UV) run pytest integration_tests/tests/reliability -p no:cacheprovider $(PYTEST_ARGS)

bench: sync
	$(UV) run python -m bench $(BENCH_ARGS)

sandbox: sync
	$(UV) run sandbox up --dataset demo

clean:
	rm -rf .venv .tools .pytest_cache .mypy_cache .ruff_cache
