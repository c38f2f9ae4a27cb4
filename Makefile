# Two commands for a fresh machine: `make run` and `make test`. Each does its own set-up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PYTHON_FILES := webapp tests bench wsgi.py

.PHONY: run test test-fast lint format screenshots setup bench-setup vendor wheel lock clean

run: setup
	$(BIN)/pieces-admin run

# Tests run on TEST_WORKERS processes (pytest-xdist): most of them wait on loopback servers, so
# more processes than cores help. The browser tests share one of them, the live tests another
# (see tests/conftest.py).
TEST_WORKERS ?= 4
PARALLEL     := -n $(TEST_WORKERS) --dist loadgroup

test: setup $(VENV)/.test-installed
	$(BIN)/ruff check $(PYTHON_FILES)
	$(BIN)/pytest $(PARALLEL)

# The edit-run loop: every test but the browser ones (unit and integration tiers, see
# pyproject.toml's markers); one tier alone with e.g. `.venv/bin/pytest -m unit`.
test-fast: setup $(VENV)/.test-installed
	$(BIN)/pytest $(PARALLEL) -m "not browser"

# The checks CI runs before the tests (and .pre-commit-config.yaml before each commit): lint
# rules, one format, and the types of webapp ([tool.mypy] in pyproject.toml).
lint: setup $(VENV)/.test-installed
	$(BIN)/ruff check $(PYTHON_FILES)
	$(BIN)/ruff format --check $(PYTHON_FILES)
	$(BIN)/mypy

# Formats every Python file the way `make lint` checks.
format: setup $(VENV)/.test-installed
	$(BIN)/ruff format $(PYTHON_FILES)

# docs/screenshots/*.png, taken in Chromium (as the browser tests are) from a panel and simulator.
screenshots: setup $(VENV)/.test-installed
	$(BIN)/python tests/browser/screenshots.py

setup: $(VENV)/.installed vendor

# The benchmarks' extra: nginx, the reference relay of bench/relay.py. Debian's package, installed
# the way .ci/run installs Chromium (as root, on a fresh machine); `make test` does not need it.
bench-setup: setup
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y nginx; }

# The exact versions of requirements.lock (CI's), then the panel itself, editable.
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed requirements-test.lock
	$(BIN)/python -m pip install --quiet -r requirements-test.lock
	touch $@

# Pins the newest versions pyproject.toml's ranges allow, with pip-tools from a virtual
# environment of its own (so that its dependencies never mix with the panel's).
LOCK_TOOLS := $(VENV)-lock
COMPILE    := CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_TOOLS)/bin/pip-compile --quiet --upgrade \
              --strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host
lock:
	test -x $(LOCK_TOOLS)/bin/pip-compile || { \
		$(PYTHON) -m venv $(LOCK_TOOLS) && $(LOCK_TOOLS)/bin/pip install --quiet pip-tools; }
	$(COMPILE) --output-file requirements.lock pyproject.toml
	$(COMPILE) --allow-unsafe --extra test --constraint requirements.lock \
		--output-file requirements-test.lock pyproject.toml

# A wheel in dist/ that carries the templates and static files (htmx included): see docs/deploy.md.
wheel: setup
	rm -rf build
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist .

# Re-checks the vendored files on every run; fetches them only when missing or altered.
vendor:
	@cd static/vendor 2>/dev/null && sha256sum --check --quiet --strict ../vendor.sha256 2>/dev/null \
		|| bash scripts/fetch-htmx.sh

clean:
	rm -rf $(VENV) $(VENV)-lock static/vendor build dist
