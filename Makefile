# The two commands a newcomer needs: `make run` and `make test`.
# Every step below is cached by a stamp file and redone only when its inputs change.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
RASA := $(BIN)/rasa
SMARTCITY := $(BIN)/smartcity

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL ?= 2
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# Rasa 3.6 runs on Python 3.8-3.10; use a 3.10 from PATH or pyenv.
PYTHON310 ?= $(shell for c in python3.10 $$(pyenv root 2>/dev/null)/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do \
	p=$$(command -v "$$c" 2>/dev/null) && "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null && { echo "$$p"; break; }; done)

TRAINING_DATA := data/nlu data/stories data/rules
TRAINING_INPUTS := config.yml domain.yml $(shell find $(TRAINING_DATA) data/content -name '*.yml' 2>/dev/null)
INSTALLED := $(VENV)/.installed
# Tools that do not install beside Rasa's pins get an environment of their own.
TOOLS_VENV := .venv-tools
TOOLS_PYTHON ?= python3
TOOLS := schemathesis==4.32.5 pip-audit==2.10.1 locust==2.47.0 import-linter==2.16
TOOLS_STAMP := $(TOOLS_VENV)/.installed
SPACY_STAMP := var/.spacy-built
MODEL_STAMP := models/.trained

.PHONY: help setup tools run test test-unit test-later lint format validate train db bench bench-compare profile eval audit clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml constraints.txt
	@if [ -z "$(PYTHON310)" ]; then \
		echo "error: Python 3.10 not found. Rasa 3.6 needs Python 3.8-3.10." >&2; \
		echo "Install it, e.g. 'pyenv install 3.10.13' or 'apt-get install python3.10 python3.10-venv'," >&2; \
		echo "or point to it: make PYTHON310=/path/to/python3.10 ..." >&2; \
		exit 1; fi
	@echo "==> creating $(VENV) with $(PYTHON310)"
	@[ -x $(PY) ] || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==24.3.1"
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

$(SPACY_STAMP): $(INSTALLED) nlu/spacy_pipeline.py config.yml
	@echo "==> building the German spaCy pipeline"
	$(PY) -m nlu.spacy_pipeline
	@mkdir -p $(@D) && touch $@

# The gazetteer reads the content files through core/content.py.
NLU_COMPONENTS := $(wildcard nlu/*.py) core/content.py

# Rasa's cache knows data and config but not component code: changed code forces.
$(MODEL_STAMP): $(SPACY_STAMP) $(TRAINING_INPUTS) $(NLU_COMPONENTS)
	@echo "==> training the Rasa model (skipped by Rasa if nothing changed)"
	$(RASA) train --config config.yml --domain domain.yml --data $(TRAINING_DATA) \
		--out models --fixed-model-name smartcity $(if $(filter nlu/%,$?),--force)
	@touch $@

$(TOOLS_STAMP): Makefile
	@echo "==> creating $(TOOLS_VENV) for $(TOOLS)"
	@[ -x $(TOOLS_VENV)/bin/python ] || $(TOOLS_PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/python -m pip install --quiet $(TOOLS)
	@touch $@

tools: $(TOOLS_STAMP)  ## the tool environment (Schemathesis, pip-audit, Locust, import-linter)

setup: $(MODEL_STAMP)  ## venv, dependencies, spaCy pipeline and trained model

train: $(MODEL_STAMP)  ## train the Rasa model if data, config or domain changed

db: $(INSTALLED)  ## migrate the database and import the example content if it is empty
	$(SMARTCITY) db upgrade
	$(SMARTCITY) content import data/content --if-empty

run: setup db  ## set everything up and run the assistant (Ctrl-C stops it)
	$(SMARTCITY) run

lint: $(INSTALLED) $(TOOLS_STAMP)  ## check style (ruff, black) and the layers (import-linter contracts in pyproject.toml)
	$(BIN)/ruff check bot nlu actions tests
	$(BIN)/black --check --quiet bot nlu actions tests
	$(TOOLS_VENV)/bin/lint-imports --no-logo --cache-dir var/.import-linter

format: $(INSTALLED)  ## reformat the code
	$(BIN)/ruff check --fix bot nlu actions tests
	$(BIN)/black --quiet bot nlu actions tests

validate: $(INSTALLED)  ## rasa data validate
	$(RASA) data validate --domain domain.yml --data $(TRAINING_DATA) --fail-on-warnings

test: setup tools lint  ## set everything up and run every test
	$(BIN)/pytest

test-unit: $(SPACY_STAMP)  ## the fast inner loop: no trained model, no running assistant, SQLite only, two processes (ARGS=-k ...)
	$(BIN)/pytest -n 2 -m "not model and not postgres" --ignore=tests/e2e $(ARGS)

# A date written into a test expires one day; this run finds it a year early.
test-later: $(SPACY_STAMP)  ## the unit tests with the clock 400 days ahead (Debian's faketime), as CI runs them
	faketime -f "+400d" $(BIN)/pytest -n 2 -m "not model and not postgres" --ignore=tests/e2e \
		-p no:cacheprovider $(ARGS)

audit: tools  ## pip-audit of the pinned dependencies (needs PyPI's JSON API or OSV)
	$(TOOLS_VENV)/bin/pip-audit --requirement constraints.txt --no-deps --disable-pip \
		--progress-spinner off

bench: setup  ## measure model load, readiness, REST and Telegram round trips, /model/parse, staff pages, hostile texts, photo bombs, long conversations, live-chat replies, answers with staff edits, a model switch under load, metrics, backups of 10,000 suggestions, a feed of 1,000 recurring events, the daily digest of 10,000 followers (ARGS=--train)
	$(PY) -m tests.bench.bench_assistant $(ARGS)
	$(PY) -m tests.bench.bench_parse
	$(PY) -m tests.bench.bench_telegram
	$(PY) -m tests.bench.bench_staff
	$(PY) -m tests.bench.bench_review
	$(PY) -m tests.bench.bench_similar
	$(PY) -m tests.bench.bench_bad_input
	$(PY) -m tests.bench.bench_long_conversation
	$(PY) -m tests.bench.bench_photo_bombs
	$(PY) -m tests.bench.bench_nlg
	$(PY) -m tests.bench.bench_live
	$(PY) -m tests.bench.bench_model_switch
	$(PY) -m tests.bench.bench_metrics
	$(PY) -m tests.bench.bench_backup
	$(PY) -m tests.bench.bench_ics
	$(PY) -m tests.bench.bench_follow_digest

bench-compare: setup tools  ## this assistant (SQLite, 1 and 2 workers) against the stock `rasa init` bot at c=1, 10, 50 (ARGS=--scale adds PostgreSQL + Redis)
	$(PY) -m tests.bench.bench_compare $(ARGS)

profile: setup  ## where one turn's time goes (pyinstrument; ARGS=--html FILE)
	$(PY) -m tests.bench.profile_turn $(ARGS)

eval: setup  ## NLU quality: held-out set and 5-fold cross-validation into reports/nlu
	$(PY) -m tests.nlu.quality --cross-validation $(ARGS)

clean:  ## remove everything the build made (venv, models, var)
	rm -rf $(VENV) $(TOOLS_VENV) models var .rasa reports results .pytest_cache .ruff_cache
