# The README's two commands: `make demo` and `make test`. Both work on a fresh machine with
# only Python 3.11 (and, for the browser tests, root or sudo to install Debian's chromium).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck unit clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/gapmap demo --out demo

lint: $(BIN)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/.installed-test
	$(BIN)/mypy

unit: $(BIN)/.installed-test
	$(BIN)/pytest -n 2 -m "not browser"

test: $(BIN)/.installed-test
	bash scripts/install_test_deps.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -n 2

clean:
	rm -rf demo test-artifacts .pytest_cache .mypy_cache .ruff_cache
