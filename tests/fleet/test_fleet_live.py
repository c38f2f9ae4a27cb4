"""The fleet page live, over real sockets: one per host, each following its host's cells and
column head, none hearing of another host; a bulk download's progress reaches both columns;
each host counts the page's socket against its quotas."""

import re

import pytest

from tests.support.accounts import cookie_header, login_over_http
from tests.support.live_page import LivePage
from tests.support.panel_fixtures import FLEET
from tests.support.servers import serve_in_thread
from webapp.fleet.matrix import cell_id, row_changed_id
from webapp.live.fanout import SERVICE_RESTART
from webapp.live.route import TRY_AGAIN_LATER
from webapp.simulator.catalogue import model_id

SLOW = {"download_seconds": 1.5, "tick_seconds": 0.05}
NOT_DOWNLOADED = model_id("gemma-1.1-2b-it")
LOADED = model_id("Llama-3 8B Instruct")  # 5.8 GB of the 8 GB of gpu-1


@pytest.fixture
def served_fleet(simulator_factory, panel_factory):
    """Two simulators and ``serve(**config)``: a panel of both as two hosts served on loopback,
    with an operator logged in and ``open_fleet(host)``, the socket the fleet page opens on that
    host (as rendered now)."""
    first, second = simulator_factory(**SLOW), simulator_factory(memory_gb=8, **SLOW)
    servers, pages = [], []

    def serve(**config):
        hosts = ((FLEET[0], first.url), (FLEET[1], second.url))
        app = panel_factory(PIECES_OS_HOSTS=hosts, **config)
        for host in app.extensions["fleet"].hosts.values():
            host.refresh_now()  # (the models came: told to the pages before they open)
        server = serve_in_thread(app)
        servers.append(server)
        browser = login_over_http(server.url, "operator")

        def open_fleet(host: str) -> LivePage:
            live_host = app.extensions["fleet"].get(host)
            rendered = browser.get(f"{server.url}/fleet", timeout=10).text
            socket = f"/hosts/{host}/live" if host != FLEET[0] else "/live"
            mark = re.search(rf'hx-ws:connect="{socket}\?[^"]*since=([0-9a-f]+-[0-9]+)"', rendered)
            before = live_host.viewer_count
            page = LivePage(
                server.url,
                "/fleet",
                cookie=cookie_header(browser),
                since=mark[1],
                socket_host=host if host != FLEET[0] else None,
            )
            pages.append(page)
            first.wait_until(lambda: live_host.viewer_count > before, what="the page to register")
            return page

        return app, server.url, browser, open_fleet, pages

    yield first, second, serve
    for page in pages:
        page.close()
    for server in servers:
        server.stop()


def cells_of(page: LivePage, host: str, model: str) -> list[str]:
    return [text for text in page.received if f'id="{cell_id(host, model)}"' in text]


def test_a_bulk_download_moves_each_hosts_cell_on_that_hosts_socket_alone(served_fleet):
    _first, _second, serve = served_fleet
    _app, url, browser, open_fleet, _pages = serve()
    build_box, gpu = open_fleet(FLEET[0]), open_fleet(FLEET[1])
    answer = browser.post(
        f"{url}/fleet/bulk",
        data={
            "model": NOT_DOWNLOADED,
            "action": "download",
            "host": list(FLEET),
            "confirmed": "yes",
        },
        timeout=20,
    )
    assert answer.status_code == 200
    for page, host in ((build_box, FLEET[0]), (gpu, FLEET[1])):
        page.read_until(
            lambda text, host=host: (
                f'id="{cell_id(host, NOT_DOWNLOADED)}"' in text
                and "downloading" in text
                and "<progress" in text
            ),
            f"the download's progress on {host}",
        )
        page.read_until(
            lambda text, host=host: (
                f'id="{cell_id(host, NOT_DOWNLOADED)}"' in text and ">downloaded</a>" in text
            ),
            f"the download's end on {host}",
        )
    for page, host in ((build_box, FLEET[0]), (gpu, FLEET[1])):
        heads = [text for text in page.received if f'id="fleet-head-{host}"' in text]
        assert [text for text in heads if "1 downloading" in text]
        assert "downloading" not in heads[-1]
    for page, other in ((build_box, FLEET[1]), (gpu, FLEET[0])):
        assert cells_of(page, other, NOT_DOWNLOADED) == []
        assert not [text for text in page.received if f'id="fleet-head-{other}"' in text]
        assert not [
            text for text in page.received if 'id="model-' in text or 'id="progress-' in text
        ]
    # The page's frame (the header's downloads, the footer) comes from the first host alone.
    assert [text for text in build_box.received if 'id="downloads"' in text]
    assert not [text for text in gpu.received if 'id="downloads"' in text or 'id="footer"' in text]


def test_a_host_that_stops_answering_marks_its_own_column_only(served_fleet):
    _first, second, serve = served_fleet
    _app, _url, _browser, open_fleet, _pages = serve()
    build_box, gpu = open_fleet(FLEET[0]), open_fleet(FLEET[1])
    second.stop_answering()
    gpu.read_until(
        lambda text: f'id="fleet-head-{FLEET[1]}"' in text and "not reachable" in text,
        "the column's head saying so",
    )
    second.answer_again()
    gpu.read_until(
        lambda text: f'id="fleet-head-{FLEET[1]}"' in text and "fleet-up" in text,
        "the column's head saying it answers again",
    )
    assert not [text for text in build_box.received if "not reachable" in text]


def test_a_columns_head_follows_its_hosts_memory(served_fleet):
    _first, _second, serve = served_fleet
    _app, url, browser, open_fleet, _pages = serve()
    gpu = open_fleet(FLEET[1])
    unloaded = browser.post(
        f"{url}/hosts/{FLEET[1]}/models/{LOADED}/unload",
        data={"confirmed": "yes"},
        headers={"HX-Request": "true"},
        timeout=10,
    )
    assert unloaded.status_code == 200
    gpu.read_until(
        lambda text: (
            f'id="fleet-head-{FLEET[1]}"' in text and "8.00 GB of 8.00 GB RAM left" in text
        ),
        "the column's head with the memory freed",
    )


def test_a_host_added_or_removed_makes_fleet_pages_fetch_their_columns_again(served_fleet):
    first, _second, serve = served_fleet
    app, _url, _browser, open_fleet, _pages = serve()
    build_box, gpu = open_fleet(FLEET[0]), open_fleet(FLEET[1])
    fleet = app.extensions["fleet"]
    fleet.remove(FLEET[1], by="admin")
    build_box.read_until(lambda text: f'id="fleet-changed-{FLEET[0]}"' in text, "word of it")
    # The removed host's socket closes as on a restart: the page's new matrix has no such
    # column (a page of that host alone is told it is gone, and stops).
    assert gpu.close_frame()[0] == SERVICE_RESTART
    changed = len(build_box.received)
    fleet.add("laptop", first.url)
    build_box.read_until(lambda text: f'id="fleet-changed-{FLEET[0]}"' in text, "word of it")
    assert len(build_box.received) > changed


def test_each_host_counts_the_fleet_pages_socket_against_its_quotas(served_fleet):
    _first, _second, serve = served_fleet
    app, url, browser, open_fleet, pages = serve(LIVE_SOCKETS_PER_ACCOUNT=1)
    open_fleet(FLEET[1])  # the account's one socket on gpu-1
    list_page = LivePage(url, "/", cookie=cookie_header(browser))
    pages.append(list_page)
    host = app.extensions["fleet"].get(FLEET[0])
    _first.wait_until(lambda: host.viewer_count == 1, what="the list page to register")
    refused = LivePage(url, "/fleet", cookie=cookie_header(browser))
    pages.append(refused)
    assert refused.close_frame()[0] == TRY_AGAIN_LATER
    again = LivePage(url, "/fleet", cookie=cookie_header(browser), socket_host=FLEET[1])
    pages.append(again)
    assert again.close_frame()[0] == TRY_AGAIN_LATER


def test_every_hosts_pages_count_against_the_panels_one_budget_of_sockets(served_fleet):
    """LIVE_SOCKETS_TOTAL bounds the process's sockets (file descriptors), whatever their host."""
    first, _second, serve = served_fleet
    app, url, browser, open_fleet, pages = serve(LIVE_SOCKETS_TOTAL=2)
    on_first = open_fleet(FLEET[0])
    open_fleet(FLEET[1])
    refused = LivePage(url, f"/hosts/{FLEET[1]}/", cookie=cookie_header(browser))
    pages.append(refused)
    code, reason = refused.close_frame()
    assert code == TRY_AGAIN_LATER and "as many live pages as it can" in reason
    on_first.close()  # its place is given back
    budget = app.extensions["fleet"].sockets

    def a_place_is_free() -> bool:
        free = budget.take()
        if free:
            budget.give_back()
        return free

    first.wait_until(a_place_is_free, what="the page's place to be given back")
    open_fleet(FLEET[0])


def test_a_models_row_head_is_fetched_again_when_its_state_on_a_host_changed(served_fleet):
    """The bulk forms span every host and the person's hosts: a host's socket says when what
    the model allows there changed (not at each step of a download), and the row head the
    page then fetches offers what it allows now."""
    _first, _second, serve = served_fleet
    _app, url, browser, open_fleet, _pages = serve()
    page = open_fleet(FLEET[0])
    row_changed = f'id="{row_changed_id(NOT_DOWNLOADED)}"'
    before = browser.get(f"{url}/fleet/models/{NOT_DOWNLOADED}/head", timeout=10).text
    assert "bulk-download" in before and "bulk-load" not in before
    started = browser.post(
        f"{url}/models/{NOT_DOWNLOADED}/download", data={"confirmed": "yes"}, timeout=10
    )
    assert started.status_code == 200
    page.read_until(
        lambda text: (
            f'id="{cell_id(FLEET[0], NOT_DOWNLOADED)}"' in text and ">downloaded</a>" in text
        ),
        "the download's end",
    )
    told = [text for text in page.received if row_changed in text]
    assert len(told) == 2  # downloading, then downloaded: not at each step between
    head_url = re.search(r'hx-get="([^"]+)"', told[-1])[1]
    assert 'hx-target="closest th"' in told[-1]
    head = browser.get(f"{url}{head_url}", headers={"HX-Request": "true"}, timeout=10).text
    assert head.lstrip().startswith('<th scope="row"')
    assert "bulk-load" in head and "bulk-delete-files" in head
    # Download stays offered on gpu-1 alone: on build-box its box is disabled.
    assert f'value="{FLEET[0]}" disabled' in head and f'value="{FLEET[1]}">' in head
    assert browser.get(f"{url}/fleet/models/nowhere/head", timeout=10).status_code == 204
