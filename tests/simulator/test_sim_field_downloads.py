"""Downloads and loads as the field reports describe them: unknown statuses, a lagging first
answer, a stale status re-sent, restarts from 0 %, a cancel that does not stop, slow loads."""

import json
import threading

import pytest
import requests
from pieces_os_client.models.model_download_progress import ModelDownloadProgress

from tests.support.servers import wait_until
from webapp.simulator.catalogue import model_id

LOCAL = model_id("gemma-1.1-2b-it")  # not downloaded
DOWNLOADED = model_id("Phi-3-mini-4k-instruct")  # downloaded, not loaded
#: Room to act part-way through a download.
ROOMY_DOWNLOAD = {"download_seconds": 1.5, "tick_seconds": 0.05}


def post(simulator, path, **kwargs) -> requests.Response:
    return requests.post(simulator.url + path, timeout=5, **kwargs)


def rest_model(simulator, identifier) -> dict:
    return requests.get(f"{simulator.url}/model/{identifier}", timeout=5).json()


def switch(simulator, **switches) -> dict:
    response = simulator.control("PATCH", "behaviour", switches)
    assert response.status_code == 200, response.text
    return response.json()


def read_until_percentage(progress, at_least: float) -> list[dict]:
    frames = [progress.next_frame()]
    while frames[-1].get("percentage", 0) < at_least:
        frames.append(progress.next_frame())
    return frames


@pytest.mark.parametrize("status", ["DOWNLOADING", "IN_PROGRESS"])
def test_unknown_progress_statuses_keep_their_percentage(simulator, status):
    switch(simulator, progress_status=status)
    progress = simulator.open_progress(LOCAL)
    post(simulator, f"/model/{LOCAL}/download")
    frames = progress.frames_until_terminal()
    middle = frames[1:-1]
    assert [frame["status"] for frame in (frames[0], frames[-1])] == ["INITIALIZED", "COMPLETED"]
    assert middle and {frame["status"] for frame in middle} == {status}
    for frame in middle:
        decoded = ModelDownloadProgress.from_json(json.dumps(frame))
        assert decoded.status.value == "UNKNOWN"  # the official SDK does not know the value
        assert decoded.percentage == frame["percentage"] and 0 < decoded.percentage < 100


def test_the_status_switch_is_an_app_option_too(simulator_factory):
    simulator = simulator_factory(progress_status="DOWNLOADING")
    assert simulator.control("GET", "behaviour").json()["progress_status"] == "DOWNLOADING"


def test_a_lagging_download_answer_says_not_downloading_yet(simulator):
    switch(simulator, download_answer_lags=True)
    progress = simulator.open_progress(LOCAL)
    answer = post(simulator, f"/model/{LOCAL}/download").json()
    assert answer["downloading"] is False
    assert post(simulator, f"/model/{LOCAL}/download").json()["downloading"] is False
    frames = progress.frames_until_terminal()  # ... and yet it downloads, once
    assert [frame["status"] for frame in frames].count("INITIALIZED") == 1
    assert frames[-1]["status"] == "COMPLETED"
    assert rest_model(simulator, LOCAL)["downloaded"] is True


def test_a_lagging_download_can_be_canceled_before_it_starts(simulator):
    switch(simulator, download_answer_lags=True)
    progress = simulator.open_progress(LOCAL)
    post(simulator, f"/model/{LOCAL}/download")
    assert post(simulator, f"/model/{LOCAL}/download/cancel").json()["downloading"] is False
    assert progress.next_frame()["status"] == "CANCELED"
    simulator.control("POST", f"progress/{LOCAL}", {"frame": "marker"})
    assert progress.next_text() == "marker"  # the late start never happened


def test_a_later_socket_first_gets_the_stale_status_of_the_earlier_attempt(simulator_factory):
    simulator = simulator_factory(replays_last_status=True, **ROOMY_DOWNLOAD)
    simulator.control("POST", "fail-next-download", {"at_percentage": 20})
    first = simulator.open_progress(LOCAL)
    post(simulator, f"/model/{LOCAL}/download")
    assert first.frames_until_terminal()[-1]["status"] == "FAILED"

    post(simulator, f"/model/{LOCAL}/download")  # the retry
    assert first.next_frame()["status"] == "INITIALIZED"
    later = simulator.open_progress(LOCAL)
    assert later.next_frame()["status"] == "FAILED"  # stale: from the earlier attempt
    current = later.frames_until_terminal()
    assert current[-1]["status"] == "COMPLETED"
    assert current == first.frames_until_terminal()[-len(current) :]


def test_without_the_switch_a_later_socket_gets_no_stale_status(simulator):
    simulator.control("POST", "fail-next-download", {"at_percentage": 0})
    first = simulator.open_progress(LOCAL)
    post(simulator, f"/model/{LOCAL}/download")
    assert first.frames_until_terminal()[-1]["status"] == "FAILED"
    later = simulator.open_progress(LOCAL)
    simulator.control("POST", f"progress/{LOCAL}", {"frame": "marker"})
    assert later.next_text() == "marker"


def test_a_failed_download_restarts_from_zero(simulator_factory):
    simulator = simulator_factory(**ROOMY_DOWNLOAD)
    progress = simulator.open_progress(LOCAL)
    post(simulator, f"/model/{LOCAL}/download")
    read_until_percentage(progress, 30)
    assert simulator.control("POST", f"download/{LOCAL}/fail", {"at_percentage": 40}).json() == {
        "failing_at": 40
    }
    failed = progress.frames_until_terminal()
    assert failed[-1]["status"] == "FAILED" and failed[-2]["percentage"] >= 30
    assert rest_model(simulator, LOCAL)["downloading"] is False

    post(simulator, f"/model/{LOCAL}/download")
    retry = progress.frames_until_terminal()
    assert retry[0]["status"] == "INITIALIZED"
    assert retry[1]["percentage"] < 10  # backwards: a restart, not a stall
    assert retry[-1]["status"] == "COMPLETED"


def test_a_download_restarts_from_zero_within_the_same_socket(simulator_factory):
    simulator = simulator_factory(**ROOMY_DOWNLOAD)
    progress = simulator.open_progress(LOCAL)
    post(simulator, f"/model/{LOCAL}/download")
    before = read_until_percentage(progress, 30)
    assert simulator.control("POST", f"download/{LOCAL}/restart").json() == {"restarted": True}
    frames = progress.frames_until_terminal()
    statuses = [frame["status"] for frame in frames]
    reset_at = statuses.index("RESET")
    assert statuses[reset_at + 1] == "INITIALIZED"
    assert frames[reset_at + 2]["percentage"] < before[-1]["percentage"]
    assert statuses[-1] == "COMPLETED"


@pytest.mark.parametrize("action", ["fail", "restart"])
def test_failing_or_restarting_needs_a_running_download(simulator, action):
    response = simulator.control("POST", f"download/{LOCAL}/{action}", {"at_percentage": 5})
    assert response.status_code == 409
    assert response.headers["Content-Type"].startswith("text/plain")
    assert (
        simulator.control("POST", f"download/nope/{action}", {"at_percentage": 5}).status_code
        == 404
    )


@pytest.mark.parametrize(
    "body",
    [{}, {"at_percentage": 101}, {"at_percentage": "5"}, {"at_percentage": 5, "x": 1}, []],
    ids=repr,
)
def test_bad_fail_requests_are_400(simulator, body):
    post(simulator, f"/model/{LOCAL}/download")
    response = simulator.control("POST", f"download/{LOCAL}/fail", body)
    assert response.status_code == 400 and response.text


def test_a_cancel_that_does_not_stop(simulator_factory):
    simulator = simulator_factory(cancel_is_ignored=True, **ROOMY_DOWNLOAD)
    progress = simulator.open_progress(LOCAL)
    post(simulator, f"/model/{LOCAL}/download")
    read_until_percentage(progress, 10)
    canceled = post(simulator, f"/model/{LOCAL}/download/cancel")
    assert canceled.status_code == 200 and canceled.json()["downloading"] is True
    frames = progress.frames_until_terminal()
    assert "CANCELED" not in [frame["status"] for frame in frames]
    assert frames[-1]["status"] == "COMPLETED"
    assert rest_model(simulator, LOCAL)["downloaded"] is True


def test_a_slow_load_answers_late_and_loads_even_if_the_client_gave_up(simulator):
    switch(simulator, load_seconds=1.0)
    with pytest.raises(requests.ReadTimeout):
        requests.post(f"{simulator.url}/model/{DOWNLOADED}/load", timeout=0.2)
    assert rest_model(simulator, DOWNLOADED)["loaded"] is False  # still loading
    wait_until(lambda: rest_model(simulator, DOWNLOADED)["loaded"], "the load to finish")


def test_a_slow_load_is_refused_at_once_when_it_cannot_succeed(simulator_factory):
    simulator = simulator_factory(load_seconds=60)
    response = requests.post(f"{simulator.url}/model/{LOCAL}/load", timeout=5)
    assert response.status_code == 500 and "not downloaded" in response.text


def test_a_slow_load_answers_the_loaded_model(simulator_factory):
    simulator = simulator_factory(load_seconds=0.3)
    answers = []
    loader = threading.Thread(
        target=lambda: answers.append(post(simulator, f"/model/{DOWNLOADED}/load").json())
    )
    loader.start()
    loader.join(timeout=10)
    assert answers and answers[0]["loaded"] is True


def test_the_version_is_an_option_and_a_switch(simulator_factory):
    simulator = simulator_factory(version="12.1.0")
    assert requests.get(f"{simulator.url}/.well-known/version", timeout=5).text == "12.1.0"
    switch(simulator, version="13.0.2")
    assert requests.get(f"{simulator.url}/.well-known/version", timeout=5).text == "13.0.2"
    simulator.control("POST", "reset")
    assert requests.get(f"{simulator.url}/.well-known/version", timeout=5).text == "12.1.0"


@pytest.mark.parametrize(
    "body",
    [
        {"version": ""},
        {"version": 12},
        {"load_seconds": -1},
        {"load_seconds": 1000},
        {"load_seconds": True},
        {"progress_status": None},
        {"cancel_is_ignored": "yes"},
        {"replays_last_status": 1},
        {"download_answer_lags": None},
        {"download_answer_seconds": -0.5},
        {"download_answer_seconds": "1"},
        {"download_finds_files": "no"},
        {"identifiers_snapshot": 0},
        {"unknown_id_answers_500": None},
        {"errors_with_stack_trace": "yes"},
        {"nope": True},
        [],
        "x",
    ],
    ids=repr,
)
def test_bad_switches_are_400_and_change_nothing(simulator, body):
    before = simulator.control("GET", "behaviour").json()
    response = simulator.control("PATCH", "behaviour", body)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/plain") and response.text
    assert simulator.control("GET", "behaviour").json() == before


def test_bad_app_options_are_refused(simulator_factory):
    with pytest.raises(ValueError):
        simulator_factory(load_seconds=-1)
    with pytest.raises(TypeError):
        simulator_factory(no_such_switch=True)
