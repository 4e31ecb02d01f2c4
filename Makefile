# Two commands matter: `make demo` and `make test` (see README). Everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
PORT ?= 3000

export PATH := $(BIN):$(PATH)
export REFLEX_USE_NPM := 1
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: demo test lint bench install install-test browser clean

# Reinstall only when the dependency list changes.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test browser

# Browser tests drive Debian's Chromium; Playwright's own browser download does not work here.
browser:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

demo: install
	$(BIN)/portal migrate
	$(BIN)/portal seed --demo
	$(BIN)/portal serve --port $(PORT)

# The rules the build checks: formatting, lint (line length included), layer contracts, types.
lint: install-test
	$(BIN)/ruff format --check portal tests alembic rxconfig.py
	$(BIN)/ruff check portal tests alembic rxconfig.py
	$(BIN)/mypy
	$(BIN)/lint-imports

# The tests without a browser share both cores (each worker has its own database); so do the browser
# tests, in two processes with a served portal and build folder each, every file whole in one of them
# and always in the same order (tests/browser/run_halves.sh says why). PYTEST_ARGS picks tests by hand.
test: lint
ifdef PYTEST_ARGS
	$(BIN)/pytest -q $(PYTEST_ARGS)
else
	$(BIN)/pytest -q -m 'not browser' -n 2 -p no:cacheprovider
	PYTEST=$(BIN)/pytest tests/browser/run_halves.sh
endif

bench: install-test
	$(BIN)/python -m tests.bench

clean:
	rm -rf .web .states data/test-*
