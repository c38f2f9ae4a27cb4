"""One live state per host: a host's pages follow its downloads (one upstream socket per
download, whatever the number of pages), and nothing of one host reaches another's pages."""

import pytest

from tests.support.accounts import cookie_header, login_over_http
from tests.support.live_page import LivePage
from tests.support.models import model_in_state, upstream_model
from tests.support.panel_fixtures import FLEET
from tests.support.servers import serve_in_thread

SLOW = {"download_seconds": 1.5, "tick_seconds": 0.05}


@pytest.fixture
def served_fleet(simulator_factory, panel_factory):
    first, second = simulator_factory(**SLOW), simulator_factory(memory_gb=8, **SLOW)
    app = panel_factory(PIECES_OS_HOSTS=((FLEET[0], first.url), (FLEET[1], second.url)))
    server = serve_in_thread(app)
    browser = login_over_http(server.url, "operator")
    pages: list[LivePage] = []

    def open_page(path: str) -> LivePage:
        host = app.extensions["fleet"].get(FLEET[1] if path.startswith("/hosts/") else FLEET[0])
        before = host.viewer_count
        page = LivePage(server.url, path, cookie=cookie_header(browser))
        pages.append(page)
        first.wait_until(lambda: host.viewer_count > before, what="the page to register")
        return page

    yield first, second, server.url, browser, open_page
    for page in pages:
        page.close()
    server.stop()


def test_a_hosts_download_reaches_its_pages_over_one_upstream_socket_and_no_other_host(
    served_fleet,
):
    first, second, url, browser, open_page = served_fleet
    elsewhere = open_page("/")
    watching = [open_page(f"/hosts/{FLEET[1]}/") for _ in range(3)]
    model = model_in_state(second, "not downloaded")
    answer = browser.post(
        f"{url}/hosts/{FLEET[1]}/models/{model.id}/download",
        data={"next": "/"},
        headers={"HX-Request": "true"},
        timeout=10,
    )
    assert answer.status_code == 200
    watching[0].read_until(lambda text: "<progress" in text, "the download's progress")
    assert second.open_sockets(model.id) == 1
    for page in watching:
        page.read_until_row(model.id, "downloaded")
    # The other host's page hears of its own host's change, and never heard of this download.
    loaded = model_in_state(first, "downloaded")
    browser.post(
        f"{url}/models/{loaded.id}/load", headers={"HX-Request": "true"}, timeout=10
    ).raise_for_status()
    elsewhere.read_until_row(loaded.id, "loaded")
    not_downloaded = f'id="model-{model.id}" class="model-view" data-state="not downloaded"'
    seen_elsewhere = [text for text in elsewhere.received if f'id="model-{model.id}"' in text]
    assert all(not_downloaded in text for text in seen_elsewhere)
    assert first.stats()["requests"].get("download", 0) == 0


def test_a_host_that_stops_answering_marks_its_own_pages_only(served_fleet):
    _first, second, url, browser, _open_page = served_fleet
    second.stop_answering()
    down = browser.get(f"{url}/hosts/{FLEET[1]}/", timeout=10).text
    up = browser.get(f"{url}/", timeout=10).text
    assert "is not reachable" in down and "is not reachable" not in up


def test_the_end_of_a_download_on_another_host_reaches_the_activity_page(served_fleet):
    """The Activity page follows the first host's socket; what another host's loop writes to
    the log (a download's end) reaches it too."""
    _first, second, url, browser, open_page = served_fleet
    model = model_in_state(second, "not downloaded")
    browser.post(
        f"{url}/hosts/{FLEET[1]}/models/{model.id}/download",
        headers={"HX-Request": "true"},
        timeout=10,
    ).raise_for_status()
    activity = open_page("/activity")  # (after the request's own write)
    activity.read_until(lambda text: 'id="activity-changed"' in text, "the log's change")
    second.wait_until(lambda: upstream_model(second, model.id).downloaded, what="the end")
