# Two commands: `make run` serves the site, `make test` runs the whole suite.
# Both set everything up first (venv, dependencies, database, reference and demo data).
# `make serve` runs the production configuration (gunicorn, production settings, the background
# worker and hourly maintenance) on this machine.

PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin
PY := $(BIN)/python
export DJANGO_SETTINGS_MODULE ?= cms.settings.dev

.PHONY: run serve _serve test setup lint format bench clean-data

$(BIN)/.installed: requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 wird benötigt (gefunden: %s)" % sys.version.split()[0])'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

setup: $(BIN)/.installed
	@mkdir -p var
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py createcachetable
	@# An index before the demo content, so that its publishes go straight into it (the site's
	@# engine never creates an index on a write: a lost index must not come back half empty).
	$(PY) manage.py search_rebuild --if-needed
	$(PY) manage.py setup_demo
	$(PY) manage.py search_rebuild --if-needed

run: setup
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# The production configuration, on http://127.0.0.1:$(PORT): gunicorn (cms/gunicorn.conf.py),
# cms.settings.production, DEBUG off. SECRET_KEY comes from the environment, or else is generated
# once into the data directory (scripts/secret_key.py) and read from there; it is never printed.
serve: $(BIN)/.installed
	@if [ -z "$${SECRET_KEY:-}" ]; then SECRET_KEY="$$($(PY) scripts/secret_key.py)" || exit 1; export SECRET_KEY; fi; \
	$(MAKE) --no-print-directory _serve

# Called by `serve` with the secret key set. The `setup` steps run under the production settings
# too (target-specific variables reach prerequisites), then collectstatic, so that no page can
# fail on a static file missing from the manifest. PLAIN_HTTP_LOOPBACK=1 is set here and nowhere
# else: plain HTTP on the loopback address cannot keep the HTTPS redirect, secure cookies or HSTS.
_serve: export DJANGO_SETTINGS_MODULE := cms.settings.production
_serve: export PLAIN_HTTP_LOOPBACK := 1
_serve: setup
	$(PY) manage.py collectstatic --noinput -v0
	@# gunicorn beside the background worker (`db_worker`) and `manage.py maintenance` every
	@# MAINTENANCE_INTERVAL seconds (default 3600); scripts/serve.py stops them together.
	PORT=$(PORT) exec $(PY) scripts/serve.py

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# With POSTGRES_TEST_URL set, the PostgreSQL pass (all but the browser tests) runs beside the
# SQLite pass, one per core; its output follows once both are done. The passes share nothing:
# in-memory SQLite vs. PostgreSQL's test database, a temporary search index per process. The walks
# over the whole site (marker pg_pass) then run only in the PostgreSQL pass, the browser tests only
# in the SQLite pass, so that both end at about the same time.
test: $(BIN)/.installed node_modules/.installed lint
	@mkdir -p var; pg=""; \
	if [ -n "$$POSTGRES_TEST_URL" ]; then \
		echo "== Datenbanktests gegen PostgreSQL laufen parallel; Ausgabe folgt am Ende =="; \
		DATABASE_URL="$$POSTGRES_TEST_URL" DJANGO_SETTINGS_MODULE=cms.settings.test \
			$(PY) -m pytest -m "not browser" > var/test-postgresql.log 2>&1 & pg=$$!; \
	fi; \
	POSTGRES_PASS_RUNS=$${pg:+1} DJANGO_SETTINGS_MODULE=cms.settings.test $(PY) -m pytest; sqlite_rc=$$?; pg_rc=0; \
	if [ -n "$$pg" ]; then \
		wait $$pg; pg_rc=$$?; \
		echo "== Datenbanktests gegen PostgreSQL =="; cat var/test-postgresql.log; \
	fi; \
	[ $$sqlite_rc -eq 0 ] && [ $$pg_rc -eq 0 ]

# Search benchmark (10k/100k synthetic documents, engine, JSON API, Wagtail baseline), then the
# operator and visitor phases (import_content, search_rebuild, load on gunicorn as `make serve`
# runs it and on runserver), within 15 minutes; writes bench/results.json and bench/results.md.
# Quick smoke run: $(PY) bench/run.py --quick
bench: $(BIN)/.installed
	$(PY) bench/run.py

clean-data:
	rm -rf var
