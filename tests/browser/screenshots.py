"""Take the README's screenshots again (`make screenshots`): the model list, the machine card with
the Load buttons' fit warnings, a model's page with a download in progress, and the activity log,
written to docs/screenshots/.

The panel and the simulator are started exactly as for the browser tests
(tests/support/browser_harness.py).
"""

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # the repo root, as under pytest

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from tests.support.accounts import seed_database  # noqa: E402
from tests.support.browser_harness import (  # noqa: E402
    SimulatorProcess,
    find_chromium,
    launch_chromium,
    log_in,
    serve_panel,
)
from tests.support.panel_page import model_row, progress_above  # noqa: E402
from webapp.simulator.catalogue import model_id  # noqa: E402

OUTPUT = HERE.parent.parent / "docs" / "screenshots"
# Both near the top of the list, so the first screen shows them.
DOWNLOADING = model_id("Acme Code Review Qwen (fine-tune)")
TO_LOAD = model_id("Acme Support Llama-3 8B (fine-tune)")
VIEWPORT = {"width": 1280, "height": 800}


def take(browser, panel_url: str) -> None:
    # A mistyped password first, so that the activity log shows more than successes.
    stranger = browser.new_page()
    stranger.goto(f"{panel_url}/login")
    stranger.get_by_label("Name").fill("viewer")
    stranger.get_by_label("Password").fill("not the password")
    stranger.get_by_role("button", name="Log in").click()
    expect(stranger.get_by_role("alert")).to_have_text("Wrong name or password.")
    stranger.close()

    page = browser.new_page(viewport=VIEWPORT, color_scheme="light")
    log_in(page, panel_url, "operator")
    row = model_row(page, TO_LOAD)
    row.get_by_role("button", name="Load").click()
    expect(row.locator(".badge").first).to_have_text("loaded")
    model_row(page, DOWNLOADING).get_by_role("button", name="Download").click()
    progress_above(page, DOWNLOADING, 20)
    page.screenshot(path=OUTPUT / "list.png")

    # With 11.9 of 16 GB in use, the larger downloaded models may not fit: their Load buttons say.
    page.goto(f"{panel_url}/?state=downloaded")
    expect(page.locator(".fit-warning").first).to_be_visible()
    page.screenshot(path=OUTPUT / "machine.png")

    page.goto(f"{panel_url}/models/{DOWNLOADING}")
    progress_above(page, DOWNLOADING, 45)
    page.screenshot(path=OUTPUT / "detail.png", full_page=True)

    page.goto(f"{panel_url}/activity")
    expect(page.locator("#activity-list tbody tr").first).to_be_visible()
    page.set_viewport_size({**VIEWPORT, "height": 400})  # the whole page, no empty space below
    page.screenshot(path=OUTPUT / "activity.png", full_page=True)


def main() -> int:
    executable = find_chromium()
    if executable is None:
        print(
            "screenshots: no Chromium found; install it (apt-get install chromium) or set "
            "CHROMIUM to its path.",
            file=sys.stderr,
        )
        return 1
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        database = f"{folder}/panel.sqlite"
        seed_database(database, actor="panel (command line)")
        simulator = SimulatorProcess()
        # The same server and config as the tests, minus gunicorn's access log on the terminal.
        panel = serve_panel(simulator.url, database, GUNICORN_CMD_ARGS="--access-logfile=/dev/null")
        try:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright, executable)
                take(browser, panel.url)
                browser.close()
        finally:
            panel.stop()
            simulator.stop()
    print(f"screenshots: wrote list.png, machine.png, detail.png and activity.png in {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
