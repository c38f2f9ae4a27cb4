"""In Chromium: a download you started tells you how it ended on whatever page you are by then,
offers browser notifications (asked only when you click for them), and a failed one offers a
retry that works in place.

Headless Chromium shows no system notifications, so the page's Notifications API is a recorder
(``window.Notification``, installed before the page's scripts): it says what the page asked.
"""

import requests

from tests.support.browser_harness import log_in
from tests.support.panel_page import (
    ALSO_NOT_DOWNLOADED,
    DOWNLOAD_DONE_MS,
    NOT_DOWNLOADED,
    expect,
    live_indicator,
    model_row,
)

#: The browser's Notifications API, recording; the permission given is kept for the tab (as a
#: browser keeps it for the site); the panel not in front (its tab in the background), when a
#: notification is worth showing.
RECORDED_NOTIFICATIONS = """
window.notified = [];
window.askedForPermission = 0;
class RecordedNotification {
  constructor(title, options) { window.notified.push({title, ...options}); }
  addEventListener() {}
}
RecordedNotification.permission = sessionStorage.getItem("permission") || "default";
RecordedNotification.requestPermission = () => {
  window.askedForPermission += 1;
  RecordedNotification.permission = "granted";
  sessionStorage.setItem("permission", "granted");
  return Promise.resolve("granted");
};
window.Notification = RecordedNotification;
document.hasFocus = () => false;
"""


def start_download(page, model: str) -> None:
    expect(live_indicator(page)).to_be_visible()
    model_row(page, model).get_by_role("button", name="Download").click()
    expect(model_row(page, model).locator("progress")).to_be_visible()


def test_a_download_is_told_on_the_page_you_moved_to_then_as_a_notification(open_page, panel_url):
    page = open_page("operator")
    page.add_init_script(RECORDED_NOTIFICATIONS)
    page.reload()
    start_download(page, NOT_DOWNLOADED)
    page.goto(f"{panel_url}/activity")  # elsewhere by the time it ends
    notice = page.locator(".work-notice")
    expect(notice).to_contain_text(
        "Download of gemma-1.1-2b-it completed.", timeout=DOWNLOAD_DONE_MS
    )
    # Said to screen readers in the page's one status area.
    expect(page.locator("#announcer")).to_have_text("Download of gemma-1.1-2b-it completed.")
    offer = notice.get_by_role("button", name="Also tell me in browser notifications")
    expect(offer).to_be_visible()
    assert page.evaluate("window.askedForPermission") == 0  # not before a click of theirs
    assert page.evaluate("window.notified") == []
    offer.click()
    expect(offer).to_be_hidden()
    assert page.evaluate("window.askedForPermission") == 1
    notice.get_by_role("button", name="Dismiss").click()
    expect(notice).to_have_count(0)

    page.goto(f"{panel_url}/")
    start_download(page, ALSO_NOT_DOWNLOADED)
    expect(page.locator(".work-notice")).to_contain_text(
        "Download of gemma-1.1-7b-it completed.", timeout=DOWNLOAD_DONE_MS
    )
    notified = page.evaluate("window.notified")
    assert [(shown["title"], shown["body"]) for shown in notified] == [
        ("Pieces OS model panel", "Download of gemma-1.1-7b-it completed.")
    ]
    assert notified[0]["tag"].startswith("work-notice-")  # one per notice, however many tabs
    assert not page.console.problems, page.console.problems


def test_a_failed_download_is_retried_from_its_notice(open_page, pieces_os):
    page, other = open_page("operator"), open_page("admin")
    elsewhere = open_page("operator", "/activity")  # the same person's other window
    expect(live_indicator(elsewhere)).to_be_visible()
    requests.post(  # (set before it starts: a download may end before a test acts on it)
        f"{pieces_os.url}/__sim/fail-next-download", json={"at_percentage": 30}, timeout=5
    ).raise_for_status()
    start_download(page, NOT_DOWNLOADED)
    notice = page.locator(".work-notice")
    expect(notice).to_contain_text("Download of gemma-1.1-2b-it failed at")
    notice.get_by_role("button", name="Retry the download").focus()
    page.keyboard.press("Enter")
    expect(notice).to_have_text(
        "Downloading gemma-1.1-2b-it again: you will be told how it ends. Dismiss"
    )
    expect(notice.get_by_role("button", name="Dismiss")).to_be_focused()  # not the page's top
    # The other window's notice no longer offers it: the download runs again.
    told = elsewhere.locator(".work-notice", has_text="Download of gemma-1.1-2b-it failed at")
    expect(told).to_have_count(1)
    expect(told.get_by_role("button", name="Retry the download")).to_have_count(0)
    expect(model_row(page, NOT_DOWNLOADED).locator("progress")).to_be_visible()
    expect(page.locator(".work-notice").last).to_contain_text(
        "Download of gemma-1.1-2b-it completed.", timeout=DOWNLOAD_DONE_MS
    )
    expect(other.locator(".work-notice")).to_have_count(0)  # the admin started none of it
    # Two notices: one button dismisses both; meanwhile the page has room at its end as tall
    # as the stack, so that nothing stays under it.
    room = page.evaluate("parseFloat(getComputedStyle(document.body).paddingBottom)")
    assert room >= page.locator(".work-notices-stack").bounding_box()["height"]
    page.get_by_role("button", name="Dismiss all").click()
    expect(page.locator(".work-notice")).to_have_count(0)
    expect(page.get_by_role("button", name="Dismiss all")).to_be_hidden()
    assert page.evaluate("getComputedStyle(document.body).paddingBottom") == "0px"
    for shown in (page, other, elsewhere):
        assert not shown.console.problems, shown.console.problems


def test_a_notice_follows_its_tab_until_dismissed_and_to_nobody_else(open_page, panel_url):
    page = open_page("operator")
    start_download(page, NOT_DOWNLOADED)
    notice = page.locator(".work-notice")
    expect(notice).to_contain_text(
        "Download of gemma-1.1-2b-it completed.", timeout=DOWNLOAD_DONE_MS
    )
    page.get_by_role("navigation").get_by_role("link", name="Activity").click()
    expect(page).to_have_url(f"{panel_url}/activity")
    expect(notice).to_have_count(1)  # the same notice, once, on the tab's next page
    expect(notice).to_contain_text("Download of gemma-1.1-2b-it completed.")
    page.get_by_role("navigation").get_by_role("link", name="Models").click()
    expect(notice).to_have_count(1)
    # The panel may send the next page a notice it carried already: it is shown once.
    page.evaluate(
        "document.getElementById('work-notices')"
        ".append(document.querySelector('.work-notice').cloneNode(true))"
    )
    expect(notice).to_have_count(1)
    # Whoever logs in next in this tab sees none of it.
    page.get_by_role("button", name="Log out").click()
    log_in(page, panel_url, "viewer", "/activity")
    expect(page.locator("#work-notices")).to_be_attached()
    expect(notice).to_have_count(0)
    assert not page.console.problems, page.console.problems
