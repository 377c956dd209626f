# Harbor: `make run` to try it, `make test` to check it. See README.md.
# The system's own CPython when it can make a venv (Debian's python3.11 with python3-venv,
# an optimised build: the same staff pages took 0.80 to 0.85 of the CPU time they took on
# a default pyenv build, compiled without optimisations), else the first on PATH.
PYTHON ?= $(shell for p in /usr/bin/python3.12 /usr/bin/python3.11; do \
	  [ -x $$p ] && $$p -c 'import ensurepip, venv' 2>/dev/null && { echo $$p; exit 0; }; \
	done; command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000
# Two workers: the suite's tests are independent (each worker gets its own database).
PYTEST_ARGS ?= -n 2

.PHONY: run test install install-dev lint format messages vendor deploy-check clean bench-seed bench bench-load

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.dev-installed

# The local demo: development mode (generated keys, debug pages), never production.
# The worker (reminders, e-mail digest) runs beside the server and stops with it.
run: export HARBOR_DEBUG = true
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py run_huey & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# Development settings for the migration check (the tests use tests/settings.py).
test: export HARBOR_DEBUG = true
test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Refresh the translation catalogues (needs GNU gettext: apt-get install gettext).
messages: export HARBOR_DEBUG = true
messages: install
	$(BIN)/python manage.py makemessages --locale zh_Hant --ignore ".venv/*" --ignore "node_modules/*" --ignore "var/*" --ignore "tests/*"
	$(BIN)/python manage.py compilemessages --locale zh_Hant --ignore ".venv/*" --ignore "node_modules/*"

# Refresh the vendored front-end files from package.json (needs node and npm).
vendor:
	npm install --no-audit --no-fund
	mkdir -p static/vendor/bootstrap
	cp node_modules/bootstrap/dist/css/bootstrap.min.css* node_modules/bootstrap/dist/js/bootstrap.bundle.min.js* node_modules/bootstrap/LICENSE static/vendor/bootstrap/
	mkdir -p static/vendor/chartjs
	cp node_modules/chart.js/dist/chart.umd.min.js* node_modules/chart.js/LICENSE.md static/vendor/chartjs/
	mkdir -p static/vendor/axe-core
	cp node_modules/axe-core/axe.min.js node_modules/axe-core/LICENSE static/vendor/axe-core/

# Django's deploy check with production settings; placeholder secrets unless set.
deploy-check: install
	HARBOR_DEBUG=false \
	SECRET_KEY=$${SECRET_KEY:-deploy-check-only-0123456789abcdefghijklmnopqrstuvwxyz} \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-harbor.example.org} \
	DATABASE_URL=$${DATABASE_URL:-sqlite:///$(CURDIR)/var/deploy-check.sqlite3} \
	HARBOR_FIELD_KEYS=$${HARBOR_FIELD_KEYS:-MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA=} \
	HARBOR_BLIND_INDEX_KEY=$${HARBOR_BLIND_INDEX_KEY:-deploy-check-only-blind-index-key-0123456789} \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# Benchmarks on PostgreSQL (README "Benchmarks"): `make bench-seed CASES=1000000` (and
# CASES=10000), then `make bench CASES=1000000 AGAINST=10000` (both databases in turn) or
# `make bench CASES=1000000 BASELINE=var/bench-harbor_scale_10000.json` (a saved run).
CASES ?= 10000
BENCH_SERVER ?= postgres://postgres@127.0.0.1:5432
BENCH_DB ?= harbor_scale_$(CASES)
BENCH_RUNS ?= 20
bench-seed bench bench-load: export HARBOR_DEBUG = true
bench-seed bench bench-load: export DATABASE_URL = $(BENCH_SERVER)/$(BENCH_DB)

bench-seed: install
	psql "$(BENCH_SERVER)/postgres" -c 'CREATE DATABASE "$(BENCH_DB)"'
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_scale --cases $(CASES)

bench: install
	mkdir -p var
	$(BIN)/python manage.py bench_pages --runs $(BENCH_RUNS) --admin --save var/bench-$(BENCH_DB).json $(if $(BASELINE),--baseline $(BASELINE)) $(if $(AGAINST),--against $(BENCH_SERVER)/harbor_scale_$(AGAINST))

bench-load: install
	$(BIN)/python manage.py bench_load

clean:
	rm -rf $(VENV) var/staticfiles
