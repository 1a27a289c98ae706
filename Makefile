# The platform's two commands for a new user, and their companions.
#   make up     install what is missing, start the whole platform, print the URLs
#   make test   install what is missing, start the real servers and services, run every test
PYTHON ?= python3
STACK := $(PYTHON) deploy/local/stack.py
VENV_PY := .venv/bin/python

.PHONY: up seed down status logs python-env lint unit integration test bench

up:
	$(STACK) up

seed:
	$(STACK) up --seed

down:
	$(STACK) down

status:
	$(STACK) status

logs:
	$(STACK) logs $(NAME)

python-env:
	$(STACK) python-env

lint: python-env
	.venv/bin/ruff check shared services client tests deploy bench

unit: python-env
	$(VENV_PY) -m pytest shared/tests services -q

integration: python-env
	$(STACK) up
	$(VENV_PY) -m pytest tests/integration -q

test: lint
	$(STACK) up
	$(VENV_PY) -m pytest -q

# Benchmarks (not part of `make test`): against the running stack; QUICK=1 for 10 s per level.
bench: python-env
	$(STACK) up
	$(VENV_PY) -m bench $(if $(QUICK),--quick,)
