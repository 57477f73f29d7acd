# Two entry points for a fresh machine: `make demo` and `make test`. Each sets up .venv itself.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch and torchvision first, pinned to the builds this machine image keeps on disk
	$(BIN)/python -m pip install --quiet torch==2.14.1 torchvision==0.29.1
	$(BIN)/python -m pip install --quiet -e '.[dicom,dicom-gpl,train,dev,ray,cloud]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/mgll-data build recipes/demo.yaml

test: $(STAMP)
	$(BIN)/ruff check mgll_data tests bench
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 tests

lint: $(STAMP)
	$(BIN)/ruff check mgll_data tests bench
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) out
