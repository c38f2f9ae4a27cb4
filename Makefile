# Two commands for a fresh machine: `make run` and `make test`. Each does its own set-up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test screenshots setup bench-setup vendor wheel clean

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

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# A wheel in dist/ that carries the templates and static files (htmx included): see docs/deploy.md.
wheel: setup
	rm -rf build
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist .

# Re-checks the vendored files on every run; fetches them only when missing or altered.
vendor:
	@cd static/vendor 2>/dev/null && sha256sum --check --quiet --strict ../vendor.sha256 2>/dev/null \
		|| bash scripts/fetch-htmx.sh

clean:
	rm -rf $(VENV) static/vendor build dist
