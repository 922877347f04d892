# The course's commands. `make lab` and `make test` are the two that matter; both set up .venv first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
GRADE := $(BIN)/python -m helpers.grading
CH ?= all

# The learner's working copy: made from notebooks/ on the first `make lab`, never overwritten.
WORK := work
# Debian's Chromium drives the browser tests (tests/test_browser.py).
CHROMIUM := /usr/bin/chromium
# The suite runs in this many processes (pytest-xdist): one per core of CI's 2. Each chapter's
# graded class and each test module stay in one process, slow groups first (tests/conftest.py).
TEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

.PHONY: help setup kernel browser lab instructor test test-fast lint release check-release autograde autograde-serial report feedback grades collect zip-collect html bench lock clean

help:
	@echo "make lab        set up .venv, then open the learner's JupyterLab on work/ (a copy of notebooks/)"
	@echo "make instructor open the instructor's JupyterLab (nbgrader's Formgrader, Create assignment) on assignments/"
	@echo "make test       set up .venv (and Chromium for the browser tests), then run the whole test suite"
	@echo "make release    regenerate notebooks/ (learner copies) from assignments/source/ (CH=01_convolution for one)"
	@echo "make collect    nbgrader collect from the exchange (CH=...)"
	@echo "make zip-collect  unpack an LMS download in assignments/downloaded/CH/archive (CH=...)"
	@echo "make autograde  autograde every submission of CH in parallel on Dask (CH=...; WORKERS=n, SCHEDULER=tcp://host:8786, REGRADE=1)"
	@echo "make autograde-serial  the same, one submission after another in one nbgrader run"
	@echo "make report     the class report of CH: assignments/report_CH.html (CH=...)"
	@echo "make feedback   HTML feedback for every autograded submission of CH (CH=...)"
	@echo "make grades     export every grade to assignments/grades.csv"
	@echo "make html       render the solved chapters to build/html/"
	@echo "make bench      print the measured figures quoted in README.md (every benchmarks/bench_*.py)"
	@echo "make pretrain   re-train every weights file shipped in data/ (chapters 03, 04, 06, 07; see data/README.md)"

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "The course needs Python 3.11; found " + sys.version.split()[0] + ". Install it, or run: make PYTHON=/path/to/python3.11 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "== Installing the course's pinned packages into $(VENV) (1.5 GB, a few minutes on a new machine)."
	@echo "== pip draws a bar for each download; its last step, 'Installing collected packages', unpacks them all in one go: a line every 30 s says it is still at work."
	$(BIN)/python -m pip install --progress-bar on --upgrade pip
	$(BIN)/python -m pip install --progress-bar on -c constraints.txt -e . & pip=$$!; \
	while kill -0 $$pip 2>/dev/null; do sleep 1; [ $$((SECONDS % 30)) = 0 ] && echo "== still installing: $$SECONDS s so far"; done; \
	wait $$pip
	@echo "== $(VENV) is ready."
	touch $(STAMP)

# Autograding runs learner code in a bubblewrap sandbox; install it where it is missing.
BWRAP := $(shell command -v bwrap)
setup: $(STAMP)
ifeq ($(BWRAP),)
	@if command -v apt-get >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then (apt-get install -y -q bubblewrap >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -q bubblewrap >/dev/null)) || echo "warning: could not install bubblewrap; make autograde will refuse to run (UNSANDBOXED=1 to override)"; \
		else sudo -n apt-get install -y -q bubblewrap >/dev/null 2>&1 || echo "warning: bubblewrap is missing (sudo apt-get install bubblewrap); make autograde will refuse to run without it"; fi; \
	else echo "warning: bubblewrap (bwrap) is missing; install it for make autograde"; fi
endif

# The course's quiet kernel (helpers.environment: TensorFlow's C++ log lines kept out of the
# notebooks), rewritten on every start so that it always runs this .venv's Python.
kernel: setup
	$(BIN)/python -m helpers.environment --install-kernel

# Chromium for the browser tests, installed when missing and the machine allows it (Debian or
# Ubuntu, as root); elsewhere the browser tests skip and say why (CI never skips them).
browser:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "== Installing Debian's chromium for the browser tests (tests/test_browser.py)"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else echo "== No $(CHROMIUM), and no apt-get as root to install it: the browser tests will be skipped (install chromium to run them)."; fi

# Jupyter refuses to run as root unless told; containers often run as root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

# The learner's JupyterLab (settings in lab/learner/): nbgrader's Validate button, none of its
# instructor tools, no news pop-up, and a kernel that stops when its notebook is closed. It
# opens work/, where every chapter new in notebooks/ is copied and no file is ever overwritten.
lab: setup kernel
	$(BIN)/python lab/working_copy.py notebooks $(WORK)
	JUPYTER_CONFIG_PATH=$(CURDIR)/lab/learner $(BIN)/jupyter lab --ServerApp.root_dir=$(WORK) $(ALLOW_ROOT)

# The instructor's JupyterLab (settings in lab/instructor/): nbgrader's Formgrader, Create
# assignment and course tools, started in the course root so that they find nbgrader_config.py.
instructor: setup kernel
	cd assignments && JUPYTER_CONFIG_PATH=$(CURDIR)/lab/instructor ../$(BIN)/jupyter lab $(ALLOW_ROOT)

test: setup kernel browser
	$(PYTEST)

test-fast: setup kernel
	$(PYTEST) -m "not slow"

lint: setup
	$(BIN)/ruff check helpers tests benchmarks assignments/nbgrader_config.py lab
	$(BIN)/ruff format --check helpers tests benchmarks assignments/nbgrader_config.py lab

release: setup
	$(GRADE) release $(CH)

check-release: setup
	$(GRADE) check-release $(CH)

collect: setup
	$(GRADE) collect $(CH)

zip-collect: setup
	$(GRADE) zip-collect $(CH)

# One Dask job per submission; a run killed halfway, run again, grades only what is left.
# Learner code runs in a bubblewrap sandbox; UNSANDBOXED=1 runs it without one: only on a
# machine you can afford to lose.
autograde: setup
	$(GRADE) grade-class $(CH) $(if $(WORKERS),--workers $(WORKERS)) $(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(REGRADE),--regrade) $(if $(UNSANDBOXED),--unsandboxed)

autograde-serial: setup
	$(GRADE) autograde $(CH) $(if $(UNSANDBOXED),--unsandboxed)

report: setup
	$(GRADE) report $(CH)

feedback: setup
	$(GRADE) feedback $(CH)

grades: setup
	$(GRADE) export

html: setup kernel
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
