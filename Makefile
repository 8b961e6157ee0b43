# Every target works from a fresh clone: the first one that needs Python creates .venv and installs the project.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PROFILE ?= default
OUT ?= results

.PHONY: rates test controls power notebooks bench lint format clean install

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

rates: $(STAMP)
	$(BIN)/python -m simulate rates --profile $(PROFILE) --out $(OUT)

test: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m pytest -q -n 2 --dist worksteal

controls: $(STAMP)
	$(BIN)/python -m simulate controls --profile $(PROFILE) --cache-dir $(OUT)/.cache

# the verdict rules' error rates: covered set-ups and graded mutants, REPLICATES seeds each (about an hour here)
REPLICATES ?= 20
power: $(STAMP)
	$(BIN)/python -m simulate power --replicates $(REPLICATES) --cache-dir $(OUT)/.cache --out $(OUT)/power

# every notebook executed in a Jupyter kernel at full size: build/notebooks/*.ipynb carry their outputs and figures
notebooks: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,notebooks]'
	$(BIN)/python -m simulate.notebook_runner --out build/notebooks

bench: $(STAMP)
	$(BIN)/python -m simulate bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) build .cache .pytest_cache .ruff_cache *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
