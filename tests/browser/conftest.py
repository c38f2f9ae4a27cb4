"""Fixtures of the browser tests: one Chromium for the run, and for each test its own simulator
and panel (gunicorn processes on loopback) and browser pages logged in as the test accounts.

Without a Chromium (or without Playwright) every browser test is skipped, saying why.
"""

import pytest

from tests.support.browser_harness import (
    WAIT_MS,
    ConsoleWatch,
    PanelProcess,
    SimulatorProcess,
    find_chromium,
    launch_chromium,
    log_in,
)

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the `test` extra not installed
    sync_playwright = None


@pytest.fixture(scope="session")
def chromium():
    """Chromium, launched once for all browser tests."""
    if sync_playwright is None:
        pytest.skip("browser tests need Playwright: pip install -e '.[test]'")
    executable = find_chromium()
    if executable is None:
        pytest.skip(
            "browser tests need Chromium, and none was found (set CHROMIUM to its path, "
            "or install it: apt-get install chromium)"
        )
    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, executable)
        yield browser
        browser.close()


@pytest.fixture
def pieces_os():
    """The Pieces OS simulator in its own gunicorn process; ``stop()`` and ``start()`` it."""
    simulator = SimulatorProcess()
    yield simulator
    simulator.stop()


@pytest.fixture
def panel_settings() -> dict:
    """More environment variables for the panel; a test overrides this with
    ``@pytest.mark.parametrize("panel_settings", [{...}])``."""
    return {}


@pytest.fixture
def panel_process(chromium, pieces_os, panel_database, panel_settings):
    """The panel under gunicorn with the repo's config, talking to ``pieces_os``; ``stop()``
    and ``start()`` it."""
    server = PanelProcess(pieces_os.url, panel_database, **panel_settings)
    yield server
    server.stop()
    assert not server.errors(), f"the panel logged an error:\n{server.errors()}"


@pytest.fixture
def panel_url(panel_process):
    return panel_process.url


@pytest.fixture
def open_page(chromium, panel_url):
    """``open_page(name, path="/", javascript=True)``: a page of its own browser context (its
    own cookies), logged in as ``name`` through the login form and showing ``path``. Each page
    gets ``page.console``, a ``ConsoleWatch``."""
    contexts = []

    def open_as(name: str, path: str = "/", javascript: bool = True):
        context = chromium.new_context(
            java_script_enabled=javascript, viewport={"width": 1280, "height": 800}
        )
        contexts.append(context)
        page = context.new_page()
        page.console = ConsoleWatch.on(page)
        log_in(page, panel_url, name, path)
        return page

    yield open_as
    for context in contexts:
        context.close()
