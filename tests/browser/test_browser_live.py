"""In Chromium: what the live socket shows by itself, to several people, and when Pieces OS goes
away and comes back."""

import re

import pytest
import requests

from tests.support.browser_harness import LIVE_REFRESH_SECONDS
from tests.support.panel_page import (
    DOWNLOAD_DONE_MS,
    DOWNLOADED,
    NOT_DOWNLOADED,
    count_live_messages,
    expect,
    live_indicator,
    mark_page,
    model_row,
    progress_above,
    still_marked,
    wait_for_live_messages,
)

_MARK_THE_ROWS = """document.addEventListener("DOMContentLoaded", () => {
  for (const row of document.querySelectorAll(".model-view")) row.cameWithThePage = true;
});"""


@pytest.mark.parametrize("panel_settings", [{"LIVE_HEARTBEAT_SECONDS": "1"}])
def test_a_page_keeps_the_rows_it_came_with_when_its_socket_opens(open_page):
    """Nothing changed since it was rendered: rows replaced now would only drop a click or a key
    pressed on them."""
    page = open_page("operator")
    page.add_init_script(_MARK_THE_ROWS)
    count_live_messages(page)
    page.reload()
    wait_for_live_messages(page, 2)  # what it lacked (nothing), then heartbeats
    replaced = page.evaluate("""() => [...document.querySelectorAll(".model-view")]
                                   .filter((row) => !row.cameWithThePage).map((row) => row.id)""")
    assert page.locator(".model-view").count() > 5 and replaced == []


def test_a_second_person_watches_the_first_ones_download_even_after_a_reload(open_page):
    operator = open_page("operator")
    viewer = open_page("viewer")
    expect(live_indicator(viewer)).to_be_visible()
    mark_page(viewer)

    model_row(operator, NOT_DOWNLOADED).get_by_role("button", name="Download").click()
    row = model_row(viewer, NOT_DOWNLOADED)
    expect(row.locator(".progress")).to_contain_text("started by operator")
    first = progress_above(viewer, NOT_DOWNLOADED, 0)
    progress_above(viewer, NOT_DOWNLOADED, first)
    assert still_marked(viewer), "the viewer's page was reloaded"
    expect(row.get_by_role("button")).to_have_count(0)  # a viewer may only watch

    viewer.reload()
    expect(row.locator(".progress")).to_contain_text("started by operator")
    after_reload = progress_above(viewer, NOT_DOWNLOADED, 0)
    progress_above(viewer, NOT_DOWNLOADED, after_reload)
    expect(row.locator(".badge")).to_have_text("downloaded", timeout=DOWNLOAD_DONE_MS)
    assert viewer.console.problems == []


def test_the_page_says_when_pieces_os_is_unreachable_and_recovers_by_itself(open_page, pieces_os):
    page = open_page("operator")
    expect(live_indicator(page)).to_be_visible()
    mark_page(page)
    banner = page.locator("#banner")
    expect(banner).to_be_empty()

    pieces_os.stop()
    expect(banner.get_by_role("alert")).to_contain_text(
        f"Pieces OS is not reachable at {pieces_os.url}"
    )

    pieces_os.start()
    expect(banner.get_by_role("alert")).to_have_count(0)
    row = model_row(page, DOWNLOADED)
    row.get_by_role("button", name="Load").click()
    expect(row.locator(".badge")).to_have_text("loaded")
    assert still_marked(page), "the page was reloaded"


def test_a_page_opened_during_a_download_says_live_at_once(open_page):
    operator = open_page("operator")
    model_row(operator, NOT_DOWNLOADED).get_by_role("button", name="Download").click()
    progress_above(operator, NOT_DOWNLOADED, 0)

    viewer = open_page("viewer")
    # The progress came over the live socket, so the socket is open: the header must say so
    # (it said "connecting…" for as long as progress kept coming).
    first = progress_above(viewer, NOT_DOWNLOADED, 0)
    assert live_indicator(viewer).is_visible()
    progress_above(viewer, NOT_DOWNLOADED, first)
    assert live_indicator(viewer).is_visible()
    assert live_indicator(operator).is_visible()


def test_a_stopped_panel_is_said_at_once_and_its_return_too(open_page, panel_process):
    page = open_page("operator")
    expect(live_indicator(page)).to_be_visible()
    mark_page(page)
    unreachable = page.locator("#panel-unreachable")
    expect(unreachable).to_be_hidden()

    panel_process.stop()
    expect(page.locator("#live-status").get_by_text("reconnecting…")).to_be_visible()
    expect(unreachable).to_have_text(re.compile("The panel cannot be reached"))

    panel_process.start()
    expect(live_indicator(page)).to_be_visible()
    expect(unreachable).to_be_hidden()
    row = model_row(page, DOWNLOADED)
    row.get_by_role("button", name="Load").click()
    expect(row.locator(".badge")).to_have_text("loaded")
    assert still_marked(page), "the page was reloaded"


def test_a_click_that_gets_no_answer_says_the_panel_cannot_be_reached(open_page):
    page = open_page("operator")
    expect(live_indicator(page)).to_be_visible()
    unreachable = page.locator("#panel-unreachable")
    page.route("**/models/*/load", lambda route: route.abort("connectionrefused"))
    row = model_row(page, DOWNLOADED)
    row.get_by_role("button", name="Load").click()
    expect(unreachable).to_have_text(re.compile("The panel cannot be reached"))
    expect(row.get_by_role("button", name="Load")).to_be_enabled()  # ready to try again

    page.unroute("**/models/*/load")
    row.get_by_role("button", name="Load").click()
    expect(row.locator(".badge")).to_have_text("loaded")
    expect(unreachable).to_be_hidden()


@pytest.mark.parametrize("panel_settings", [{"LIVE_SOCKETS_PER_ACCOUNT": "1"}])
def test_a_page_over_the_quota_says_why_polls_and_goes_live_once_a_place_is_free(
    open_page, pieces_os
):
    first = open_page("operator")
    expect(live_indicator(first)).to_be_visible()
    second = first.context.new_page()
    second.console = first.console
    second.goto(first.url)
    status = second.locator("#live-status")
    expect(status).to_contain_text("already has 1 pages open with live updates")

    # Changed behind the panel's back: the refused page shows it by reloading itself.
    requests.patch(
        f"{pieces_os.url}/__sim/model/{DOWNLOADED}", json={"loaded": True}, timeout=5
    ).raise_for_status()
    expect(model_row(second, DOWNLOADED).locator(".badge")).to_have_text("loaded")

    first.close()
    expect(live_indicator(second)).to_be_visible()
    expect(status.get_by_text("already has 1 pages open")).to_be_hidden()
    # Live again, it stops reloading itself: a reload would forget this mark. Only waiting
    # past two reloads' worth of time shows that none comes.
    second.evaluate("window.stillThisPage = true")
    second.wait_for_timeout(LIVE_REFRESH_SECONDS * 2 * 1000 * 2 + 500)
    assert second.evaluate("window.stillThisPage === true")
