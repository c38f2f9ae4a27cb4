"""Who is online now: admins' headers name the accounts with a page open (a live socket), and
follow as pages open and close; the Users page counts each session's open pages. Nobody else is
told."""

import re

from tests.support.accounts import cookie_header, login_over_http
from tests.support.live_page import LivePage

ONLINE = re.compile(r'<span id="online" class="online"[^>]*>.*?</a>:\s*(.*?)\s*</span>', re.S)


def online_in(html: str) -> str | None:
    found = ONLINE.search(html)
    return found[1] if found else None


def test_admins_see_who_has_a_page_open_as_it_changes(live):
    admin = login_over_http(live.url, "admin")
    assert online_in(admin.get(f"{live.url}/activity", timeout=5).text) == "nobody"
    operator_page = live.open_page()
    assert online_in(admin.get(f"{live.url}/activity", timeout=5).text) == "operator"

    admin_page = LivePage(live.url, "/activity", cookie=cookie_header(admin))
    live.pages.append(admin_page)
    admin_page.read_until(lambda text: online_in(text) == "admin, operator", "both online")
    operator_page.close()
    live.pages.remove(operator_page)
    admin_page.read_until(lambda text: online_in(text) == "admin", "the operator gone")
    assert not any('id="online"' in text for text in operator_page.received)


def test_the_users_page_counts_the_pages_each_session_has_open(live):
    live.open_page(), live.open_page("/activity")
    admin = login_over_http(live.url, "admin")
    html = admin.get(f"{live.url}/users", timeout=5).text
    operator_row = re.search(r"<td data-label=\"Account\">operator .*?</tr>", html, re.S)[0]
    assert '<td data-label="Pages open">2</td>' in operator_row
    admin_row = re.search(r"<td data-label=\"Account\">admin .*?</tr>", html, re.S)[0]
    assert '<td data-label="Pages open">0</td>' in admin_row


def test_operators_and_viewers_are_not_told(live):
    viewer = login_over_http(live.url, "viewer")
    live.open_page()
    for browser in (live.browser, viewer):
        assert 'id="online"' not in browser.get(f"{live.url}/", timeout=10).text
