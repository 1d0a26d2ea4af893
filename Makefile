# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test index lint bench clean bytecode

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

# An editable install compiles nothing, and where PYTHONDONTWRITEBYTECODE is set (as in many
# containers) every `orbite` command would compile Orbite's modules again: ~70 ms of each.
bytecode: $(VENV)/.installed
	$(BIN)/python -m compileall -q indexer web

run: bytecode
	$(BIN)/orbite serve --corpus corpus --host $(HOST) --port $(PORT)

index: bytecode
	$(BIN)/orbite index --corpus corpus

test: $(VENV)/.installed-test
	$(BIN)/ruff check indexer web tests bench
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check indexer web tests bench
	$(BIN)/ruff format --check indexer web tests bench

bench: $(VENV)/.installed-test bytecode
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .orbite .pytest_cache test-artifacts
	find indexer web bench tests -name __pycache__ -type d -prune -exec rm -rf {} +
