# The two set-up commands in README.md: `make run` and `make test`. Everything else is detail.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint test-sqlite test-postgresql worker bench fuzz

# PORT=5001 make run serves on another port; e-mail links follow unless BASE_URL is set.
# Reminders are swept every minute inside the server and their e-mail is kept at /dev/mail (MAIL_CAPTURE).
run: $(VENV)/.installed
	$(FLASK) db upgrade heads
	HOST=$(HOST) PORT=$(PORT) $(FLASK) demo load
	BASE_URL=$${BASE_URL:-http://$(HOST):$(PORT)} MAIL_CAPTURE=$${MAIL_CAPTURE:-true} \
	  REMINDER_SWEEP_TIMER_SECONDS=$${REMINDER_SWEEP_TIMER_SECONDS:-60} $(FLASK) run --host $(HOST) --port $(PORT)

# ruff first (seconds; a finding stops the run: fix it with `.venv/bin/ruff check --fix .` or by hand), then the
# whole suite, on the embedded SQLite default and on PostgreSQL + Redis, side by side (one core each); each
# backend's output is printed when it finishes.
test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgresql

# The configuration is [tool.ruff] in pyproject.toml; `.venv/bin/ruff check --fix .` sorts imports and the like.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

# The SQLite half also runs the real-browser tier (tests/browser/), with Debian's Chromium installed if missing.
test-sqlite: $(VENV)/.installed-test
	@bash .ci/install-browser
	TEST_DATABASE=sqlite $(BIN)/python -m pytest

test-postgresql: $(VENV)/.installed-test
	TEST_DATABASE=postgresql $(BIN)/python -m pytest

# atheris fuzzes the search query parser, the claims parser and the file-name sanitiser (not part of `make test`).
fuzz: $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet atheris
	$(BIN)/python -m tests.fuzz.run $(FUZZ_RUNS)

worker: $(VENV)/.installed
	$(BIN)/python -m worker

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@
