# The two commands: `make demo` runs the portal with demo data; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
LOCALSTRIPE_PORT ?= 8420
LOCALSTRIPE := http://127.0.0.1:$(LOCALSTRIPE_PORT)
MAILDEV_SMTP_PORT ?= 1025
MAILDEV_WEB_PORT ?= 1080
INSTALL_NPM_FLAGS ?= --omit=dev
TWILIO_PORT ?= 8430
export PORTAL_ENV ?= development
export FLASK_APP := portal

.PHONY: demo serve test install install-dev install-bench bench bench-throughput bench-load bench-profile bench-lighthouse bench-scaling bench-render bench-size lock assets translations messages lint format clean

# The demo installs the npm dev packages too: MailDev, its mail catcher, is one (`serve` installs without them).
demo: INSTALL_NPM_FLAGS =
demo: install
	$(BIN)/pip install -q 'localstripe==1.15.10'  # the version tests/localstripe_server.py patches
	$(BIN)/flask db upgrade
	PUBLIC_BASE_URL=http://127.0.0.1:$(PORT) $(BIN)/flask demo seed
	@# localstripe stands in for Stripe (API and Stripe.js), with the two things of Stripe's it lacks added by
	@# tests/localstripe_server.py, so the bank checks a card once per payment; MailDev catches every email, to
	@# read at http://127.0.0.1:$(MAILDEV_WEB_PORT); a stand-in for Twilio's API lists the texts sent at
	@# http://127.0.0.1:$(TWILIO_PORT)/, where a form replies as a phone. All stop when the portal stops.
	$(BIN)/python -m tests.localstripe_server --port $(LOCALSTRIPE_PORT) --from-scratch >instance/localstripe.log 2>&1 & ls_pid=$$!; \
	node_modules/.bin/maildev --smtp $(MAILDEV_SMTP_PORT) --web $(MAILDEV_WEB_PORT) --ip 127.0.0.1 --web-ip 127.0.0.1 \
		>instance/maildev.log 2>&1 & md_pid=$$!; \
	$(BIN)/python -m tests.twilio_server --port $(TWILIO_PORT) --auth-token twilio-demo-token \
		--webhook http://127.0.0.1:$(PORT)/sms/inbound >instance/twilio.log 2>&1 & tw_pid=$$!; \
	trap 'kill $$ls_pid $$md_pid $$tw_pid 2>/dev/null' EXIT INT TERM; \
	export TWILIO_API_BASE=http://127.0.0.1:$(TWILIO_PORT) TWILIO_ACCOUNT_SID=AC00000000000000000000000000000000 \
		TWILIO_AUTH_TOKEN=twilio-demo-token TWILIO_FROM_NUMBER=+15005550006; \
	export PUBLIC_BASE_URL=http://127.0.0.1:$(PORT) STRIPE_API_BASE=$(LOCALSTRIPE) \
		STRIPE_JS_URL=$(LOCALSTRIPE)/js.stripe.com/v3/ STRIPE_SECRET_KEY=sk_test_demo \
		STRIPE_PUBLISHABLE_KEY=pk_test_demo STRIPE_WEBHOOK_SECRET=whsec_demo_localstripe \
		MAIL_BACKEND=smtp MAIL_SERVER=127.0.0.1 MAIL_PORT=$(MAILDEV_SMTP_PORT) MAIL_USE_TLS=0; \
	$(BIN)/flask payments localstripe-webhook && $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# The production set-up: gunicorn with PORTAL_ENV=production on PostgreSQL and Redis (see scripts/serve).
serve: install
	scripts/serve

# One pytest worker per core (at most 4: each takes a Redis database below TEST_REDIS_URL's), each with its own
# database, localstripe and Chromium; an idle worker takes tests queued for a busy one.
test: install-dev lint
	$(BIN)/pytest -n auto --maxprocesses 4 --dist worksteal

$(BIN)/python:
	scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Installs exactly what the lock files pin, each file checked against its hash.
install: $(BIN)/python
	$(BIN)/pip install -q --require-hashes -r requirements.lock
	$(MAKE) assets translations NPM_CI_FLAGS=$(INSTALL_NPM_FLAGS)

install-dev: $(BIN)/python
	scripts/system-deps.sh --test
	$(BIN)/pip install -q --require-hashes -r requirements-dev.lock
	$(MAKE) assets translations

# The benchmarks' tools (bench/): wrk from Debian, locust and py-spy from the bench lock.
install-bench: install
	scripts/system-deps.sh --bench
	$(BIN)/pip install -q --require-hashes -r requirements-bench.lock

# Benchmarks (bench/): each script starts gunicorn with the production settings on a free port, against
# BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1/bench) and BENCH_REDIS_URL (default
# redis://127.0.0.1:6379/0), prints a table and the machine, and stops what it started. `make bench` runs them all.
BENCHES := bench-throughput bench-load bench-scaling bench-size bench-render bench-jobs bench-import bench-lighthouse
bench: $(BENCHES)

bench-throughput: install-bench
	$(BIN)/python -m bench.throughput

bench-load: install-bench
	$(BIN)/python -m bench.load

# Not a bench: where a page's CPU goes (py-spy on the workers under wrk). `make bench-profile PAGE=plans`
PAGE ?= dashboard
bench-profile: install-bench
	$(BIN)/python -m bench.profile --page $(PAGE)

# After editing requirements.txt, requirements-dev.txt or requirements-bench.txt: pins what they ask for (and
# everything those need), with hashes, for Python 3.11 on Linux, keeping the pins already there.
# `make lock LOCK_FLAGS=--upgrade` moves every package to its newest allowed version. The dev lock is held to
# the runtime lock's pins, and the bench lock to the dev lock's, so one virtualenv can hold all three.
PIP_COMPILE = CUSTOM_COMPILE_COMMAND='make lock' $(BIN)/pip-compile -q --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_FLAGS)

lock: $(BIN)/python
	$(BIN)/pip install -q 'pip-tools>=7.4'
	$(PIP_COMPILE) -o requirements.lock requirements.txt
	$(PIP_COMPILE) -c requirements.lock -o requirements-dev.lock requirements-dev.txt
	$(PIP_COMPILE) -c requirements-dev.lock -o requirements-bench.lock requirements-bench.txt

# htmx and Swagger UI (the API's docs) are installed from npm and copied into static/vendor (not committed);
# the test and bench tools (axe-core, Lighthouse) only by install-dev.
assets:
	npm ci --no-audit --no-fund --loglevel=error $(NPM_CI_FLAGS)
	mkdir -p portal/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js portal/static/vendor/htmx.min.js
	mkdir -p portal/static/vendor/swagger-ui
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
		portal/static/vendor/swagger-ui/

translations:
	$(BIN)/pybabel compile -d portal/translations

# Refresh the catalogs after changing user-visible strings.
messages:
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_ngettext:1,2 --ignore-dirs='.* _* node_modules' --no-location \
		-o portal/translations/messages.pot .
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching

# Lighthouse (mobile, Debian's Chromium) on the link, identity, dashboard, account, pay, plan options and budget
# pages of the demo data on a throwaway SQLite database served by gunicorn; prints page x category -> score
# and the failing audits. install-dev brings Chromium (system-deps.sh --test), requests and lighthouse (npm ci).
# `make bench-lighthouse LIGHTHOUSE_FLAGS="--runs 3"`: see bench/lighthouse.py --help.
bench-lighthouse: install-dev
	$(BIN)/python bench/lighthouse.py $(LIGHTHOUSE_FLAGS)

# Statements and time per page for 1 to 50 accounts, 10 to 10,000 entries and a million other ledger rows, on the
# PostgreSQL database BENCH_SCALE_DATABASE_URL names (created if missing, its contents replaced; default bench_scale).
bench-scaling: install
	$(BIN)/python -m bench.scaling

# Every debtor page's HTML and the CSS and JavaScript it loads, gzipped, against the performance budget (same database).
bench-size: install
	$(BIN)/python -m bench.size

# What a page costs the portal's process: median time, CPU time and Python calls per request (same database).
# `make bench-render BENCH_ARGS='--profile account'` adds cProfile's busiest functions.
bench-render: install
	$(BIN)/python -m bench.render $(BENCH_ARGS)

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r . --severity-level medium

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules portal/static/vendor instance

# `make bench-jobs BENCH_JOBS_FLAGS="--instalments 200 --links 1000"`: `flask collect` by several runners at once
# against localstripe, each instalment checked charged once, and `flask links issue-many`; 10,000 of each unless
# told (bench/jobs.py --help). It empties and uses its own database, BENCH_JOBS_DATABASE_URL (default
# postgresql+psycopg://postgres@127.0.0.1/bench_jobs), and prints a table and the machine.
.PHONY: bench-jobs
bench-jobs: install-bench
	$(BIN)/python -m bench.jobs $(BENCH_JOBS_FLAGS)

# `flask import accounts` of a 100,000-row file (`BENCH_IMPORT_FLAGS="--rows 10000"`): into an empty database, again
# with links out (QR codes drawn), and once more, which must change nothing. Its own database,
# BENCH_IMPORT_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1/bench_import), emptied first.
.PHONY: bench-import
bench-import: install
	$(BIN)/python -m bench.imports $(BENCH_IMPORT_FLAGS)
