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

.PHONY: demo serve test install install-dev lock assets translations messages lint format clean bench-scaling bench-render bench-size

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

# The production set-up: gunicorn with PORTAL_ENV=production on PostgreSQL and Redis (see scripts/serve).
serve: install
	scripts/serve

test: install-dev lint
	$(BIN)/pytest

$(BIN)/python:
	scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Installs exactly what the lock files pin, each file checked against its hash.
install: $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r requirements.lock
	$(MAKE) assets translations

install-dev: $(BIN)/python
	scripts/system-deps.sh --test
	$(BIN)/pip install -q --require-hashes -r requirements-dev.lock
	$(MAKE) assets translations

# After editing requirements.txt or requirements-dev.txt: pins what they ask for (and everything those need),
# with hashes, for Python 3.11 on Linux, keeping the pins already there. `make lock LOCK_FLAGS=--upgrade`
# moves every package to its newest allowed version. The dev lock is held to the runtime lock's pins.
PIP_COMPILE = CUSTOM_COMPILE_COMMAND='make lock' $(BIN)/pip-compile -q --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_FLAGS)

lock: $(BIN)/python
	$(BIN)/pip install -q 'pip-tools>=7.4'
	$(PIP_COMPILE) -o requirements.lock requirements.txt
	$(PIP_COMPILE) -c requirements.lock -o requirements-dev.lock requirements-dev.txt

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

# Statements and time per page for 1 to 50 accounts, 10 to 10,000 entries and a million other ledger rows, on the
# PostgreSQL database DATABASE_URL names (created if missing, its contents replaced; default bench_scale on localhost).
bench-scaling:
	$(BIN)/python -m bench.scaling

# Every debtor page's HTML and the CSS and JavaScript it loads, gzipped, against the performance budget (same database).
bench-size:
	$(BIN)/python -m bench.size

# What a page costs the portal's process: median time, CPU time and Python calls per request (same database).
# `make bench-render BENCH_ARGS='--profile account'` adds cProfile's busiest functions.
bench-render:
	$(BIN)/python -m bench.render $(BENCH_ARGS)

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules portal/static/vendor instance
