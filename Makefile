# EnergyHome: `make run` starts the embedded profile; `make test` runs everything CI runs.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.deps-stamp
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
TEST_REDIS_URL ?= redis://127.0.0.1:6379
PYTEST_ARGS ?=

.PHONY: help run test deps system-deps lint format migrate seed bench eval clean

help:
	@echo "make run    - set up, migrate, load the demo home, start everything (http://127.0.0.1:$(PORT)/)"
	@echo "make test   - set up and run lint plus the whole suite on SQLite and on PostgreSQL"
	@echo "make bench  - run the benchmarks in bench/"
	@echo "make eval   - run the assistant's evaluation (accuracy per intent, declines, latency)"

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

deps: $(STAMP)

# Debian packages the browser tests need (Playwright drives Debian's chromium).
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

migrate: deps
	$(BIN)/python manage.py migrate --no-input -v0

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	@echo ""
	@echo "  EnergyHome is starting on http://127.0.0.1:$(PORT)/"
	@$(BIN)/python -c "from django.conf import settings" 2>/dev/null; \
	  DJANGO_SETTINGS_MODULE=energyhome.settings $(BIN)/python -c "import django; django.setup(); from django.conf import settings as s; print(f'  Demo login: {s.DEMO_EMAIL} / {s.DEMO_PASSWORD}')"
	@echo "  Ctrl-C stops everything."
	@echo ""
	WEB_PORT=$(PORT) $(BIN)/honcho start -f Procfile

lint: deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: deps
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: deps system-deps lint
	@echo "=== pass 1/2: SQLite, Redis $(TEST_REDIS_URL)/14 ==="
	env -u DATABASE_URL REDIS_URL=$(TEST_REDIS_URL)/14 CELERY_TASK_ALWAYS_EAGER=true \
	  CHANNEL_PREFIX=eh-test-sqlite $(BIN)/pytest $(PYTEST_ARGS)
	@echo "=== pass 2/2: PostgreSQL $(TEST_DATABASE_URL), Redis $(TEST_REDIS_URL)/15 ==="
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL)/15 CELERY_TASK_ALWAYS_EAGER=true \
	  CHANNEL_PREFIX=eh-test-pg $(BIN)/pytest $(PYTEST_ARGS)

bench: deps
	$(BIN)/python bench/run.py

# The assistant's evaluation: every case, accuracy per intent, declines, p50/p95 latency (SQLite).
eval: deps
	env -u DATABASE_URL REDIS_URL=memory:// CELERY_TASK_ALWAYS_EAGER=true EVAL_ALL=1 $(BIN)/pytest -p no:cacheprovider -q -s assistant/tests/test_eval.py

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
