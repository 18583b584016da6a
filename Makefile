# Sasha Studio. `make run` serves everything on http://127.0.0.1:8080; `make test` runs the whole gate.
# Both install what is missing first (a virtualenv with pinned packages, the SPA's npm packages, and the
# system packages the tests use).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8080
STUDIO_DATA_DIR ?= .studio
PYTEST_ARGS ?=
# The suite's workers (pytest-xdist; 0 runs it in this process): each takes one test module at a time.
PYTEST_WORKERS ?= 2

export PORT STUDIO_DATA_DIR

.PHONY: run test test-fast lint format check-types bench deps deps-python deps-web deps-runner deps-system clean

run: deps-python deps-web deps-runner
	$(PY) -m local.stack --port $(PORT) --data-dir $(STUDIO_DATA_DIR)

test: deps-python deps-web deps-runner deps-system lint
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=15 $(PYTEST_ARGS)

# The inner loop: ruff and the pure unit tests only (seconds: no moto, no stack); `make test` before a commit.
test-fast: deps-python
	$(PY) -m ruff check .
	$(PY) -m pytest -m unit -q $(PYTEST_ARGS)

lint: deps-python
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy shared functions runner local infra layers
	$(VENV)/bin/lint-imports

format: deps-python
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: deps-python deps-web deps-runner
	$(PY) -m bench

deps: deps-python deps-web deps-runner deps-system

deps-python: $(VENV)/.installed

$(VENV)/.installed: requirements/runtime.txt requirements/runner.txt requirements/dev.txt requirements/constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt -c requirements/constraints.txt
	touch $@

deps-web: web/node_modules/.installed

web/node_modules/.installed: web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	touch $@

deps-runner: runner/node_modules/.installed

# The Claude Code CLI the runner drives, pinned by runner/package-lock.json.
runner/node_modules/.installed: runner/package.json runner/package-lock.json
	npm ci --prefix runner --no-audit --no-fund --loglevel=error
	touch $@

deps-system:
	scripts/ensure-system-packages.sh

clean:
	rm -rf $(VENV) web/node_modules runner/node_modules .cache .pytest_cache .mypy_cache .ruff_cache .hypothesis
