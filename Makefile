# Two commands set everything up on a fresh machine with Python 3.11+, make and git:
#   make demo   builds and serves the example portal
#   make test   runs the whole suite (make check: the quick loop while working)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The examples are shown as of this date, so the demo looks the same whatever the calendar says.
DEMO_DATE ?= 2026-11-20
# Python keeps compiled modules (and pytest its rewritten test modules) in __pycache__: without
# them every run compiles the whole project again, which alone costs the quick loop seconds.
unexport PYTHONDONTWRITEBYTECODE
# Test workers (pytest-xdist). The quick loop's tests keep a core busy: one worker per core. The
# whole suite's often wait (on Chromium, on git, on a server they started) while another could use
# the core: three workers for every two cores (four on two cores gained nothing measurable). The
# tests are ordered longest first (tests/conftest.py); each worker starts with an equal slice of
# them, and one that runs out takes half of another's rest (--dist worksteal), so the run ends on
# short tests.
CHECK_WORKERS ?= auto
TEST_WORKERS ?= $(shell $(PYTHON) -c 'import os; print((3 * len(os.sched_getaffinity(0)) + 1) // 2)')

.PHONY: demo test check lint bench chromium clean handbook

$(BIN)/portal: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	@touch $@

demo: $(BIN)/portal
	@echo "The portal command is $(BIN)/portal; '. $(BIN)/activate' lets this terminal call it as portal."
	$(BIN)/portal demo --today $(DEMO_DATE)

# The coordinator's handbook (docs/) into build/handbook/. The theme prints a notice about the
# next MkDocs on every build; it is not about the handbook, and only this variable silences it.
handbook: $(BIN)/portal
	NO_MKDOCS_2_WARNING=true $(BIN)/mkdocs build --quiet
	@echo "The handbook is in build/handbook/ (open build/handbook/index.html)."

chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Chromium: install it (Debian: sudo apt-get install chromium) or set PORTAL_CHROMIUM=/path/to/chromium."; exit 1; \
	  fi; }

# Everything, as CI runs it (.ci/run): lint, formatting, types, every test with the browser and slow ones.
test: lint chromium
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal

# The quick loop while working: the same checks, the tests without Chromium and without the slow ones.
check: lint
	$(BIN)/pytest -q -n $(CHECK_WORKERS) --dist worksteal -m "not browser and not slow"

lint: $(BIN)/portal
	$(BIN)/ruff check tools tests bench
	$(BIN)/ruff format --check tools tests bench
	$(BIN)/mypy

bench: $(BIN)/portal chromium
	$(BIN)/python -m bench.run

clean:
	rm -rf build site outbox .pytest_cache .mypy_cache .ruff_cache
