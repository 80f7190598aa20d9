# The two commands: `make demo` runs the portal with demo data; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
LOCALSTRIPE_PORT ?= 8420
LOCALSTRIPE := http://127.0.0.1:$(LOCALSTRIPE_PORT)
export PORTAL_ENV ?= development
export FLASK_APP := portal

.PHONY: demo test install install-dev assets translations messages lint format clean

demo: install
	$(BIN)/pip install -q 'localstripe>=1.15.10'
	$(BIN)/flask db upgrade
	PUBLIC_BASE_URL=http://127.0.0.1:$(PORT) $(BIN)/flask demo seed
	@# localstripe stands in for Stripe (API and Stripe.js); it stops when the portal stops.
	$(BIN)/localstripe --port $(LOCALSTRIPE_PORT) --from-scratch >instance/localstripe.log 2>&1 & ls_pid=$$!; \
	trap 'kill $$ls_pid 2>/dev/null' EXIT INT TERM; \
	export PUBLIC_BASE_URL=http://127.0.0.1:$(PORT) STRIPE_API_BASE=$(LOCALSTRIPE) \
		STRIPE_JS_URL=$(LOCALSTRIPE)/js.stripe.com/v3/ STRIPE_SECRET_KEY=sk_test_demo \
		STRIPE_PUBLISHABLE_KEY=pk_test_demo STRIPE_WEBHOOK_SECRET=whsec_demo_localstripe; \
	$(BIN)/flask payments localstripe-webhook && $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: install-dev lint
	$(BIN)/pytest

$(BIN)/python:
	scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	$(MAKE) assets translations

install-dev: $(BIN)/python
	scripts/system-deps.sh --test
	$(BIN)/pip install -q -r requirements-dev.txt
	$(MAKE) assets translations

# htmx is installed from npm and copied into static/vendor (not committed).
assets:
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p portal/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js portal/static/vendor/htmx.min.js

translations:
	$(BIN)/pybabel compile -d portal/translations

# Refresh the catalogs after changing user-visible strings.
messages:
	$(BIN)/pybabel extract -F babel.cfg -k _l --ignore-dirs='.* _* node_modules' --no-location \
		-o portal/translations/messages.pot .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules portal/static/vendor instance
