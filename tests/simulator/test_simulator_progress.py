"""The download-progress socket: frames, their order, fan-out, joining late, closing."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import websocket

from tests.support.servers import wait_until
from webapp.simulator.catalogue import model_id

LOCAL = model_id("gemma-1.1-2b-it")  # not downloaded
OTHER_LOCAL = model_id("granite-8b-code-instruct")  # not downloaded
SCHEMA = {"migration": 0, "semantic": "MAJOR_0_MINOR_0_PATCH_1"}
#: For tests that act part-way through a download: room to act before it ends.
ROOMY_DOWNLOAD = {"download_seconds": 1.5, "tick_seconds": 0.05}


def post(simulator, path) -> requests.Response:
    return requests.post(simulator.url + path, timeout=5)


def rest_model(simulator, identifier) -> dict:
    return requests.get(f"{simulator.url}/model/{identifier}", timeout=5).json()


def statuses(frames) -> list[str]:
    return [frame["status"] for frame in frames]


def assert_rising_progress(frames):
    percentages = [frame["percentage"] for frame in frames]
    assert statuses(frames) == ["IN-PROGRESS"] * len(frames)
    assert all(0 < p < 100 for p in percentages)
    assert percentages == sorted(set(percentages))


def read_until_percentage(progress, at_least: float) -> list[dict]:
    frames = [progress.next_frame()]
    while frames[-1].get("percentage", 0) < at_least:
        frames.append(progress.next_frame())
    return frames


def test_a_full_download(simulator):
    progress = simulator.open_progress(LOCAL)
    post(simulator, f"/model/{LOCAL}/download")
    frames = progress.frames_until_terminal()
    assert frames[0] == {"status": "INITIALIZED", "schema": SCHEMA}
    assert frames[-1] == {"status": "COMPLETED", "percentage": 100, "schema": SCHEMA}
    assert_rising_progress(frames[1:-1])
    assert len(frames) > 10
    assert all(frame["schema"] == SCHEMA for frame in frames)
    model = rest_model(simulator, LOCAL)
    assert (model["downloaded"], model["downloading"]) == (True, False)


def test_cancel_ends_with_canceled_and_nothing_after(simulator_factory):
    simulator = simulator_factory(**ROOMY_DOWNLOAD)
    progress = simulator.open_progress(LOCAL)
    post(simulator, f"/model/{LOCAL}/download")
    assert progress.next_frame()["status"] == "INITIALIZED"
    assert progress.next_frame()["status"] == "IN-PROGRESS"
    post(simulator, f"/model/{LOCAL}/download/cancel")
    frames = progress.frames_until_terminal()
    assert frames[-1] == {"status": "CANCELED", "schema": SCHEMA}
    assert_rising_progress(frames[:-1])
    # Use a later download of the same length as a clock: once it has completed, the canceled
    # one would have completed too, had it kept running.
    clock = simulator.open_progress(OTHER_LOCAL)
    post(simulator, f"/model/{OTHER_LOCAL}/download")
    assert clock.frames_until_terminal()[-1]["status"] == "COMPLETED"
    simulator.control("POST", f"progress/{LOCAL}", {"frame": "marker"})
    assert progress.next_text() == "marker"  # the canceled download sent nothing more
    model = rest_model(simulator, LOCAL)
    assert (model["downloaded"], model["downloading"]) == (False, False)


def test_an_injected_failure_ends_with_failed_near_the_percentage(simulator):
    simulator.control("POST", "fail-next-download", {"at_percentage": 50})
    progress = simulator.open_progress(LOCAL)
    post(simulator, f"/model/{LOCAL}/download")
    frames = progress.frames_until_terminal()
    assert frames[0]["status"] == "INITIALIZED"
    assert frames[-1] == {"status": "FAILED", "schema": SCHEMA}
    assert_rising_progress(frames[1:-1])
    assert 45 <= frames[-2]["percentage"] < 50  # one 5 % step short of the failure
    model = rest_model(simulator, LOCAL)
    assert (model["downloaded"], model["downloading"]) == (False, False)


def test_the_failure_applies_to_one_download_only(simulator):
    simulator.control("POST", "fail-next-download", {"at_percentage": 0})
    progress = simulator.open_progress(LOCAL)
    post(simulator, f"/model/{LOCAL}/download")
    assert statuses(progress.frames_until_terminal()) == ["INITIALIZED", "FAILED"]
    post(simulator, f"/model/{LOCAL}/download")
    assert progress.frames_until_terminal()[-1]["status"] == "COMPLETED"


def test_two_sockets_get_every_frame(simulator):
    first, second = simulator.open_progress(LOCAL), simulator.open_progress(LOCAL)
    post(simulator, f"/model/{LOCAL}/download")
    frames = first.frames_until_terminal()
    assert second.frames_until_terminal() == frames
    assert statuses(frames).count("INITIALIZED") == 1


def test_sockets_only_get_their_own_models_frames(simulator):
    mine, other = simulator.open_progress(LOCAL), simulator.open_progress(OTHER_LOCAL)
    post(simulator, f"/model/{LOCAL}/download")
    mine.frames_until_terminal()
    simulator.control("POST", f"progress/{OTHER_LOCAL}", {"frame": "marker"})
    assert other.next_text() == "marker"


def test_a_late_joiner_gets_no_replay(simulator_factory):
    simulator = simulator_factory(**ROOMY_DOWNLOAD)
    early = simulator.open_progress(LOCAL)
    post(simulator, f"/model/{LOCAL}/download")
    read_until_percentage(early, 30)
    late = simulator.open_progress(LOCAL)
    late_frames = late.frames_until_terminal()
    early_frames = early.frames_until_terminal()
    assert "INITIALIZED" not in statuses(late_frames)
    assert late_frames[0]["percentage"] > 30
    assert late_frames == early_frames[-len(late_frames) :]


def test_sockets_stay_open_after_the_end_and_see_later_downloads(simulator):
    simulator.control("POST", "fail-next-download", {"at_percentage": 20})
    progress = simulator.open_progress(LOCAL)
    post(simulator, f"/model/{LOCAL}/download")
    assert progress.frames_until_terminal()[-1]["status"] == "FAILED"
    post(simulator, f"/model/{LOCAL}/download")  # a retry on the same socket
    frames = progress.frames_until_terminal()
    assert (frames[0]["status"], frames[-1]["status"]) == ("INITIALIZED", "COMPLETED")
    simulator.control("POST", f"progress/{LOCAL}", {"frame": "still here"})
    assert progress.next_text() == "still here"


def test_concurrent_download_requests_start_one_download(simulator):
    progress = simulator.open_progress(LOCAL)
    start = threading.Barrier(20)

    def download(_):
        start.wait()
        return post(simulator, f"/model/{LOCAL}/download").json()["downloading"]

    with ThreadPoolExecutor(20) as pool:
        assert set(pool.map(download, range(20))) == {True}
    frames = progress.frames_until_terminal()
    assert statuses(frames).count("INITIALIZED") == 1
    assert_rising_progress(frames[1:-1])


def test_stats_count_open_sockets_until_clients_leave(simulator):
    sockets = [simulator.open_progress(LOCAL) for _ in range(3)]
    sockets.append(simulator.open_progress(OTHER_LOCAL))
    assert simulator.stats()["progress_sockets"] == {LOCAL: 3, OTHER_LOCAL: 1}
    for progress in sockets:
        progress.close()
    wait_until(lambda: simulator.stats()["progress_sockets"] == {}, "sockets freed")


def test_dropping_sockets_cuts_them_but_not_the_download(simulator):
    sockets = [simulator.open_progress(LOCAL), simulator.open_progress(OTHER_LOCAL)]
    post(simulator, f"/model/{LOCAL}/download")
    assert sockets[0].next_frame()["status"] == "INITIALIZED"
    assert simulator.control("POST", "drop-progress-sockets").json() == {"dropped": 2}
    for progress in sockets:
        with pytest.raises(websocket.WebSocketConnectionClosedException):
            while True:  # frames already on the way may still arrive first
                progress.next_text()
    wait_until(lambda: simulator.stats()["progress_sockets"] == {}, "sockets freed")
    wait_until(lambda: rest_model(simulator, LOCAL)["downloaded"], "download")


def test_unknown_model_is_refused_at_handshake(simulator):
    url = simulator.progress_url("00000000-0000-4000-8000-000000000000")
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(url, timeout=5)
    assert refused.value.status_code == 500
    assert refused.value.resp_body == b"model was not found."
    assert refused.value.resp_headers["content-type"].startswith("text/plain")
    assert simulator.stats()["progress_sockets"] == {}


def test_plain_http_to_the_socket_url_is_refused(simulator):
    response = requests.get(simulator.progress_url(LOCAL).replace("ws://", "http://"), timeout=5)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/plain")
