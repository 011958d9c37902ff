# mutualaid: two commands.
#   make run   virtualenv, install, migrate SQLite, load the demo, start web + worker
#   make test  install dev tools, lint (ruff, import layers, mypy), run the suite on SQLite
#              and then on PostgreSQL
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app mutualaid
PORT   ?= 5000
export MUTUALAID_ENV ?= development
# The simulator signs its texts like Twilio does; locally any token will do.
export TWILIO_AUTH_TOKEN ?= development-only-simulator-token

.PHONY: run test install vendor lint format web worker clean catalogs i18n-extract i18n-update i18n-check

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "mutualaid needs Python 3.11 or newer"'
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python venv has no ensurepip (Debian: apt-get install python3-venv); bootstrapping pip from PyPI"; \
	  rm -rf $(VENV) && $(PYTHON) -m venv --without-pip $(VENV) && \
	  $(BIN)/python -c "$$BOOTSTRAP_PIP"; }

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed catalogs vendor

# Front-end libraries (Leaflet, axe-core) pinned in package-lock.json, copied into
# static/vendor/ (build output, git-ignored): npm ci when npm is installed, else a Python
# download from the npm registry with the same sha512 checks. See tools/vendor_static.py.
vendor: static/vendor/.lock-sha256

static/vendor/.lock-sha256: package.json package-lock.json tools/vendor_static.py | $(BIN)/python
	$(BIN)/python tools/vendor_static.py --force

# Compiled message catalogs (.mo) are build output, never committed or edited by hand.
catalogs: $(VENV)/.installed
	@$(BIN)/pybabel -q compile -d mutualaid/translations -D messages

# Translators (docs/i18n.md): make i18n-update, translate (edit the .po, or
# `python -m mutualaid.i18n_catalog todo > es.json`, fill it in, `... fill es.json`),
# make i18n-check, make catalogs.
i18n-extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F config/babel.cfg -k _l -k _n:1,2 --no-location --sort-output \
	  --project mutualaid -o mutualaid/translations/messages.pot .

i18n-update: i18n-extract
	$(BIN)/pybabel update -i mutualaid/translations/messages.pot -d mutualaid/translations \
	  -D messages --no-fuzzy-matching --ignore-obsolete

# Untranslated, fuzzy or broken entries, SMS texts over 2 segments, unmarked template text.
i18n-check: $(VENV)/.installed
	$(BIN)/python -m mutualaid.i18n_catalog check

run: install
	@mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) demo
	@echo ""
	@echo "  mutualaid is running on http://127.0.0.1:$(PORT)  (SMS go to the console; Ctrl-C stops web and worker)"
	@echo ""
	@trap 'kill 0' INT TERM; \
	  $(FLASK) worker & \
	  $(FLASK) run --host 127.0.0.1 --port $(PORT) & \
	  wait

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest
	MUTUALAID_TEST_DB=postgres $(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

web: install
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

worker: install
	$(FLASK) worker

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache .ruff_cache static/vendor build/npm

# Used only when Debian's python3-venv is missing: fetch pip's wheel from PyPI and run it.
define BOOTSTRAP_PIP
import json, subprocess, sys, tempfile, urllib.request, pathlib
meta = json.load(urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=60))
url = next(f["url"] for f in meta["urls"] if f["filename"].endswith("-py3-none-any.whl"))
wheel = pathlib.Path(tempfile.mkdtemp()) / url.rsplit("/", 1)[1]
wheel.write_bytes(urllib.request.urlopen(url, timeout=120).read())
subprocess.check_call([sys.executable, str(wheel) + "/pip", "install", "--quiet", str(wheel)])
endef
export BOOTSTRAP_PIP

# --- Reliability (issue 10): real processes on PostgreSQL + a private redis; see docs/reliability.md
.PHONY: reliability soak reliability-pg-restart
RELIABILITY := $(BIN)/python benchmarks/reliability
reliability: install
	$(RELIABILITY)/accepts_two_gunicorns.py
	$(RELIABILITY)/webhook_dupes.py
	$(RELIABILITY)/sms_faults.py kill-worker
	$(RELIABILITY)/sms_faults.py provider-outage
	$(RELIABILITY)/sms_faults.py redis-restart
	$(RELIABILITY)/sms_journeys.py
	$(RELIABILITY)/soak.py --rate 50 --seconds 90

soak: install
	$(RELIABILITY)/soak.py --rate 50 --seconds 600

# RESTARTS the machine's PostgreSQL cluster (15/main): never part of `make test`.
reliability-pg-restart: install
	$(RELIABILITY)/pg_restart.py --restart-postgres
