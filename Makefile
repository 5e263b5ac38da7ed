# `make run`: a working demo on http://127.0.0.1:5000; `make test`: the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint translations serve migrate bench rehearse

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

translations: $(VENV)/.runtime
	@$(BIN)/pybabel compile -f -d sponsorship/translations >/dev/null 2>&1 || $(BIN)/pybabel compile -f -d sponsorship/translations

migrate: $(VENV)/.runtime translations
	$(FLASK) db upgrade heads

# The demo is served over plain http on loopback, so the session cookie may not be Secure here,
# and its documents' QR codes point to that loopback address (said explicitly: see .env.example).
DEMO_URL := $${PUBLIC_BASE_URL:-http://$(HOST):$(PORT)}
# The job queue's worker runs beside gunicorn (stopped with it); both write their metrics into one
# directory so /metrics adds the workers up. Requests are logged by the app (JSON on stderr).
run: migrate
	PUBLIC_BASE_URL=$(DEMO_URL) $(FLASK) seed-demo --if-empty
	@metrics=$$(mktemp -d); \
	export PUBLIC_BASE_URL=$(DEMO_URL) PROMETHEUS_MULTIPROC_DIR=$$metrics; \
	$(FLASK) jobs-worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null; rm -rf $$metrics' EXIT INT TERM; \
	SESSION_COOKIE_SECURE=$${SESSION_COOKIE_SECURE:-0} \
		$(BIN)/gunicorn --workers 2 --bind $(HOST):$(PORT) app:app

# pytest-xdist workers, each with its own database; TEST_WORKERS=0 runs the suite in one process.
# Whole test files per worker (--dist loadfile) measured 10-15 % faster than test by test on 2 cores.
TEST_WORKERS ?= 2
test: $(VENV)/.dev translations
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

lint: $(VENV)/.dev
	$(BIN)/ruff check .

bench: $(VENV)/.dev translations
	$(BIN)/python bench/pages.py

# Two app instances (127.0.0.2, 127.0.0.3) behind nginx with TLS on 127.0.0.1, one PostgreSQL, one
# Redis, one shared storage path and the job worker: drives a login, an upload and its download from
# the other instance, a rate limit across both, a job, slow clients; then stops it all.
rehearse: $(VENV)/.runtime translations
	$(BIN)/python deploy/rehearse.py
