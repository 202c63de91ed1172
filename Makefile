# The two commands: `make run` (set up everything and serve the demo) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
STAMPS := .stamps
export FLASK_APP := wsgi
# config.py's default is production; `make run`, the tests and the benchmarks are development
# (the production stack, scripts/stack.sh, sets production for its own processes).
export DIVERSION_ENV ?= development

.PHONY: run test lint pytest bench install assets browser pdf-libs services stack-up stack-down lock clean

$(STAMPS):
	@mkdir -p $(STAMPS)

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Python packages: reinstalled when the package metadata changes.
$(STAMPS)/python: $(BIN)/python setup.cfg pyproject.toml | $(STAMPS)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

# Front-end packages from npm, built into diversion/static/vendor (never committed).
$(STAMPS)/assets: package.json package-lock.json scripts/build-assets.mjs diversion/static/src/app.scss | $(STAMPS)
	@command -v npm >/dev/null 2>&1 || { echo "Node.js and npm are needed for the front-end assets"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	node scripts/build-assets.mjs
	@touch $@

# The benchmarks' own packages (the `bench` extra: Locust for bench/load.py).
$(STAMPS)/bench: $(STAMPS)/python | $(STAMPS)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	@touch $@

install: $(STAMPS)/python $(STAMPS)/assets pdf-libs

assets: $(STAMPS)/assets

# Pango and a font for WeasyPrint's PDF reports (Debian packages).
pdf-libs:
	@bash scripts/ensure-pdf-libs.sh

# Debian's Chromium for the browser journeys (never Playwright's own download).
browser:
	@bash scripts/ensure-chromium.sh

# nginx, redis-server and openssl for the production stack and its tests (Debian packages).
services:
	@bash scripts/ensure-services.sh

# The production shape on this machine (nginx TLS -> gunicorn -> PostgreSQL, Redis, the
# scheduler, a local SMTP server): see scripts/stack.sh and docs/deploy.md.
stack-up: install services
	@bash scripts/stack.sh up

stack-down:
	@bash scripts/stack.sh down

run: install
	@mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask demo
	@echo
	@echo "A fresh two-factor code for a demo account, in another terminal: $(BIN)/flask demo-code worker@example.org"
	@echo
	@echo "Court diversion scheduler: http://$(HOST):$(PORT)/  (Ctrl-C stops the app and the scheduler)"
	@echo
	@trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/flask scheduler & scheduler=$$!; \
	  $(BIN)/flask run --host $(HOST) --port $(PORT) --no-reload

# Security checks too: bandit fails on any high-severity finding (medium and low ones are
# reviewed by hand: `$(BIN)/bandit -r diversion scheduling notifications devtools`), and pip-audit on
# known vulnerabilities in the installed packages (skipped, saying so, when offline).
# The house's shape (docs/architecture.md) is checked too: import-linter's contracts in setup.cfg,
# then the AST and size rules and the cycle check of tests/architecture.
lint: $(STAMPS)/python
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest -p no:cacheprovider -q tests/architecture
	$(BIN)/bandit --quiet --recursive diversion scheduling notifications devtools -lll
	BIN=$(BIN) bash scripts/check-lock.sh
	BIN=$(BIN) bash scripts/pip-audit.sh

# Write requirements/production.txt again after a range in setup.cfg changed.
lock: $(STAMPS)/python
	BIN=$(BIN) bash scripts/check-lock.sh --update

# The suite runs on SQLite, then on PostgreSQL (when TEST_DATABASE_URL names one), then once
# against the production stack over HTTPS (tests/stack: nginx, gunicorn, PostgreSQL, Redis).
pytest: install browser services
	@echo "== Test suite on SQLite =="
	env -u TEST_DATABASE_URL $(BIN)/pytest -p no:cacheprovider --ignore=tests/stack
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== Test suite on PostgreSQL =="; \
	  $(BIN)/pytest -p no:cacheprovider --ignore=tests/stack; \
	else echo "TEST_DATABASE_URL is not set: the PostgreSQL run is skipped (CI sets it)."; fi
	@echo "== The production stack over HTTPS (scripts/stack.sh) =="
	$(BIN)/pytest -p no:cacheprovider tests/stack

test: lint pytest

# bench/load.py starts the production stack (scripts/stack.sh) on its own ports and database.
bench: install services $(STAMPS)/bench
	@set -e; for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script; done

clean:
	rm -rf $(STAMPS) diversion/static/vendor
