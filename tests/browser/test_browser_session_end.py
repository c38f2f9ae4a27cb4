"""In Chromium: a session ended elsewhere says why on the page, drops who the page was for from
its header and disables what can no longer work; a click after the end is not lost silently;
logging in again brings the person back to the page. Admins see who is online, and end a
session from the Users page."""

from tests.support.accounts import TEST_PASSWORD
from tests.support.panel_page import DOWNLOADED, expect, live_indicator, model_row


def change_role(admin, name: str, role: str) -> None:
    row = admin.locator("tr", has=admin.locator('td[data-label="Name"]', has_text=name))
    row.locator("select").select_option(role)
    row.get_by_role("button", name="Change").click()
    expect(admin.locator(".flash-success")).to_have_text(f"{name} is now {role}.")


def log_in_again(page, name: str) -> None:
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_the_page_says_why_disables_its_controls_and_leads_back(open_page, panel_url):
    page = open_page("operator", "/?q=phi")
    expect(live_indicator(page)).to_be_visible()
    change_role(open_page("admin", "/users"), "operator", "viewer")

    ended = page.locator("#session-ended")
    expect(ended).to_have_text(
        "Your session has ended: admin changed your role to viewer. Nothing on this page can "
        "be done any more: log in again to come back to it."
    )
    expect(page.locator("header")).not_to_contain_text("(operator)")
    row = model_row(page, DOWNLOADED)
    expect(row.get_by_role("button", name="Load")).to_be_disabled()
    expect(row.get_by_role("link", name="Delete files")).to_have_attribute("aria-disabled", "true")
    expect(page.get_by_role("searchbox")).to_be_disabled()

    ended.get_by_role("link", name="log in again").click()
    log_in_again(page, "operator")
    expect(page).to_have_url(f"{panel_url}/?q=phi")
    expect(page.locator("header")).to_contain_text("(viewer)")
    assert page.console.problems == []


def test_without_javascript_a_click_after_the_end_says_it_was_not_done(open_page, panel_url):
    page = open_page("operator", "/?q=phi", javascript=False)
    change_role(open_page("admin", "/users"), "operator", "viewer")
    model_row(page, DOWNLOADED).get_by_role("button", name="Load").click()
    expect(page).to_have_url(f"{panel_url}/login?next=/?q%3Dphi")
    expect(page.locator(".flash")).to_have_text(
        "Your session has ended: admin changed your role to viewer. What you just did was not "
        "done: log in, then do it again."
    )
    log_in_again(page, "operator")
    expect(page).to_have_url(f"{panel_url}/?q=phi")
    expect(model_row(page, DOWNLOADED).locator(".badge")).to_have_text("downloaded")


def test_an_admin_sees_who_is_online_and_ends_a_session(open_page):
    admin = open_page("admin", "/users")
    expect(live_indicator(admin)).to_be_visible()
    expect(admin.locator("#online")).to_have_text("Online now: admin")
    operator = open_page("operator")
    expect(live_indicator(operator)).to_be_visible()
    expect(admin.locator("#online")).to_have_text("Online now: admin, operator")
    expect(operator.locator("#online")).to_have_count(0)

    admin.reload()  # the Users page lists the operator's session now
    session = admin.locator("table.sessions tr", has_text="operator")
    expect(session.locator('td[data-label="Pages open"]')).to_have_text("1")
    session.get_by_role("button", name="End session").click()
    expect(admin.locator(".flash-success")).to_have_text("Ended a session of operator.")
    expect(operator.locator("#session-ended")).to_contain_text(
        "Your session has ended: admin ended it on the Users page."
    )
    expect(admin.locator("#online")).to_have_text("Online now: admin")


def test_on_a_phone_the_users_page_and_its_header_fit(open_page):
    admin = open_page("admin", "/users")
    open_page("operator")
    admin.set_viewport_size({"width": 360, "height": 740})
    admin.reload()
    expect(admin.locator("table.sessions tr", has_text="operator")).to_be_visible()
    assert admin.evaluate("document.documentElement.scrollWidth") <= 360
