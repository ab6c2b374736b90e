# Two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
RUN := $(UV) run --frozen --no-sync
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test test-pg check lint typecheck setup uv sync migrate load serve bench load-test clean
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

## run: install everything, then serve on HOST:PORT (serve migrates and loads data/ into an
## empty database first)
run: sync
	$(RUN) pow-exchanges serve

## test: install everything, lint, type-check and run the whole suite
test: sync check
	$(RUN) pytest

## test-pg: the same suite against PostgreSQL (a throwaway database, dropped afterwards)
test-pg: sync
	TEST_DATABASE_URL=$(PG_TEST_URL) $(RUN) pytest

## check: ruff and mypy
check: lint typecheck

lint:
	$(RUN) ruff check app tests migrations scripts hatch_build.py
	$(RUN) ruff format --check app tests migrations/env.py scripts hatch_build.py

typecheck:
	$(RUN) mypy app

setup: sync migrate load

uv:
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || \
		$(PYTHON) -m pip install --quiet --disable-pip-version-check uv

sync: uv
	$(UV) sync --frozen

migrate:
	$(RUN) pow-exchanges migrate

load:
	$(RUN) pow-exchanges load --if-empty

clean:
	rm -rf .venv var/*.sqlite3* .pytest_cache .mypy_cache .ruff_cache

## bench: the benchmark of issue 8 (wrk from Debian when missing, Datasette in bench/out/ only);
## BENCH_ARGS=--quick for 3 s runs; it writes bench/RESULTS.md
BENCH_ARGS ?=
bench: uv
	$(UV) sync --frozen --inexact
	$(RUN) python bench/run.py $(BENCH_ARGS)

## load: 60 s at 64 connections of mixed reads and writes; fails on any 5xx, lost write or error
LOAD_ARGS ?= --seconds 60 --connections 64
load-test: sync
	$(RUN) python bench/load.py $(LOAD_ARGS)
