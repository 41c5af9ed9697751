PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: install run test lint format worker bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py ensure_admin
	$(BIN)/python manage.py import_kapacitor_tasks --if-run-migration
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DEBUG=$${DEBUG:-false} PORT=$(PORT) $(BIN)/gunicorn errorhub.wsgi --config gunicorn.conf.py

test: install
	bash tests/run.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: install
	mkdir -p $${ERRORHUB_DATA_DIR:-data}
	ERRORHUB_DATA_DIR=$$(realpath $${ERRORHUB_DATA_DIR:-data}) $(BIN)/supervisord --configuration supervisord.conf

# Not part of `make test`: minutes of load on PostgreSQL and Redis (bench/README.md).
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)
