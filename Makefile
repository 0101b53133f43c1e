# Both commands work on a fresh machine with only python3: uv is bootstrapped from PyPI when missing.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
PYTEST_ARGS ?=
# Tests run uv themselves (packaging checks, the tap-xero peer): the bootstrapped one is on their PATH too.
export PATH := $(dir $(UV)):$(PATH)

.PHONY: help bootstrap sync test lint demo sandbox reliability bench clean

help:
	@echo "make demo   - start the sandbox and run the main job on it"
	@echo "make test   - lint and run the whole test suite (what CI runs)"
	@echo "make lint   - ruff and mypy"
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
	$(UV) run mypy integration_tests/sandbox source-autotask/source_autotask destination-xero/destination_xero reverse-payments/reverse_payments autotask-xero/autotask_xero

test: sync lint
	$(UV) run pytest $(PYTEST_ARGS)

demo: sync
	$(UV) run python -m sandbox.demo $(DEMO_ARGS)

reliability: sync
	RELIABILITY_PROFILE=$${RELIABILITY_PROFILE:-full} RELIABILITY_RESULTS=1 $(UV) run pytest integration_tests/tests/reliability -p no:cacheprovider $(PYTEST_ARGS)

bench: sync
	$(UV) run python -m bench $(BENCH_ARGS)

sandbox: sync
	$(UV) run sandbox up --dataset demo

clean:
	rm -rf .venv .tools .pytest_cache .mypy_cache .ruff_cache
