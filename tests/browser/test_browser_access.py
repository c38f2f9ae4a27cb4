"""In Chromium: what a viewer may not do, the keyboard alone, and the panel without JavaScript."""

from tests.support.panel_page import (
    CUSTOM,
    DOWNLOADED,
    NOT_DOWNLOADED,
    expect,
    live_indicator,
    model_row,
    progress_above,
)
from webapp.catalog.actions import ACTION_LABELS

# More than enough presses to reach the one row of a filtered list from the top of the page.
MAX_TABS = 40


def test_a_viewer_sees_no_action_buttons(open_page, panel_url):
    page = open_page("viewer")
    # Rows come twice: with the page, then again from the live socket as it connects.
    expect(live_indicator(page)).to_be_visible()
    for label in ACTION_LABELS.values():
        expect(page.get_by_role("button", name=label)).to_have_count(0)
    page.goto(f"{panel_url}/models/{CUSTOM}")
    expect(page.locator(".card h1")).to_have_text("Acme Support Llama-3 8B (fine-tune)")
    expect(page.locator(".card").get_by_role("button")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit this custom model")).to_have_count(0)


def test_a_refused_click_keeps_its_row_and_says_why(open_page):
    page = open_page("operator")
    expect(live_indicator(page)).to_be_visible()
    row = model_row(page, DOWNLOADED)
    load = row.get_by_role("button", name="Load")
    expect(load).to_be_visible()
    # The page's security token goes out of date (as after a restart with a new secret key).
    page.evaluate("""document.body.setAttribute('hx-headers:inherited',
                                               JSON.stringify({'X-CSRF-Token': 'stale'}))""")
    load.click()
    expect(page.locator("#request-error").get_by_role("alert")).to_contain_text("security token")
    expect(row.locator(".badge")).to_have_text("downloaded")  # the row is still there


def test_tab_and_enter_alone_start_a_download(open_page):
    page = open_page("operator", "/?q=gemma-1.1-2b")
    download = model_row(page, NOT_DOWNLOADED).get_by_role("button", name="Download")
    expect(download).to_be_visible()
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if download.evaluate("button => button === document.activeElement"):
            break
    expect(download).to_be_focused()
    page.keyboard.press("Enter")
    progress_above(page, NOT_DOWNLOADED, 0)
    expect(model_row(page, NOT_DOWNLOADED)).to_contain_text("started by operator")


def test_without_javascript_load_and_unload_are_plain_forms(open_page, panel_url):
    page = open_page("operator", javascript=False)
    expect(page.locator("#live")).to_be_hidden()  # no "connecting…" that never connects
    flash = page.locator(".flash")
    row = model_row(page, DOWNLOADED)

    row.get_by_role("button", name="Load").click()
    expect(flash).to_have_text("Loaded: Phi-3-mini-4k-instruct.")
    expect(page).to_have_url(f"{panel_url}/")
    expect(row.locator(".badge")).to_have_text("loaded")

    row.get_by_role("button", name="Unload").click()
    expect(flash).to_have_text("Unloaded: Phi-3-mini-4k-instruct.")
    expect(row.locator(".badge")).to_have_text("downloaded")
    expect(row.get_by_role("button", name="Load")).to_be_visible()
