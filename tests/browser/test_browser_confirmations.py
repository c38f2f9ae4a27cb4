"""In Chromium, with the keyboard: a confirmation opens with focus on its question, never on its
destructive button (Enter pressed twice deletes nothing), and "Keep it" brings focus back to
the control that opened it, in place and on a confirmation page of its own."""

from tests.support.panel_page import (
    DOWNLOADED,
    expect,
    live_indicator,
    mark_page,
    model_row,
    still_marked,
)


def test_in_place_enter_twice_deletes_nothing_and_keep_it_returns_focus(open_page):
    page = open_page("operator", "/?q=phi")
    mark_page(page)
    expect(live_indicator(page)).to_be_visible()
    row = model_row(page, DOWNLOADED)
    row.get_by_role("link", name="Delete files").focus()
    page.keyboard.press("Enter")
    question = row.locator(".confirm-question")
    expect(question).to_be_focused()
    page.keyboard.press("Enter")  # a second Enter: on the question, it does nothing
    expect(question).to_be_focused()
    expect(row.locator(".badge")).to_have_text("downloaded")

    page.keyboard.press("Tab")
    expect(row.get_by_role("button", name="Delete files")).to_be_focused()
    page.keyboard.press("Tab")
    expect(row.get_by_role("link", name="Keep it")).to_be_focused()
    page.keyboard.press("Enter")
    expect(row.locator(".confirm")).to_have_count(0)
    expect(row.get_by_role("link", name="Delete files")).to_be_focused()
    assert still_marked(page), "Keep it reloaded the page"
    expect(row.locator(".badge")).to_have_text("downloaded")
    assert page.console.problems == []


def test_a_confirmation_page_opens_on_its_question_and_keep_it_comes_back(open_page):
    page = open_page("admin", "/users")
    page.get_by_role("link", name="Remove viewer").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Are you sure?")).to_be_visible()
    expect(page.locator(".confirm-question")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Are you sure?")).to_be_visible()  # nothing sent

    page.get_by_role("link", name="Keep it").focus()
    page.keyboard.press("Enter")
    remove = page.get_by_role("link", name="Remove viewer")
    expect(remove).to_be_focused()
    assert "viewer" in page.locator('td[data-label="Name"]').all_inner_texts()
    assert page.console.problems == []
