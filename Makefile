# The README's commands. `make serve` runs the service on its embedded default (SQLite,
# in-process jobs, offline judge); `make test` runs the tests against Postgres and Redis.
PY := .venv/bin/python

.PHONY: install serve test check bench

.venv/bin/python:
	python3 -m venv .venv

install: .venv/bin/python
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'

serve: install
	.venv/bin/session-judge serve --migrate

test:
	$(PY) -m pytest

check:
	$(PY) -m ruff check .
	$(PY) -m mypy api workers judge rules store

bench:
	$(PY) bench/rules.py
