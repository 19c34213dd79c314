# Two commands for a fresh machine: `make run` and `make test`.
# Each creates the virtual environment and installs the project on first use.
# A torch already present in .venv is kept (CI pre-installs the CPU wheel).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,export]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/explorer serve

test: $(STAMP)
	$(PY) -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) benchmarks/bench_trace.py

clean:
	rm -rf $(VENV) build dist *.egg-info
