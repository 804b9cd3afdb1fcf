# Quick start on a fresh Debian machine, as root:  make demo   /   make test
# Both create .venv, install clustertui into it, and install the Debian packages the lab
# needs when they are missing (see `clustertui lab deps`).
#
#   make test-lowest   the tests except the lab's against the lowest allowed version of every
#                      direct dependency (a separate venv, .venv/lowest; see docs/install.md)
#   make dist          the sdist and the wheel, in dist/
#   make lint          the layers contract (import-linter), ruff and mypy; `make test` runs it first

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=
# Test workers (pytest-xdist): the lab's tests run one after another in one worker (they share
# the one lab, and mostly wait on it), the others go module by module to the other two (on
# 2 cores the suite uses well under both: the lab's worker waits, so do the hostile tests'
# timeouts). More workers would not shorten the lab's worker, only load the timing-sensitive
# tests; TEST_WORKERS=0 runs everything in one process.
TEST_WORKERS ?= 3
XDIST := -n $(TEST_WORKERS) --dist loadgroup

LOWEST := $(VENV)/lowest

.PHONY: setup lab-deps demo lint test test-lowest dist bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
	  echo "installing python3-venv (Debian)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

lab-deps: setup
	$(BIN)/clustertui lab deps --install

demo: lab-deps
	$(BIN)/clustertui demo

# The structure checks itself: layers (import-linter), style (ruff), types (mypy); configured in pyproject.toml.
lint: setup
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint lab-deps
	$(BIN)/pytest $(XDIST) --durations=25 $(PYTEST_ARGS)

# pytest's own exit status decides (5, "no tests collected", fails like any other).
test-lowest: setup
	rm -rf $(LOWEST)
	$(BIN)/uv venv --quiet --python $(BIN)/python $(LOWEST)
	VIRTUAL_ENV=$(LOWEST) $(BIN)/uv pip install --quiet --resolution lowest-direct -e '.[test]'
	VIRTUAL_ENV=$(LOWEST) $(BIN)/uv pip list 2>/dev/null | grep -Ei '^(textual|textual-plotext|plotext|asyncssh|psutil|pydantic|ruamel-yaml|click) '
	$(LOWEST)/bin/python -m pytest $(XDIST) -m 'not lab' $(PYTEST_ARGS)

dist: setup
	rm -rf dist
	$(BIN)/python -m build --outdir dist .

bench: lab-deps
	@command -v pdsh >/dev/null && command -v parallel-ssh >/dev/null || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pdsh pssh; }
	$(BIN)/clustertui lab up
	$(BIN)/python bench/collect.py
	$(BIN)/python bench/probe_cost.py
	$(BIN)/python bench/detection.py
	$(BIN)/python bench/managers_cost.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
