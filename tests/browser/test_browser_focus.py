"""In Chromium, by keyboard: focus stays on the row a person acted on (its next control), also
when the live socket replaces the row, and a rejected edit puts it on the first bad field."""
from tests.support.panel_page import (
    CUSTOM,
    DOWNLOAD_DONE_MS,
    DOWNLOADED,
    NOT_DOWNLOADED,
    expect,
    live_indicator,
    model_row,
)

_RECORD_FOCUSED_FORMS = """() => {
  window.focusedForms = [];
  document.addEventListener("focusin", (event) => {
    const form = event.target.form;
    if (form) window.focusedForms.push(form.hasAttribute("data-htmx-powered"));
  });
}"""


def test_after_an_action_focus_is_on_the_rows_next_control(open_page):
    page = open_page("operator")
    expect(live_indicator(page)).to_be_visible()
    page.evaluate(_RECORD_FOCUSED_FORMS)
    row = model_row(page, DOWNLOADED)
    row.get_by_role("button", name="Load").focus()
    page.keyboard.press("Enter")
    expect(row.locator(".badge")).to_have_text("loaded")
    expect(row.get_by_role("button", name="Unload")).to_be_focused()
    page.keyboard.press("Enter")
    expect(row.locator(".badge")).to_have_text("downloaded")
    expect(row.get_by_role("button", name="Load")).to_be_focused()
    # Focus came back only once htmx handled the button's form: Enter pressed at once would
    # otherwise have submitted it as a plain page load.
    handled = page.evaluate("window.focusedForms")
    assert len(handled) >= 3 and all(handled), handled


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
