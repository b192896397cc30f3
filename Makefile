# Orthopedic Trigger Point Injection Reference: build, preview and test.
# The first run creates .venv and installs the pinned requirements; later runs
# reinstall only when a requirements file changes.

PYTHON   ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
SPHINX   := $(BIN)/sphinx-build
SOURCE   := docs
BUILD    := _build
STRICT   := -W --keep-going -n
SPHINXOPTS ?=

.DEFAULT_GOAL := html
.PHONY: help html live test clean requirements

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt
	@scripts/bootstrap-venv $(PYTHON) $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt -r requirements-test.txt
	@touch $@

html: $(VENV)/.installed  ## Build the website into _build/html (strict)
	$(SPHINX) -b html -c . $(STRICT) $(SPHINXOPTS) $(SOURCE) $(BUILD)/html
	@echo "Site built: open $(CURDIR)/$(BUILD)/html/index.html"

live: $(VENV)/.installed  ## Preview at http://127.0.0.1:8000 with live reload
	$(BIN)/sphinx-autobuild -b html -c . $(STRICT) --host 127.0.0.1 --port 8000 \
	  --watch conf.py --watch tpi_sphinx $(SOURCE) $(BUILD)/live

test: $(VENV)/.installed-test  ## Run the whole test suite (as CI does)
	$(BIN)/python -m pytest

clean:  ## Remove build output (keeps .venv)
	rm -rf $(BUILD)

requirements: $(VENV)/.installed  ## Re-pin requirements*.txt from requirements*.in
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe -o requirements.txt requirements.in
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe -o requirements-test.txt requirements-test.in
