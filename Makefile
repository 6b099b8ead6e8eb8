# Two commands: `make run` serves the site, `make test` runs the whole suite.
# Both set everything up first (venv, dependencies, database, reference and demo data).

PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin
PY := $(BIN)/python
export DJANGO_SETTINGS_MODULE ?= cms.settings.dev

.PHONY: run test setup lint format bench clean-data

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
	$(PY) manage.py setup_demo
	$(PY) manage.py search_rebuild --if-needed

run: setup
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(BIN)/.installed node_modules/.installed lint
	DJANGO_SETTINGS_MODULE=cms.settings.test $(PY) -m pytest
	@if [ -n "$$POSTGRES_TEST_URL" ]; then \
		echo "== Datenbanktests gegen PostgreSQL =="; \
		DATABASE_URL="$$POSTGRES_TEST_URL" DJANGO_SETTINGS_MODULE=cms.settings.test $(PY) -m pytest -m "not browser"; \
	fi

# Search benchmark (10k/100k synthetic documents, engine, JSON API, Wagtail baseline);
# writes bench/results.json and bench/results.md. Quick smoke run: $(PY) bench/run.py --quick
bench: $(BIN)/.installed
	$(PY) bench/run.py

clean-data:
	rm -rf var
