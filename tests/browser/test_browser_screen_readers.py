"""In Chromium, as a screen reader or keyboard user meets the pages: one status area says what
changed (a new state, how a download ended, a model page's progress by tens), never each frame;
a skip link comes first; form fields' edges are visible enough in both colour schemes."""

import re

from tests.support.panel_page import (
    DOWNLOAD_DONE_MS,
    NOT_DOWNLOADED,
    expect,
    live_indicator,
    model_row,
)

#: Every text the page's status area (#announcer) takes, in order.
RECORD_ANNOUNCEMENTS = """() => {
  window.announced = [];
  const announcer = document.getElementById("announcer");
  new MutationObserver(() => window.announced.push(announcer.textContent)).observe(
    announcer, { childList: true, characterData: true, subtree: true });
}"""


def announcements(page) -> list[str]:
    return page.evaluate("window.announced")


def test_a_list_announces_state_changes_not_progress(open_page):
    operator = open_page("operator")
    listener = open_page("viewer")
    expect(live_indicator(listener)).to_be_visible()
    assert listener.locator("[aria-live]").count() == 0  # no region that reads every frame
    expect(listener.locator("#announcer")).to_have_attribute("role", "status")
    listener.evaluate(RECORD_ANNOUNCEMENTS)
    model_row(operator, NOT_DOWNLOADED).get_by_role("button", name="Download").click()
    expect(model_row(listener, NOT_DOWNLOADED).locator(".badge")).to_have_text(
        "downloaded", timeout=DOWNLOAD_DONE_MS
    )
    # States, never progress; how the download ended is said once. (The row's new state and the
    # ending usually come in one message; when Pieces OS's list tells of the model before its
    # progress socket tells of the end, "downloaded" is said just before: a known race.)
    expect(listener.locator("#announcer")).to_have_text("gemma-1.1-2b-it: Download completed.")
    said = announcements(listener)
    assert said[0] == "gemma-1.1-2b-it: downloading"
    assert said[-1] == "gemma-1.1-2b-it: Download completed."
    assert set(said[1:-1]) <= {"gemma-1.1-2b-it: downloaded"} and len(said) <= 3, said


def test_a_models_page_announces_its_progress_by_tens(open_page):
    page = open_page("operator", f"/models/{NOT_DOWNLOADED}")
    expect(live_indicator(page)).to_be_visible()
    page.evaluate(RECORD_ANNOUNCEMENTS)
    page.get_by_role("button", name="Download").click()
    expect(page.locator("#announcer")).to_have_text(
        "gemma-1.1-2b-it: Download completed.", timeout=DOWNLOAD_DONE_MS
    )
    said = announcements(page)
    steps = [
        int(found[1])
        for text in said
        if (found := re.fullmatch(r"gemma-1\.1-2b-it: (\d+) % downloaded", text))
    ]
    assert steps == sorted(set(steps)) and len(steps) >= 3 and all(s % 10 == 0 for s in steps)
    assert len(said) <= 13, said  # a few words, never one per frame


def test_the_skip_link_is_the_first_stop_and_leads_to_the_content(open_page):
    page = open_page("operator")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # The next stop is in the content: the machine card's first link, to a loaded model.
    page.keyboard.press("Tab")
    expect(page.locator("#loaded-models a").first).to_be_focused()


CONTRAST = """(element) => {
  const channels = (color) => color.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const luminance = (color) => {
    const [r, g, b] = channels(color).map((c) => {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const around = (node) => {
    for (let parent = node.parentElement; parent; parent = parent.parentElement) {
      const color = getComputedStyle(parent).backgroundColor;
      if (!color.startsWith("rgba(0, 0, 0, 0)")) return color;
    }
    return getComputedStyle(document.body).backgroundColor;
  };
  const [a, b] = [luminance(getComputedStyle(element).borderTopColor), luminance(around(element))];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def test_form_fields_edges_have_3_to_1_contrast_in_both_schemes(open_page):
    page = open_page("operator")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for field in (page.get_by_label("Search"), page.get_by_label("State")):
            assert field.evaluate(CONTRAST) >= 3, scheme
