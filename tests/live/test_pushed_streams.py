"""Pieces OS's pushed streams: one upstream socket each per panel process while pages are open;
a change pushed reaches every page with a ``GET /model/{id}`` instead of the whole list, and
Ollama's install progress is shown as it moves."""

import requests

from tests.support.live_page import LivePage
from webapp.pieces.streams import changed_models, runtime_status
from webapp.simulator.catalogue import model_id

DOWNLOADED = model_id("Phi-3-mini-4k-instruct")


def stream_sockets(live, name: str) -> int:
    return live.simulator.stats()["stream_sockets"].get(name, 0)


def wait_for_streams(live) -> None:
    live.simulator.wait_until(
        lambda: stream_sockets(live, "identifiers") == 1 and stream_sockets(live, "ollama") == 1,
        what="both streams",
    )
    live.simulator.wait_until(
        lambda: live.hub.stream_connected("identifiers"),
        what="the panel to hear the identifiers stream",
    )


def test_one_upstream_socket_each_whatever_the_number_of_pages(live):
    pages = [live.open_page() for _ in range(4)] + [live.open_page(f"/models/{DOWNLOADED}")]
    wait_for_streams(live)
    assert (stream_sockets(live, "identifiers"), stream_sockets(live, "ollama")) == (1, 1)
    for page in pages:
        page.close()
    live.pages.clear()
    live.simulator.wait_until(
        lambda: stream_sockets(live, "identifiers") == 0 and stream_sockets(live, "ollama") == 0,
        what="the streams to close once nobody watches",
    )


def test_a_change_elsewhere_is_fetched_alone(live_factory):
    live = live_factory(LIVE_HEARTBEAT_SECONDS=30, LIVE_REFRESH_SECONDS=0.2)
    page = live.open_page()
    wait_for_streams(live)
    assert live.hub.refresh_seconds == 60  # the fallback while pushes arrive
    # A list asked for before the streams connected may still be on its way: let it land.
    live.simulator.wait_until(
        lambda: not live.hub.loop.ask(lambda: live.hub.watch.refreshing), what="no list asked"
    )
    before = live.simulator.stats()["requests"]
    # Another tool loads the model, behind the panel's back.
    requests.post(f"{live.simulator.url}/model/{DOWNLOADED}/load", timeout=5)
    page.read_until_row(DOWNLOADED, "loaded")
    after = live.simulator.stats()["requests"]
    assert after["get"] > before["get"]
    assert after["list"] == before["list"]  # nobody asked for the whole list


def test_the_snapshot_a_stream_opens_with_is_not_asked_for_model_by_model(live):
    """The identifiers socket first names every model (as the official streams do). The panel
    knows them from its list: it asks Pieces OS for none of them one by one."""
    listed = requests.get(f"{live.simulator.url}/models", timeout=5).json()["iterable"]
    page = live.open_page()  # the first page of an idle panel: the streams open
    wait_for_streams(live)
    # A change made now is pushed after the snapshot: once the page shows it, the panel has
    # taken the snapshot in.
    requests.post(f"{live.simulator.url}/model/{DOWNLOADED}/load", timeout=5)
    page.read_until_row(DOWNLOADED, "loaded")
    asked = live.simulator.stats()["requests"]
    assert len(listed) > 20 and asked["get"] == 1, asked  # the change alone
    assert asked["list"] <= 3  # the page's, the poll's and one since the stream connected


def test_a_model_only_the_snapshot_names_is_asked_for_alone(live):
    listed = requests.get(f"{live.simulator.url}/models", timeout=5).json()["iterable"]
    live.hub.fetch_models()  # what the panel knows
    newcomer = {**listed[-1], "id": "a-model-added-meanwhile", "name": "Added meanwhile"}
    live.simulator.control("POST", "models", newcomer)  # no change is pushed for it
    page = live.open_page()
    page.read_until(lambda text: "Added meanwhile" in text, "the model added meanwhile")
    assert live.simulator.stats()["requests"]["get"] <= 1


def test_ollama_install_progress_reaches_the_pages(live_factory):
    live = live_factory(
        {"download_seconds": 1.5, "tick_seconds": 0.05, "ollama": "missing"},
        LIVE_HEARTBEAT_SECONDS=30,
    )
    page: LivePage = live.open_page()
    wait_for_streams(live)
    for percentage in (10, 55):
        live.simulator.control("POST", "ollama", {"state": "installing", "percentage": percentage})
        page.read_until(
            lambda text, p=percentage: (
                'id="machine"' in text
                and f"Ollama 0.5.7: installing ({p} %)" in " ".join(text.split())
            ),
            f"installing at {percentage} %",
        )
    live.simulator.control("POST", "ollama", {"state": "installed"})
    page.read_until(lambda text: "Ollama 0.5.7: ready" in " ".join(text.split()), "ready")


def test_stream_messages_are_read_leniently():
    assert changed_models(
        '{"iterable": [{"model": {"id": "a"}}, {"model": {"id": "b"},'
        ' "deleted": true}, {"asset": {"id": "x"}}, 3, {"model": {}}]}'
    ) == [("a", False), ("b", True)]
    for junk in ("", "nope", "[]", '{"iterable": 5}'):
        assert changed_models(junk) == []
    assert runtime_status("not json") is None
    assert runtime_status('{"installing": {"version": "1", "percentage": 20}}').state == (
        "installing"
    )


def test_a_lost_stream_brings_back_the_quick_poll_at_once(live_factory):
    live = live_factory(LIVE_HEARTBEAT_SECONDS=30, LIVE_REFRESH_SECONDS=0.2)
    page = live.open_page()
    wait_for_streams(live)
    assert live.hub.refresh_seconds == 60
    live.simulator.wait_until(
        lambda: live.hub.loop.ask(lambda: live.hub.watch.next_refresh - live.hub.now()) > 30,
        what="a poll at the slow pace, the next one a minute away",
    )
    old_url = live.simulator.url
    live.simulator.restart_on_another_port()  # the panel, told the old address, loses it
    page.read_until(
        lambda text: f"Pieces OS is not reachable at <code>{old_url}</code>" in text,
        "the banner, without waiting for the slow fallback poll",
    )
    assert live.hub.refresh_seconds == 0.2
