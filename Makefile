# sqlgen developer tasks. `make demo` and `make test` work on a fresh machine
# with Python 3.11+ and access to the package registry.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
EXAMPLE := examples/shop
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install demo test check lint typecheck golden bench realworld clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,all]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install sqlgen with its dev tools

demo: $(STAMP) ## Write upgrade and downgrade SQL for the example project into output/
	$(BIN)/sqlgen --project $(EXAMPLE) upgrade base:heads --all-dialects --out output
	$(BIN)/sqlgen --project $(EXAMPLE) downgrade heads:base --all-dialects --out output
	@echo "see output/ (manifest.json lists every file with its sha256)"

test: $(STAMP) ## Run the whole test suite
	$(BIN)/python -m pytest

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check sqlgen tests benchmarks
	$(BIN)/ruff format --check sqlgen tests benchmarks

typecheck: $(STAMP) ## mypy --strict on the package
	$(BIN)/mypy

check: lint typecheck test ## ruff + mypy + tests

bench: $(STAMP) ## Time sqlgen against Alembic (200/1,000/5,000 revisions); record benchmarks/results.md
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

REALWORLD_RESULTS ?= build/realworld/results.json
REALWORLD_PYTEST ?=

realworld: $(STAMP) ## Alembic vs sqlgen on pinned public histories (Airflow, MLflow, ...); writes benchmarks/realworld.md
	$(BIN)/python -m tests.realworld --results $(REALWORLD_RESULTS) $(REALWORLD_ARGS)
	SQLGEN_REALWORLD=1 SQLGEN_REALWORLD_RESULTS=$(REALWORLD_RESULTS) $(BIN)/python -m pytest -p no:cacheprovider tests/realworld $(REALWORLD_PYTEST)

golden: $(STAMP) ## Regenerate the golden SQL files under tests/golden (review the diff!)
	$(BIN)/python -m tests.golden_files

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
