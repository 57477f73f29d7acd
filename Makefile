# Two entry points for a fresh machine: `make demo` and `make test`. Each sets up .venv itself.
# The demo needs only the core install (no torch, Ray or DICOM decoders); the tests need every extra.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
CORE := $(VENV)/.installed-core
FULL := $(VENV)/.installed-full

.PHONY: demo test lint install clean

# --no-compile: no byte-compiling of every installed library up front; Python compiles what the build imports
$(CORE): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-compile -e .
	touch $(CORE)

$(FULL): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch and torchvision first, pinned to the builds this machine image keeps on disk
	$(BIN)/python -m pip install --quiet torch==2.14.1 torchvision==0.29.1
	$(BIN)/python -m pip install --quiet -e '.[dicom,dicom-gpl,train,dev,ray,cloud]'
	touch $(FULL) $(CORE)

install: $(FULL)

demo: $(CORE)
	$(BIN)/mgll-data build recipes/demo.yaml

test: $(FULL)
	$(BIN)/ruff check mgll_data tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 tests

lint: $(FULL)
	$(BIN)/ruff check mgll_data tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf $(VENV) out
