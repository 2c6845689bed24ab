# Quick start:  make demo   (set up + demo)      make test   (set up + the whole test suite)
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export KERAS_BACKEND := torch
DEMO    := demo-out

.PHONY: setup demo test test-fast lint bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# torch first: its CPU wheel (2.13.0) is what satisfies the extras; otherwise pip fetches CUDA builds.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[torch,keras,ray,test]'
	@# bytecode for the editable sources too (pip compiles only what it copies; PYTHONDONTWRITEBYTECODE
	@# environments would otherwise recompile them at every start)
	$(BIN)/python -m compileall -q questions grader nnexam templates > /dev/null
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	@bash examples/demo.sh $(BIN) $(DEMO)

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP) lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q -m "not slow"

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(DEMO) build *.egg-info .pytest_cache .ruff_cache
