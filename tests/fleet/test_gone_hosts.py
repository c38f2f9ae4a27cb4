"""The open pages of a host an admin removes, renames or moves on the Hosts page: a page whose
URL no longer leads to its host is told why and where to go, and its socket closes for good
(4404: browsers do not reconnect); every other page reconnects (1012), to the host now there."""

import pytest

from tests.fleet.test_host_roles import limit
from tests.support.accounts import cookie_header, login_over_http
from tests.support.live_page import LivePage, since_of
from tests.support.models import CONFIRMED
from tests.support.panel_fixtures import FLEET
from tests.support.servers import serve_in_thread
from webapp.live.fanout import SERVICE_RESTART
from webapp.live.gone import HOST_GONE


@pytest.fixture
def served(fleet_panel, simulator):
    """The fleet panel served on loopback, an admin's session, and ``open_page(path, who)``
    (the admin's page, unless ``who`` names another account)."""
    server = serve_in_thread(fleet_panel)
    admin = login_over_http(server.url, "admin")
    sessions = {"admin": admin}
    pages: list[LivePage] = []
    fleet = fleet_panel.extensions["fleet"]

    def open_page(path: str, who: str = "admin", since: str | None = None) -> LivePage:
        """The socket of ``path`` as ``who`` renders it now (or as rendered at ``since``)."""
        name = path.split("/")[2] if path.startswith("/hosts/") else fleet.default.name
        host = fleet.get(name)
        before = host.viewer_count
        if who not in sessions:
            sessions[who] = login_over_http(server.url, who)
        rendered = ""
        if since is None:
            rendered = sessions[who].get(f"{server.url}{path}", timeout=10).text
            since = since_of(rendered)
        page = LivePage(server.url, path, cookie=cookie_header(sessions[who]), since=since)
        page.rendered = rendered
        pages.append(page)
        simulator.wait_until(lambda: host.viewer_count > before, what="the page to register")
        return page

    def post(path: str, **form) -> None:
        answer = admin.post(f"{server.url}{path}", data=form, allow_redirects=False, timeout=10)
        assert answer.status_code == 303, answer.text

    yield post, open_page
    for page in pages:
        page.close()
    server.stop()


def farewell(page: LivePage) -> str:
    """What the page was told before its socket closed for good."""
    code, _reason = page.close_frame()
    assert code == HOST_GONE
    return next(text for text in page.received if 'id="host-gone"' in text)


def test_the_pages_of_a_removed_host_say_so_and_stop(served):
    post, open_page = served
    listed, detail = open_page(f"/hosts/{FLEET[1]}/"), open_page(f"/hosts/{FLEET[1]}/models/x")
    post(f"/hosts/{FLEET[1]}/remove", **CONFIRMED)
    for page in (listed, detail):
        said = farewell(page)
        assert f"admin removed the host {FLEET[1]} from the panel" in said
        assert 'href="/">The models of the panel' in said
        # The header's downloads, which the page no longer follows, leave it.
        assert '<div id="downloads" class="downloads" hx-swap-oob="true"></div>' in said


def test_removing_the_first_host_ends_its_pages_and_the_others_reconnect(served):
    post, open_page = served
    listed, activity = open_page("/"), open_page("/activity")
    post(f"/hosts/{FLEET[0]}/remove", **CONFIRMED)
    assert f"removed the host {FLEET[0]}" in farewell(listed)
    assert activity.close_frame()[0] == SERVICE_RESTART  # a page of no host: it reconnects,
    open_page("/activity")  # to the new first host


def test_the_pages_of_a_renamed_host_are_told_where_they_are_now(served):
    post, open_page = served
    detail = open_page(f"/hosts/{FLEET[1]}/models/x?from=list")
    post(f"/hosts/{FLEET[1]}/change", name="gpu-2")
    said = farewell(detail)
    assert f"admin renamed the host {FLEET[1]} to gpu-2" in said
    assert 'href="/hosts/gpu-2/models/x?from=list"' in said
    open_page("/hosts/gpu-2/models/x?from=list")


def test_an_operator_of_a_renamed_host_reads_its_new_name_in_its_open_pages_headers(
    served, fleet_panel
):
    post, open_page = served
    limit(fleet_panel, "operator", FLEET[1])
    elsewhere = open_page("/activity", "operator")  # a page of no host: it stays open
    post(f"/hosts/{FLEET[1]}/change", name="gpu-2")
    standing = elsewhere.read_until(lambda text: 'id="standing"' in text, "the new standing")
    assert "(operator on gpu-2)" in standing


def test_an_operator_of_a_removed_host_reads_the_hosts_left_in_its_open_pages_headers(
    served, fleet_panel
):
    post, open_page = served
    limit(fleet_panel, "operator", *FLEET)
    elsewhere = open_page("/activity", "operator")
    post(f"/hosts/{FLEET[1]}/remove", **CONFIRMED)
    standing = elsewhere.read_until(lambda text: 'id="standing"' in text, "the new standing")
    assert f"(operator on {FLEET[0]})" in standing


def test_renaming_the_first_host_leaves_its_pages_without_prefix_live(served):
    post, open_page = served
    unprefixed, named = open_page("/"), open_page(f"/hosts/{FLEET[0]}/")
    post(f"/hosts/{FLEET[0]}/change", name="main")
    assert 'href="/hosts/main/"' in farewell(named)
    assert unprefixed.close_frame()[0] == SERVICE_RESTART
    open_page("/")  # reconnects, to the renamed host


def test_a_page_reconnecting_after_its_first_host_was_renamed_reads_the_new_name(
    served, fleet_panel
):
    """Its header named the first host as it was: the page, live again on the renamed host, is
    sent its person's standing as it reads now."""
    post, open_page = served
    limit(fleet_panel, "operator", *FLEET)
    page = open_page("/", "operator")
    post(f"/hosts/{FLEET[0]}/change", name="main")
    assert page.close_frame()[0] == SERVICE_RESTART
    assert f'<h1>Models on <span class="page-host">{FLEET[0]}</span></h1>' in page.rendered
    again = open_page("/", "operator", since=page.since)
    renamed = again.read_until(lambda text: 'id="standing"' in text, "the new standing")
    assert f"(operator on {FLEET[1]} and main)" in renamed
    assert '<span hx-swap-oob="innerHTML:.page-host">main</span>' in renamed  # its heading


def test_the_pages_of_a_moved_host_reconnect_to_its_new_address(served, simulator_factory):
    post, open_page = served
    page = open_page(f"/hosts/{FLEET[1]}/")
    post(f"/hosts/{FLEET[1]}/change", url=simulator_factory().url)
    assert page.close_frame()[0] == SERVICE_RESTART
    assert not any('id="host-gone"' in text for text in page.received)
    open_page(f"/hosts/{FLEET[1]}/")
