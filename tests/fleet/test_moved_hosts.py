"""A host given a new address on the Hosts page: its new loop takes over what the old one
followed (a download going on at the new address is followed on, one it does not have ends at
once, told to who started it), and its pages, reconnecting, are sent all they show."""

import re
from contextlib import closing

import pytest

from tests.support.accounts import cookie_header, login_over_http
from tests.support.live_page import LivePage, since_of
from tests.support.models import model_in_state
from tests.support.panel_fixtures import FLEET
from tests.support.servers import serve_in_thread
from webapp.db import connect
from webapp.live.fanout import SERVICE_RESTART

SLOW = {"download_seconds": 30, "tick_seconds": 0.05}
HOST = f"/hosts/{FLEET[1]}/"


@pytest.fixture
def moving(simulator_factory, panel_factory):
    """The fleet panel served, its second host on a slow simulator; ``open_page(since)`` opens
    the operator's page of that host, ``move(url)`` gives the host a new address (as admin)."""
    first, second = simulator_factory(**SLOW), simulator_factory(memory_gb=8, **SLOW)
    app = panel_factory(PIECES_OS_HOSTS=((FLEET[0], first.url), (FLEET[1], second.url)))
    server = serve_in_thread(app)
    fleet = app.extensions["fleet"]
    admin, operator = login_over_http(server.url, "admin"), login_over_http(server.url, "operator")
    pages: list[LivePage] = []

    def open_page(since: str | None = None) -> LivePage:
        host = fleet.get(FLEET[1])
        before = host.viewer_count
        page = LivePage(server.url, HOST, cookie=cookie_header(operator), since=since)
        pages.append(page)
        second.wait_until(lambda: host.viewer_count > before, what="the page to register")
        return page

    def move(url: str) -> None:
        answer = admin.post(
            f"{server.url}{HOST}change", data={"url": url}, allow_redirects=False, timeout=10
        )
        assert answer.status_code == 303, answer.text

    def download_entries() -> list[tuple[str, str, str]]:
        with closing(connect(app.config["DATABASE"])) as connection:
            query = "SELECT user, outcome, detail FROM activity WHERE action = 'download'"
            return [tuple(row) for row in connection.execute(query)]

    yield second, server.url, operator, open_page, move, download_entries
    for page in pages:
        page.close()
    server.stop()


def start_download(second, panel_url, operator, page) -> str:
    model = model_in_state(second, "not downloaded")
    operator.post(
        f"{panel_url}{HOST}models/{model.id}/download",
        data={"next": HOST},
        headers={"HX-Request": "true"},
        timeout=10,
    ).raise_for_status()
    page.read_until(lambda text: "<progress" in text, "the download's progress")
    return model.id


def test_a_download_the_new_address_does_not_have_ends_at_once_and_its_starter_is_told(
    moving, simulator_factory
):
    second, url, operator, open_page, move, download_entries = moving
    mark = since_of(operator.get(f"{url}{HOST}", timeout=10).text)
    page = open_page(mark)
    model_id = start_download(second, url, operator, page)
    second.stop_answering()
    elsewhere = simulator_factory(memory_gb=8, **SLOW)
    move(elsewhere.url)
    assert page.close_frame()[0] == SERVICE_RESTART
    reconnected = open_page(mark)  # as the browser does, with the mark it was rendered at
    lost = f"lost at [0-9.]+ %: {FLEET[1]} moved to {re.escape(elsewhere.url)}, which has no such"
    notice = reconnected.read_until(lambda text: "work-notice" in text, "the work notice")
    assert re.search(f"Download of [^<]+ {lost} download\\.", notice), notice
    assert f'data-model="{model_id}"' in notice
    ((user, outcome, detail),) = download_entries()
    assert (user, outcome) == ("operator", "failed")
    assert re.fullmatch(f"Download {lost} download\\.", detail), detail


def test_a_download_going_on_at_the_new_address_is_followed_on(moving):
    second, url, operator, open_page, move, download_entries = moving
    page = open_page()
    model_id = start_download(second, url, operator, page)
    second.restart_on_another_port()  # the same Pieces OS, downloading on
    move(second.url)
    assert page.close_frame()[0] == SERVICE_RESTART
    reconnected = open_page()
    reconnected.read_until(lambda text: f"progress-{model_id}" in text, "the progress going on")
    second.wait_until(lambda: second.open_sockets(model_id) == 1, what="one progress socket")
    assert download_entries() == [("operator", "pending", "Downloading…")]


def test_a_list_page_reconnecting_to_the_new_address_shows_its_list_as_of_now(
    moving, simulator_factory
):
    second, url, operator, open_page, move, _entries = moving
    host_lists(url, operator)
    second.stop_answering()
    rendered = operator.get(f"{url}{HOST}?q=Phi", timeout=10).text
    assert "last known" in rendered and re.search(
        r"Showing [0-9]+ of [0-9]+ models, as of ", rendered
    )
    elsewhere = simulator_factory(memory_gb=8, **SLOW)
    move(elsewhere.url)
    host_lists(url, operator)
    page = LivePage(url, f"{HOST}?q=Phi", cookie=cookie_header(operator), since=since_of(rendered))
    try:
        page.read_until(lambda text: 'id="summary"' in text, "the page's whole state")
        (listed,) = [text for text in page.received if 'id="model-list"' in text]
        assert "last known" not in listed
        assert re.search(r"Showing [0-9]+ of [0-9]+ models\.", listed), listed
    finally:
        page.close()


def host_lists(url: str, operator) -> None:
    """The host at its new address lists its models (a page of it asks for them)."""
    html = operator.get(f"{url}{HOST}", timeout=10).text
    assert "last known" not in html and "has not listed its models yet" not in html
