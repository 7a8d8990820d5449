# Laurel: `make demo` runs the festival, `make test` runs every check. Both set up
# everything they need first (virtualenv, Python and npm packages, ffmpeg, migrations).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test setup system-packages lint typecheck pytest bench lock clean

$(STAMP): pyproject.toml requirements/lock.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Laurel needs Python 3.11 or newer"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/lock.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Debian's ffmpeg (and Chromium for the browser tests) are installed with apt when we are
# root; otherwise we say exactly what to install.
system-packages:
	@bash scripts/system-packages.sh

# npm packages (tus-js-client, hls.js) are installed from the committed lockfile and copied
# into static/vendor/, which the site serves itself.
static/vendor/.stamp: package.json package-lock.json scripts/vendor.mjs
	npm ci --no-audit --no-fund --loglevel=error
	node scripts/vendor.mjs
	touch $@

setup: $(STAMP) system-packages static/vendor/.stamp
	$(PY) manage.py migrate --noinput -v0

demo: setup
	LAUREL_SITE_URL=http://$(HOST):$(PORT) $(PY) manage.py seed_demo
	$(PY) manage.py seed_demo_submissions
	$(PY) manage.py seed_demo_judging
	LAUREL_SITE_URL=http://$(HOST):$(PORT) $(PY) manage.py seed_demo_results
	@bash scripts/run-demo.sh $(HOST) $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy .

pytest: setup
	$(BIN)/pytest $(PYTEST_ARGS)

test: setup lint typecheck pytest

bench: setup
	@for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

# Regenerate the pinned lock from pyproject.toml's ranges (needs network access to PyPI).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e '.[dev]'
	.lock-venv/bin/pip freeze --exclude-editable | grep -v '^-e' > requirements/lock.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) var node_modules staticfiles
