# The newcomer's commands: `make demo` and `make test` (see README.md). Everything the project needs is
# installed from here and pyproject.toml.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SHARED_CLIENTS := ../shared/clients

.PHONY: install demo test lint check-config crawl publish serve run clients clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/hhevents demo

test: $(STAMP) clients
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

check-config: $(STAMP)
	$(BIN)/hhevents check-config

crawl: $(STAMP)
	$(BIN)/hhevents crawl

publish: $(STAMP)
	$(BIN)/hhevents publish

serve: $(STAMP)
	$(BIN)/hhevents serve

# Production: the scheduler (crawls on each source's schedule, publishes) and the feed server together.
run: $(STAMP)
	$(BIN)/hhevents run

# The third-party calendar and feed clients in ../shared (optional: their tests skip when it is absent).
clients:
	@if [ -x $(SHARED_CLIENTS)/setup.sh ]; then \
		$(SHARED_CLIENTS)/setup.sh >/dev/null 2>&1 || echo "warning: $(SHARED_CLIENTS)/setup.sh failed; client checks will skip"; \
	else echo "note: $(SHARED_CLIENTS) absent; client checks will skip"; fi

clean:
	rm -rf var public .pytest_cache .ruff_cache
