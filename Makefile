# Two commands for a fresh machine: `make run` and `make test`. Each does its own set-up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test screenshots setup bench-setup vendor wheel lock clean

run: setup
	$(BIN)/pieces-admin run

test: setup $(VENV)/.test-installed
	$(BIN)/ruff check webapp tests bench wsgi.py
	$(BIN)/pytest

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
