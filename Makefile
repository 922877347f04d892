# The course's commands. `make lab` and `make test` are the two that matter; both set up .venv first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
GRADE := $(BIN)/python -m helpers.grading
CH ?= all

.PHONY: help setup lab test test-fast lint release check-release autograde feedback grades collect zip-collect html bench lock clean

help:
	@echo "make lab        set up .venv, then open JupyterLab on notebooks/"
	@echo "make test       set up .venv, then run the whole test suite"
	@echo "make release    regenerate notebooks/ (learner copies) from assignments/source/ (CH=01_convolution for one)"
	@echo "make collect    nbgrader collect from the exchange (CH=...)"
	@echo "make zip-collect  unpack an LMS download in assignments/downloaded/CH/archive (CH=...)"
	@echo "make autograde  autograde every submission of CH (CH=...)"
	@echo "make feedback   HTML feedback for every autograded submission of CH (CH=...)"
	@echo "make grades     export every grade to assignments/grades.csv"
	@echo "make html       render the solved chapters to build/html/"
	@echo "make bench      print the measured figures quoted in README.md (every benchmarks/bench_*.py)"
	@echo "make pretrain   re-train every weights file shipped in data/ (chapter 03: about 10 min on 2 cores)"

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "The course needs Python 3.11; found " + sys.version.split()[0] + ". Install it, or run: make PYTHON=/path/to/python3.11 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $(STAMP)

# Autograding runs learner code in a bubblewrap sandbox; install it where it is missing.
BWRAP := $(shell command -v bwrap)
setup: $(STAMP)
ifeq ($(BWRAP),)
	@if command -v apt-get >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then apt-get install -y -q bubblewrap >/dev/null || echo "warning: could not install bubblewrap; make autograde will refuse to run (UNSANDBOXED=1 to override)"; \
		else sudo -n apt-get install -y -q bubblewrap >/dev/null 2>&1 || echo "warning: bubblewrap is missing (sudo apt-get install bubblewrap); make autograde will refuse to run without it"; fi; \
	else echo "warning: bubblewrap (bwrap) is missing; install it for make autograde"; fi
endif

# Jupyter refuses to run as root unless told; containers often run as root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: setup
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks $(ALLOW_ROOT)

test: setup
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not slow"

lint: setup
	$(BIN)/ruff check helpers tests benchmarks assignments/nbgrader_config.py
	$(BIN)/ruff format --check helpers tests benchmarks assignments/nbgrader_config.py

release: setup
	$(GRADE) release $(CH)

check-release: setup
	$(GRADE) check-release $(CH)

collect: setup
	$(GRADE) collect $(CH)

zip-collect: setup
	$(GRADE) zip-collect $(CH)

# UNSANDBOXED=1 runs learner code without the sandbox: only on a machine you can afford to lose.
autograde: setup
	$(GRADE) autograde $(CH) $(if $(UNSANDBOXED),--unsandboxed)

feedback: setup
	$(GRADE) feedback $(CH)

grades: setup
	$(GRADE) export

html: setup
	$(GRADE) html $(CH)

bench: setup
	for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# Reproducible (seeded, deterministic ops): rewrites data/resnets_small_shapes.npz and its .sha256.
pretrain: setup
	$(BIN)/python -m helpers.grading.pretrain

lock: setup
	$(BIN)/python -m pip freeze --exclude-editable | sed '1i # Every package the course installs, pinned (pip freeze of a fresh .venv). Regenerate with `make lock`.' > constraints.txt

clean:
	rm -rf $(VENV) build .pytest_cache
