"""In Chromium: what the pages do by themselves without JavaScript while a download runs, the
header's strip of downloads, the addresses htmx pushes, and times in the browser's zone."""

import re
from datetime import UTC, datetime, timedelta

from tests.support.browser_harness import log_in
from tests.support.panel_page import (
    DOWNLOAD_DONE_MS,
    NOT_DOWNLOADED,
    expect,
    live_indicator,
    model_row,
)


def test_without_javascript_a_running_download_moves_on_by_reloading(open_page):
    page = open_page("operator", javascript=False)
    row = model_row(page, NOT_DOWNLOADED)
    row.get_by_role("button", name="Download").click()
    expect(row.locator(".badge")).to_have_text("downloading")
    expect(row.locator(".progress-numbers")).not_to_contain_text(
        re.compile(r"^\s*0\.0 %"), timeout=DOWNLOAD_DONE_MS
    )  # a reload showed it further on
    expect(row.locator(".badge")).to_have_text("downloaded", timeout=DOWNLOAD_DONE_MS)


def test_the_header_names_the_downloads_running_in_every_page(open_page):
    operator = open_page("operator")
    watcher = open_page("viewer", "/activity")
    expect(live_indicator(watcher)).to_be_visible()
    strip = watcher.locator("#downloads")
    expect(strip).to_be_empty()
    model_row(operator, NOT_DOWNLOADED).get_by_role("button", name="Download").click()
    expect(strip).to_contain_text("Downloading now: gemma-1.1-2b-it (operator)")
    strip.get_by_role("link", name="gemma-1.1-2b-it").click()
    expect(watcher).to_have_url(re.compile(rf"/models/{NOT_DOWNLOADED}$"))
    expect(watcher.locator("#downloads")).to_be_empty(timeout=DOWNLOAD_DONE_MS)


def test_filtering_pushes_an_address_without_empty_parameters(open_page):
    page = open_page("operator")
    page.get_by_label("State").select_option("loaded")
    expect(page).to_have_url(re.compile(r"/\?state=loaded$"))
    page.get_by_label("Search").fill("phi")
    expect(page).to_have_url(re.compile(r"/\?q=phi&state=loaded$"))


def test_times_are_shown_in_the_browsers_zone_with_utc_on_hover(chromium, panel_url):
    context = chromium.new_context(timezone_id="Asia/Kolkata")  # UTC+05:30, no daylight saving
    try:
        page = context.new_page()
        log_in(page, panel_url, "operator", "/activity")
        when = page.locator("#activity-list time").first
        utc = when.get_attribute("datetime")
        expected = datetime.fromisoformat(utc).astimezone(UTC) + timedelta(hours=5, minutes=30)
        expect(when).to_have_text(
            re.compile(re.escape(expected.strftime("%Y-%m-%d %H:%M:%S")) + r" (GMT\+5:30|IST)")
        )
        expect(when).to_have_attribute(
            "title", datetime.fromisoformat(utc).strftime("%Y-%m-%d %H:%M:%S") + " UTC"
        )
    finally:
        context.close()


def test_a_phone_shows_each_model_compactly_and_nothing_pokes_out(open_page):
    page = open_page("operator")
    page.set_viewport_size({"width": 360, "height": 740})
    rows = page.locator("#model-list tbody tr")
    expect(rows.first).to_be_visible()
    heights = [box["height"] for box in (rows.nth(index).bounding_box() for index in range(8))]
    # 330-420 px when every value had a line of its own; the longest names, after their label,
    # take two lines.
    assert max(heights) < 300, heights
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


_LABEL_BEFORE = """(cell) => getComputedStyle(cell, "::before").content"""


def test_on_a_phone_the_model_cell_has_its_label_like_the_others(open_page):
    page = open_page("operator")
    page.set_viewport_size({"width": 360, "height": 740})
    first_row = page.locator("#model-list tbody tr").first
    expect(first_row).to_be_visible()
    for label in ("Model", "Provider", "State"):
        cell = first_row.locator(f'td[data-label="{label}"]')
        assert cell.evaluate(_LABEL_BEFORE) == f'"{label}"'
    assert first_row.locator('td[data-label="Actions"]').evaluate(_LABEL_BEFORE) == "none"
