# Two commands: `make run` (install, migrate, demo data, serve on 127.0.0.1) and `make test`.
# `make run` serves with gunicorn (gunicorn.conf.py) and runs one job worker beside it, started
# again by scripts/run-worker.sh whenever it leaves to be recycled; Ctrl-C stops both.
# `coverdesk run --debug` is Flask's development server, for debugging only.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 5000
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# The interface's translations (README: for translators): catalogs are compiled by the install,
# never committed; `make i18n-extract i18n-update` after marking new strings, then translate.
CATALOGS := $(wildcard portal/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(CATALOGS:.po=.mo)

.PHONY: run test lint install system-deps bench clean i18n-extract i18n-update i18n-compile

run: install
	$(BIN)/coverdesk db upgrade
	$(BIN)/coverdesk demo load --if-empty
	scripts/run-worker.sh $(BIN)/coverdesk worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	COVERDESK_WEB_BIND=127.0.0.1:$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py portal.wsgi:app

test: install lint $(VENV)/.example-plugin
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# An example plugin as its own distribution (docs/plugins.md), installed so the suite loads it
# through its entry point and runs the contract kit against it.
$(VENV)/.example-plugin: tests/example_plugin/pyproject.toml $(INSTALLED)
	$(BIN)/pip install --quiet --no-deps -e tests/example_plugin
	touch $@

# House rules that run: lint and format (ruff), and the import contracts in pyproject.toml
# (import-linter): features stacked in one order, no cycle, the plugin contract on its own.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

install: $(INSTALLED) $(MO_FILES)


portal/translations/%/LC_MESSAGES/messages.mo: portal/translations/%/LC_MESSAGES/messages.po $(INSTALLED)
	$(BIN)/pybabel --quiet compile --input-file=$< --output-file=$@ --locale=$*

i18n-extract: install
	$(BIN)/coverdesk i18n extract

i18n-update: install
	$(BIN)/coverdesk i18n update

i18n-compile: install
	$(BIN)/coverdesk i18n compile

$(INSTALLED): pyproject.toml scripts/system-deps.sh
	scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(INSTALLED)

# Speed targets (docs/benchmarks.md): pages under gunicorn driven by wrk (scripts/bench-deps.sh installs
# it) beside a bare page, imports at three sizes, the pack beside a bare render. SQLite unless
# COVERDESK_BENCH_DATABASE_URL names a PostgreSQL database; documents made by job workers beside
# gunicorn, and 20 simulated agents for 5 minutes. Takes about 30 minutes.
bench: install
	scripts/bench-deps.sh
	$(BIN)/python benchmarks/queue_and_stall.py --orders 10000
	$(BIN)/python benchmarks/queue_and_stall.py
	$(BIN)/python benchmarks/import_orders.py --rows 10000,100000,1000000
	$(BIN)/python benchmarks/render_pack.py
	$(BIN)/python benchmarks/ingest_tracking.py
	$(BIN)/python benchmarks/document_jobs.py
	$(BIN)/python benchmarks/load_agents.py

clean:
	rm -rf $(VENV) .pytest_cache
