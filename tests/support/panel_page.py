"""Reading the panel's pages in Chromium: a model's row, its download progress, and whether the
page was reloaded. Every wait here retries until the page shows the thing or time runs out.

``expect`` is Playwright's, re-exported: without Playwright, browser tests are skipped, saying so.
"""

import time

import pytest

from tests.support.browser_harness import WAIT_MS
from webapp.simulator.catalogue import model_id

expect = pytest.importorskip(
    "playwright.sync_api", reason="browser tests need Playwright: pip install -e '.[test]'"
).expect

#: Models of the simulator's catalogue, by what the tests do with them.
NOT_DOWNLOADED = model_id("gemma-1.1-2b-it")
ALSO_NOT_DOWNLOADED = model_id("gemma-1.1-7b-it")
DOWNLOADED = model_id("Phi-3-mini-4k-instruct")  # downloaded, not loaded
CUSTOM = model_id("Acme Support Llama-3 8B (fine-tune)")
#: Long enough for a whole simulated download (6 s), with room for a slow machine.
DOWNLOAD_DONE_MS = 20_000

_PROGRESS_ABOVE = """([id, floor]) => {
  const bar = document.querySelector(`#progress-${id} progress`);
  return bar && bar.value > floor ? bar.value : null;
}"""


def live_indicator(page):
    """The header's "● live": shown while the page's live socket is open."""
    return page.locator("#live-status").get_by_text("● live")


def model_row(page, model: str):
    """The model's row on the list (or its card on a detail page)."""
    return page.locator(f"#model-{model}")


def progress_above(page, model: str, floor: float) -> float:
    """Wait until the model's progress bar shows more than ``floor`` percent; return its value."""
    return page.wait_for_function(_PROGRESS_ABOVE, arg=[model, floor], timeout=WAIT_MS).json_value()


_RECORD_CARD_TITLES = """window.cardTitles = [];
new MutationObserver((records) => {
  for (const record of records) for (const node of record.addedNodes) {
    const title = node.matches && node.matches("article.card") && node.querySelector("h1");
    if (title) window.cardTitles.push(title.textContent);
  }
}).observe(document, {subtree: true, childList: true});"""


def record_card_titles(page) -> None:
    """From the next page load on, every model card put in the page (by the page itself, then
    by the live socket) leaves its title in ``card_titles(page)``."""
    page.add_init_script(_RECORD_CARD_TITLES)


def card_titles(page, at_least: int) -> list[str]:
    """The titles of the cards the page was shown, once there are ``at_least`` of them. (Asked
    from here: ``wait_for_function`` evaluates a string in the page, which its CSP forbids.)"""
    deadline = time.monotonic() + WAIT_MS / 1000
    while True:
        titles = page.evaluate("window.cardTitles || []")
        if len(titles) >= at_least or time.monotonic() > deadline:
            return titles
        page.wait_for_timeout(50)


_COUNT_LIVE_MESSAGES = """window.liveMessages = 0;
document.addEventListener("htmx:ws:after:message:incoming", () => { window.liveMessages += 1; });"""


def count_live_messages(page) -> None:
    """From the next page load on, count the messages its live socket brought (and htmx swapped
    in): see ``wait_for_live_messages``."""
    page.add_init_script(_COUNT_LIVE_MESSAGES)


def wait_for_live_messages(page, count: int) -> None:
    """Wait until the page's live socket brought ``count`` messages (a page that is current
    gets heartbeats: one at once, then one every LIVE_HEARTBEAT_SECONDS)."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while page.evaluate("window.liveMessages") < count:
        assert time.monotonic() < deadline, f"the live socket brought fewer than {count} messages"
        page.wait_for_timeout(50)


def mark_page(page) -> None:
    """Leave a mark in the page's window; a reload or navigation wipes it."""
    page.evaluate("window.notReloaded = true")


def still_marked(page) -> bool:
    return page.evaluate("window.notReloaded === true")
