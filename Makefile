# Two commands on a fresh machine: `make run` serves the mock, `make test` runs every test.
# Dependencies come from one lock file (uv.lock), installed by uv (pinned below, bootstrapped into
# .tools/ with the machine's Python): `make run` installs what serving needs, `make test` adds the
# contract extra and the dev group.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
# A new module or data file needs a new link in the editable install's link tree (pyproject.toml): re-sync.
SOURCES := pyproject.toml uv.lock $(shell find app schemas fixtures -type f -not -path '*/__pycache__/*')

export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(shell command -v $(PYTHON))
export UV_NO_PROGRESS := 1

LOWEST := .venv-lowest

.PHONY: setup run test test-fast test-lowest lint format bench lock clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Serving only: the runtime dependencies (--inexact keeps a dev install's extras in place).
$(VENV)/.serve: $(SOURCES) | $(UV)
	$(UV) sync --locked --no-default-groups --inexact --reinstall-package aibridge-mock --quiet
	touch $@

# Everything the tests need: runtime, the contract extra, the dev group; then pip check.
$(VENV)/.dev: $(SOURCES) | $(UV)
	$(UV) sync --locked --all-extras --reinstall-package aibridge-mock --quiet
	$(UV) pip check --quiet
	touch $@

setup: $(VENV)/.dev

run: $(VENV)/.serve
	$(BIN)/aibridge-mock serve $(ARGS)

# tests/node's npm packages (msw, typescript) from their lock file, for the Node test of the export.
NODE_DEPS := tests/node/node_modules/.package-lock.json
$(NODE_DEPS): tests/node/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix tests/node --ignore-scripts --no-audit --no-fund --loglevel=error; \
	else echo "make: npm is not installed: the Node tests will skip"; fi

# Everything CI runs: lint and types, every test, then the fast tests on the lowest declared versions.
test: lint $(NODE_DEPS)
	$(BIN)/pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory test-lowest

# The edit-test loop: no servers, browsers, Node or wheel builds.
test-fast: $(VENV)/.dev
	$(BIN)/pytest -m "not slow" -q -n auto $(PYTEST_ARGS)

# The lower bounds in pyproject.toml are tested: the lowest versions they allow, in their own virtualenv.
test-lowest: | $(UV)
	test -x $(LOWEST)/bin/python || $(UV) venv --quiet $(LOWEST)
	$(UV) pip compile pyproject.toml --extra contract --group test --resolution lowest-direct --quiet \
		--output-file $(LOWEST)/requirements.txt
	$(UV) pip sync --quiet --python $(LOWEST)/bin/python $(LOWEST)/requirements.txt
	$(UV) pip install --quiet --python $(LOWEST)/bin/python --no-deps -e .
	$(UV) pip check --quiet --python $(LOWEST)/bin/python
	$(LOWEST)/bin/pytest -m "not slow" -q -n auto $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check app tests benchmarks
	$(BIN)/ruff format --check app tests benchmarks
	$(BIN)/mypy

format: $(VENV)/.dev
	$(BIN)/ruff format app tests benchmarks
	$(BIN)/ruff check --fix app tests benchmarks

bench: $(VENV)/.dev
	$(BIN)/python benchmarks/run.py $(ARGS)

# Re-resolve uv.lock after a change to the dependencies in pyproject.toml.
lock: | $(UV)
	$(UV) lock

clean:
	rm -rf $(VENV) $(LOWEST) $(TOOLS) build dist *.egg-info .pytest_cache .hypothesis .schemathesis .mypy_cache .ruff_cache
