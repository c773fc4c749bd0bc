# casecheck: `make demo` runs the audit on the bundled synthetic sample; `make test` runs the tests.
# Both create (or reuse) a virtual environment in .venv and install what they need.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
AS_AT  := 2025-03-31

.PHONY: help install test test-slow test-all lint format demo sample-data bench clean

help:
	@echo "make demo         audit the bundled synthetic sample_data/ (redcar-cleveland, as at $(AS_AT))"
	@echo "make test         lint and run the test suite (in parallel, one worker per core), all but the tests marked slow"
	@echo "make test-slow    the tests marked slow (a real browser, LibreOffice, hypothesis properties, chunked audits); CI runs them after make test"
	@echo "make test-all     lint and run every test, slow ones included"
	@echo "make install      create .venv and install casecheck with its dev tools"
	@echo "make sample-data  regenerate sample_data/ (300 synthetic children, seed 42)"
	@echo "make bench        run the benchmarks (slow; not part of make test; BENCH_SCALES=S,M,L for L)"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "casecheck needs Python 3.11 or newer: set PYTHON=python3.11 (or newer)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

format: $(STAMP)
	$(BIN)/ruff check --fix src tests benchmarks

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -n auto --dist worksteal -m "not slow"

test-slow: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist worksteal -m slow

test-all: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -n auto --dist worksteal

demo: $(STAMP)
	$(BIN)/casecheck validate sample_data --as-at $(AS_AT)
	$(BIN)/casecheck audit sample_data --standards redcar-cleveland --as-at $(AS_AT)
	@echo
	@echo "casecheck is installed in $(VENV). To run it yourself, put it on your PATH first:"
	@echo "    source $(VENV)/bin/activate"
	@echo "then try:"
	@echo "    casecheck audit sample_data --standards redcar-cleveland --as-at $(AS_AT) --by team"
	@echo "    casecheck audit sample_data --standards redcar-cleveland --as-at $(AS_AT) --child 0001383"
	@echo "(or run $(BIN)/casecheck without activating; README.md, 'Install and run', has more)"

sample-data: $(STAMP)
	rm -rf sample_data
	$(BIN)/casecheck sample sample_data --children 300 --seed 42 --as-at $(AS_AT) --years 3

# The bench extras (DuckDB, pandas, psutil, py-spy...) go into the same .venv. L (2 million children,
# about 120 million rows) runs only when asked: make bench BENCH_SCALES=S,M,L (see benchmarks/README.md).
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist src/*.egg-info
