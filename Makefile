# Two commands on a fresh machine: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/studybot run

check: $(STAMP)
	$(BIN)/studybot check

lint: $(STAMP)
	$(BIN)/ruff check bot tests $(wildcard benchmarks)
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q

# Performance against DESIGN.md §8 (about 2-3 minutes); prints a table and a summary line.
# With STUDYBOT_BENCH_PG (or STUDYBOT_TEST_PG) set to a postgresql:// URL it adds PostgreSQL rows.
bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
