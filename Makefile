# Village: `make run` on a fresh machine with Python 3.11+ and make.
#   make install   uv sync (bootstraps uv if missing)
#   make run       embedded PostgreSQL + tansu broker + services, demo data, URLs and tokens
#                  [REPLICAS=2: two processes of each service]
#   make token PARTY=northwind [ROLE=agent]    (make -s ... prints only the token)
#   make test      the full suite
#   make browser   Debian's chromium and firefox-esr for the browser tests (apt-get, when missing)
#   make kubectl   kubectl for the deploy/k8s tests (apt-get, when it is missing)
#   make bench     benchmarks
#   make lint      ruff: lint and format check (CI runs it before the tests)
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
PARTY ?= northwind
ROLE ?= agent

# uv on PATH, else the copy pip installs (`python3 -m uv`), bootstrapped on first use.
UV := $(shell command -v uv 2>/dev/null || { [ -x "$$HOME/.local/bin/uv" ] && echo "$$HOME/.local/bin/uv"; })
ifeq ($(strip $(UV)),)
UV := $(PYTHON) -m uv
endif
UV_RUN := $(UV) run -q

.PHONY: help uv install browser kubectl run token test bench lint

help:
	@sed -n 's/^#   //p' $(MAKEFILE_LIST)

# Quiet on stdout (so `make -s token` prints only the token); pip talks on stderr.
uv:
	@$(UV) --version >/dev/null 2>&1 || { \
	  echo "uv not found: installing it with pip" >&2; \
	  $(PYTHON) -m pip install --quiet --user uv >&2 \
	  || $(PYTHON) -m pip install --quiet uv >&2 \
	  || $(PYTHON) -m pip install --quiet --user --break-system-packages uv >&2; \
	  $(PYTHON) -m uv --version >/dev/null 2>&1 || { echo "could not install uv" >&2; exit 1; }; \
	}

install: uv
	@if [ -f uv.lock ]; then $(UV) sync --frozen; else $(UV) sync; fi

# The browser tests drive the distribution's chromium and firefox-esr (Playwright never
# downloads a browser; Firefox is driven over WebDriver BiDi, tests/browser/bidi_relay.py).
CHROMIUM ?= /usr/bin/chromium
FIREFOX ?= /usr/bin/firefox-esr
browser:
	@missing=""; \
	[ -x "$(CHROMIUM)" ] || missing="$$missing chromium"; \
	[ -x "$(FIREFOX)" ] || missing="$$missing firefox-esr"; \
	[ -z "$$missing" ] || { \
	  echo "installing Debian's$$missing for the browser tests" >&2; \
	  apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >&2; \
	}

# The deploy/k8s tests render the manifests with `kubectl kustomize` (no cluster needed).
kubectl:
	@command -v kubectl >/dev/null 2>&1 || { \
	  echo "installing kubectl for the deploy/k8s tests" >&2; \
	  apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q kubectl >&2; \
	}

run: install
	$(UV_RUN) village-dev run $(if $(REPLICAS),--replicas $(REPLICAS))

token: uv
	@$(UV_RUN) village-dev token $(PARTY) --role $(ROLE)

test: install browser kubectl
	$(UV_RUN) pytest

bench: install browser
	$(UV_RUN) python -m benchmarks $(BENCH_ARGS)

lint: install
	$(UV_RUN) ruff check .
	$(UV_RUN) ruff format --check .
