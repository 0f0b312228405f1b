# fairdesk: the two commands that do everything on a fresh machine.
#
#   make demo    install uv if missing, install the locked runtime dependencies, start the demo
#   make test    the same, then run the whole test suite
#
# Also: make lint (ruff, import contracts, private names, mypy), make types (mypy alone), make ci
# (what CI runs: .ci/run). Variables: PORT=8000 for the demo, ARGS="…" for extra pytest
# arguments (make test ARGS="-k resolver -x").

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
PORT ?= 8000
ARGS ?=

# uv on PATH if there is one, else the copy that `pip install uv` put beside the Python
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")

.PHONY: help uv sync chromium demo test lint types ci

help:
	@echo "make demo   start the demo on http://127.0.0.1:$(PORT)/ (SQLite in var/demo)"
	@echo "make test   run the test suite (SQLite in a temporary folder)"
	@echo "make chromium  install Debian's chromium for the browser tests, if it is missing"
	@echo "make lint   ruff, the import contracts, no private names of dependencies, mypy"
	@echo "make types  mypy with django-stubs"
	@echo "make ci     what CI runs: lint, migrations check, tests on SQLite and PostgreSQL"

uv:
	@$(UV) --version >/dev/null 2>&1 || { \
	  echo "uv not found: installing it with pip"; \
	  $(PYTHON) -m pip install --user --quiet uv \
	  || $(PYTHON) -m pip install --quiet uv \
	  || $(PYTHON) -m pip install --user --quiet --break-system-packages uv; \
	}

# --inexact: keep packages of other groups (e.g. `uv sync --all-groups` for bench/) installed
sync: uv
	$(UV) sync --locked --inexact

# The demo installs what it runs: the project without the dev group (pytest, Playwright, ruff…);
# --inexact keeps what `make test` installed. `uv run --no-dev` does not add the group back.
demo: uv
	$(UV) sync --locked --no-dev --inexact
	$(UV) run --locked --no-dev fairdesk demo --port $(PORT)

# The browser tests (tests/e2e) drive Debian's Chromium at /usr/bin/chromium; install it when it
# is missing (as root, or with password-less sudo). Never `playwright install`: no test downloads
# a browser. Without it the browser tests fail and say how to install it.
CHROMIUM ?= /usr/bin/chromium
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  echo "Chromium not found at $(CHROMIUM): installing Debian's chromium package"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; \
	  elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	  else echo "not root and no sudo: run 'apt-get install -y chromium' as root" >&2; exit 0; fi; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium \
	  || { $$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }; \
	fi

# The suite runs against a throwaway data folder, so it never touches var/ (the demo's data);
# DATABASE_URL, when set, points it at PostgreSQL instead (CI does both).
test: sync chromium
	@data_dir="$$(mktemp -d)"; trap 'rm -rf "$$data_dir"' EXIT; \
	FAIRDESK_DATA_DIR="$${FAIRDESK_TEST_DATA_DIR:-$$data_dir}" $(UV) run pytest $(ARGS)

lint: sync
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run lint-imports
	$(UV) run python tools/check_private_names.py
	@$(MAKE) --no-print-directory types

# mypy with django-stubs; its plugin loads the settings, which make a data folder: a throwaway one
types: sync
	@data_dir="$$(mktemp -d)"; trap 'rm -rf "$$data_dir"' EXIT; \
	FAIRDESK_DATA_DIR="$$data_dir" $(UV) run mypy

ci:
	bash .ci/run
