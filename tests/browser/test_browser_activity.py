"""In Chromium: the activity log follows what people do while it is open, keeping the filters
chosen on the page, and a model's "Recent activity" too."""

import re

from tests.support.panel_page import (
    DOWNLOADED,
    expect,
    live_indicator,
    mark_page,
    model_row,
    still_marked,
)


def test_the_activity_page_shows_new_entries_with_the_filters_chosen_there(open_page):
    operator = open_page("operator")
    watcher = open_page("viewer", "/activity")
    expect(live_indicator(watcher)).to_be_visible()
    mark_page(watcher)
    # Filtered after the page opened (its live socket still has the old address).
    watcher.get_by_label("Action").select_option("load")
    expect(watcher).to_have_url(re.compile(r"action=load"))
    listed = watcher.locator("#activity-list tbody tr")
    expect(listed).to_have_count(0)

    row = model_row(operator, DOWNLOADED)
    row.get_by_role("button", name="Load").click()
    expect(row.locator(".badge")).to_have_text("loaded")
    expect(listed).to_have_count(1)
    expect(listed.first).to_contain_text("operator")
    # Unfiltered (the socket's address), the log would also list the logins.
    expect(watcher.locator("#activity-list")).to_contain_text("Entries 1–1 of 1")
    assert still_marked(watcher), "the Activity page was reloaded"
    assert watcher.console.problems == []


def test_a_models_recent_activity_follows_what_people_do(open_page):
    operator = open_page("operator")
    watcher = open_page("viewer", f"/models/{DOWNLOADED}")
    expect(live_indicator(watcher)).to_be_visible()
    history = watcher.locator("#history")
    expect(history).to_contain_text("Nobody has acted on this model")

    model_row(operator, DOWNLOADED).get_by_role("button", name="Load").click()
    expect(history.locator("tbody tr")).to_have_count(1)
    expect(history.locator("tbody tr").first).to_contain_text("operator")
    assert watcher.console.problems == []
