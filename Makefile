# The README's commands. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench install

$(BIN)/tasks-service: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/tasks-service

## Start the service on the embedded default (SQLite file under ./data, no Redis), demo data loaded.
run: install
	$(BIN)/tasks-service seed
	$(BIN)/tasks-service serve --host 127.0.0.1 --port 8000

## Run the whole test suite against this machine's PostgreSQL and Redis (and SQLite).
test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Benchmarks against this machine's PostgreSQL (and Redis); each prints its own table.
bench: install
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/core.py
	$(BIN)/python bench/split.py
	$(BIN)/python bench/claim.py
	$(BIN)/python bench/quality.py
	$(BIN)/python bench/load.py
