"""The simulator under gunicorn's threaded worker, as `pieces-admin simulator` runs it."""

import json

import pytest
import requests
import websocket

from tests.support.servers import serve_with_gunicorn, wait_until
from webapp.simulator.catalogue import model_id

LOCAL = model_id("gemma-1.1-2b-it")  # not downloaded
TERMINAL_STATUSES = {"COMPLETED", "FAILED", "CANCELED"}


@pytest.fixture(scope="module")
def gunicorn_url():
    server = serve_with_gunicorn(
        "webapp.simulator:create_simulator_app(download_seconds=1, tick_seconds=0.05)"
    )
    yield server.url
    server.stop()


def open_sockets(url: str) -> dict:
    return requests.get(f"{url}/__sim/stats", timeout=5).json()["progress_sockets"]


def open_progress(url: str) -> websocket.WebSocket:
    """Connect, then wait until the simulator has registered the socket (no frame missed)."""
    before = open_sockets(url).get(LOCAL, 0)
    connection = websocket.create_connection(
        url.replace("http://", "ws://") + f"/model/{LOCAL}/download/progress", timeout=5
    )
    wait_until(lambda: open_sockets(url).get(LOCAL, 0) > before, "socket registration")
    return connection


def test_a_download_completes_with_frames_over_a_websocket(gunicorn_url):
    assert requests.get(f"{gunicorn_url}/.well-known/health", timeout=5).text.startswith("ok")
    progress = open_progress(gunicorn_url)
    try:
        started = requests.post(f"{gunicorn_url}/model/{LOCAL}/download", timeout=5)
        assert started.status_code == 200 and started.json()["downloading"] is True
        frames = [json.loads(progress.recv())]
        while frames[-1]["status"] not in TERMINAL_STATUSES:
            frames.append(json.loads(progress.recv()))
    finally:
        progress.close()
    statuses = [frame["status"] for frame in frames]
    assert statuses[0] == "INITIALIZED" and statuses[-1] == "COMPLETED"
    assert set(statuses[1:-1]) == {"IN-PROGRESS"}
    percentages = [frame["percentage"] for frame in frames[1:-1]]
    assert percentages == sorted(set(percentages))
    model = requests.get(f"{gunicorn_url}/model/{LOCAL}", timeout=5).json()
    assert (model["downloaded"], model["downloading"]) == (True, False)
    wait_until(lambda: open_sockets(gunicorn_url) == {}, "the closed socket to be freed")


def test_dropped_sockets_are_cut_without_a_close_frame(gunicorn_url):
    progress = open_progress(gunicorn_url)
    dropped = requests.post(f"{gunicorn_url}/__sim/drop-progress-sockets", timeout=5).json()
    assert dropped == {"dropped": 1}
    with pytest.raises(websocket.WebSocketConnectionClosedException):
        progress.recv()
    wait_until(lambda: open_sockets(gunicorn_url) == {}, "the dropped socket to be freed")
