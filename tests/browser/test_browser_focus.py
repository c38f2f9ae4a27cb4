"""In Chromium, by keyboard: focus stays on the row a person acted on (its next control), also
when the live socket replaces the row, and a rejected edit puts it on the first bad field."""

from tests.support.panel_page import (
    CUSTOM,
    DOWNLOAD_DONE_MS,
    DOWNLOADED,
    NOT_DOWNLOADED,
    expect,
    live_indicator,
    mark_page,
    model_row,
    still_marked,
)

#: The row as the live socket has just put it in the page: htmx has not taken its forms over yet.
_ROW_AS_JUST_SWAPPED_IN = """(id) => {
  const row = document.getElementById(id);
  row.outerHTML = row.outerHTML.replaceAll(' data-htmx-powered="true"', "");
}"""


def test_after_an_action_focus_is_on_the_rows_next_control(open_page):
    page = open_page("operator")
    expect(live_indicator(page)).to_be_visible()
    row = model_row(page, DOWNLOADED)
    row.get_by_role("button", name="Load").focus()
    page.keyboard.press("Enter")
    expect(row.locator(".badge")).to_have_text("loaded")
    expect(row.get_by_role("button", name="Unload")).to_be_focused()
    page.keyboard.press("Enter")
    expect(row.locator(".badge")).to_have_text("downloaded")
    expect(row.get_by_role("button", name="Load")).to_be_focused()


def test_enter_on_a_row_htmx_has_not_taken_over_yet_acts_in_place(open_page):
    page = open_page("operator")
    expect(live_indicator(page)).to_be_visible()
    mark_page(page)
    page.evaluate(_ROW_AS_JUST_SWAPPED_IN, f"model-{DOWNLOADED}")
    row = model_row(page, DOWNLOADED)
    row.get_by_role("button", name="Load").focus()
    page.keyboard.press("Enter")
    expect(row.locator(".badge")).to_have_text("loaded")
    expect(row.get_by_role("button", name="Unload")).to_be_focused()
    assert still_marked(page), "the form was submitted as a plain page load"


def test_focus_survives_the_live_socket_replacing_the_row(open_page):
    page = open_page("operator")
    expect(live_indicator(page)).to_be_visible()
    row = model_row(page, NOT_DOWNLOADED)
    row.get_by_role("button", name="Download").focus()
    page.keyboard.press("Enter")
    cancel = row.get_by_role("button", name="Cancel download")
    expect(cancel).to_be_focused()
    # The download ends: the live socket sends the whole row again, with other buttons.
    expect(row.locator(".badge")).to_have_text("downloaded", timeout=DOWNLOAD_DONE_MS)
    expect(row.get_by_role("button", name="Load")).to_be_focused()


def test_a_rejected_edit_puts_focus_on_the_first_bad_field(open_page):
    page = open_page("admin", f"/models/{CUSTOM}/edit")
    page.get_by_label("Version").fill("not a version")
    page.get_by_label("Total").fill("many")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("nothing was saved")
    expect(page.get_by_label("Version")).to_be_focused()
