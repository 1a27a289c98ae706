# The platform's two commands for a new user, and their companions.
#   make up     install what is missing, start the whole platform, print the URLs
#   make test   install what is missing, start the real servers and services, run every test
PYTHON ?= python3
STACK := $(PYTHON) deploy/local/stack.py
VENV_PY := .venv/bin/python
TEST_PATHS := shared/tests services tests tools/cli/tests

.PHONY: up seed down status logs python-env portal-catalogs portal-screenshots lint k8s-validate asyncapi asyncapi-check unit integration test faults-full bench

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
	.venv/bin/ruff check shared services client tests deploy tools examples bench
	.venv/bin/hadolint services/Dockerfile

# The portal's texts: extract them from templates and code into the catalogs (translations are kept).
portal-catalogs: python-env
	$(VENV_PY) -m portal.catalogs update

# The README's screenshots of the portal (docs/portal/), taken in Chromium from the demo data.
portal-screenshots: python-env
	$(STACK) up --seed
	$(STACK) browser
	$(VENV_PY) tools/portal_screenshots.py

# Build every kustomize overlay and validate every resource offline (deploy/k8s/README.md).
k8s-validate: python-env
	$(VENV_PY) deploy/k8s/validate.py

# Regenerate docs/asyncapi from the event contracts; the check fails when they drifted.
asyncapi: python-env
	.venv/bin/shared-audits asyncapi

asyncapi-check: python-env
	.venv/bin/shared-audits asyncapi --check

unit: python-env
	$(VENV_PY) -m pytest shared/tests services tests/deploy -q

integration: python-env
	$(STACK) up
	$(VENV_PY) -m pytest tests/integration -q

test: lint k8s-validate asyncapi-check
	$(STACK) up
	$(STACK) browser
	$(VENV_PY) -m pytest -q -n 2 --dist loadfile -m "not (serial or faults)" $(TEST_PATHS)
	$(VENV_PY) -m pytest -q -m "serial or faults" $(TEST_PATHS)

# The issue's kill -9 run on its own (`make test` runs it too): 500 CAPs of 10 items, 5,000 evidence
# events and 5,000 decisions, cap-service and notifier killed -9.
faults-full: python-env
	$(STACK) up
	$(VENV_PY) -m pytest tests/faults/test_consumer_crash.py -q -s

# Benchmarks (not part of `make test`): starts the stack if it is not up, prints four tables and
# writes bench/results/latest.json; then the duplicate detection's precision and recall. QUICK=1: 5 s per load level and 1,000 imported records;
# RECORDS=N: import N sites and N reports (default 100,000).
bench: python-env
	$(STACK) up
	$(VENV_PY) -m bench $(if $(QUICK),--quick,) $(if $(RECORDS),--records $(RECORDS),)
	$(VENV_PY) -m bench.duplicates
