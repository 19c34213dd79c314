# Two commands for a fresh machine: `make run` and `make test`.
# Each creates the virtual environment and installs the project on first use.
# A torch already present in .venv is kept (CI pre-installs torch 2.13.0, CPU build).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# Where the first install takes torch from. Without an NVIDIA GPU (no nvidia-smi) the CPU build, about
# 0.2 GB to download instead of the CUDA build's 3 GB; with one, PyPI's default build (CUDA on Linux).
# Override on the first `make`: `make test TORCH_INDEX=` takes PyPI's default build, or name another of
# PyTorch's indexes (https://pytorch.org/get-started/locally/ lists them). `make clean` starts over.
TORCH_INDEX ?= $(if $(shell command -v nvidia-smi 2>/dev/null),,https://download.pytorch.org/whl/cpu)

# Python versions the parser's grammar tests run on besides .venv's own (`make test-pythons`).
OTHER_PYTHONS ?= 3.10 3.12 3.13

.PHONY: run test lint test-pythons bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	@if $(PY) -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("torch") is None)'; then \
	    echo "keeping the torch already in $(VENV)"; \
	else \
	    echo "installing torch from $(or $(TORCH_INDEX),PyPI's default index)"; \
	    $(PY) -m pip install -q --retries 1 'torch>=2.2' $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX)); \
	fi
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/explorer serve

test: $(STAMP)
	$(PY) -m pytest -q $(PYTEST_ARGS)

# ruff with the rules in pyproject.toml; mypy on the files listed there (the core stages).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# tests/test_parser_grammar.py (no torch needed) on each of OTHER_PYTHONS found on PATH or under pyenv,
# each in a small venv with only pytest ($(VENV)/pythons/3.X); versions not found are skipped and named.
test-pythons:
	@ran=; missing=; failed=; \
	for v in $(OTHER_PYTHONS); do \
	    want="sys.exit(sys.version_info[:2] != ($$(echo $$v | tr . ,)))"; py=; \
	    for c in python$$v $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/$$v.*/bin/python 2>/dev/null | sort -V -r); do \
	        if $$c -c "import sys; $$want" 2>/dev/null; then py=$$c; break; fi; \
	    done; \
	    if [ -z "$$py" ]; then missing="$$missing $$v"; continue; fi; \
	    env=$(VENV)/pythons/$$v; \
	    test -x $$env/bin/python || $$py -m venv $$env || exit 1; \
	    $$env/bin/python -c 'import pytest' 2>/dev/null || $$env/bin/python -m pip install -q 'pytest>=7.4' || exit 1; \
	    version=$$($$env/bin/python -c 'import platform; print(platform.python_version())'); \
	    echo "== Python $$version: tests/test_parser_grammar.py"; \
	    if PYTHONPATH=. $$env/bin/python -m pytest -q -p no:cacheprovider tests/test_parser_grammar.py; \
	    then ran="$$ran $$version"; else failed="$$failed $$version"; fi; \
	done; \
	echo "parser grammar tests passed on:$${ran:- none}"; \
	if [ -n "$$missing" ]; then echo "not found, skipped:$$missing"; fi; \
	if [ -n "$$failed" ]; then echo "FAILED on:$$failed"; exit 1; fi

bench: $(STAMP)
	$(PY) benchmarks/bench_trace.py

clean:
	rm -rf $(VENV) build dist *.egg-info
