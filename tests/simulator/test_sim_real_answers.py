"""Answers of the real Pieces OS that the official clients guard against, as switches: a download
answered late or answered "already downloaded", a 500 for an unknown id on the action routes,
500 texts with a stack trace, and the snapshot the identifiers stream sends first."""

import json

import pytest
import requests
import websocket
from pieces_os_client.models.model import Model
from pieces_os_client.models.streamed_identifiers import StreamedIdentifiers

from webapp.simulator.catalogue import model_id

LOCAL = model_id("gemma-1.1-2b-it")  # local, not downloaded
DOWNLOADED = model_id("Phi-3-mini-4k-instruct")
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def post(simulator, path: str, **kwargs) -> requests.Response:
    return requests.post(simulator.url + path, timeout=5, **kwargs)


def rest_model(simulator, identifier: str) -> dict:
    return requests.get(f"{simulator.url}/model/{identifier}", timeout=5).json()


def switch(simulator, **switches) -> None:
    assert simulator.control("PATCH", "behaviour", switches).status_code == 200


def test_a_slow_download_answer_comes_after_the_download_started(simulator_factory):
    simulator = simulator_factory(download_seconds=3, tick_seconds=0.05)
    switch(simulator, download_answer_seconds=1.0)
    progress = simulator.open_progress(LOCAL)
    with pytest.raises(requests.ReadTimeout):
        requests.post(f"{simulator.url}/model/{LOCAL}/download", timeout=0.3)
    assert progress.next_frame()["status"] == "INITIALIZED"  # it runs, unanswered
    assert rest_model(simulator, LOCAL)["downloading"] is True
    assert progress.frames_until_terminal()[-1]["status"] == "COMPLETED"


def test_a_download_that_finds_its_files_answers_downloaded_at_once(simulator):
    switch(simulator, download_finds_files=True)
    progress = simulator.open_progress(LOCAL)
    answer = post(simulator, f"/model/{LOCAL}/download")
    assert answer.status_code == 200
    model = Model.from_json(answer.text)  # as the official SDK reads it
    assert (model.downloaded, model.downloading) == (True, False)
    assert rest_model(simulator, LOCAL)["downloaded"] is True
    assert simulator.stats()["progress_sockets"] == {LOCAL: 1}
    progress.connection.settimeout(0.3)  # no frame comes: nothing was downloaded
    with pytest.raises(websocket.WebSocketTimeoutException):
        progress.next_text()


@pytest.mark.parametrize("action", ["download", "download/cancel", "load", "unload"])
def test_an_unknown_id_on_an_action_route_can_answer_500(simulator, action):
    assert post(simulator, f"/model/{UNKNOWN}/{action}").status_code == 410
    switch(simulator, unknown_id_answers_500=True)
    refused = post(simulator, f"/model/{UNKNOWN}/{action}")
    assert (refused.status_code, refused.text) == (500, "Bad state: No element")
    looked_up = requests.get(f"{simulator.url}/model/{UNKNOWN}", timeout=5)
    assert looked_up.status_code == 410  # the one route that declares it


def test_500_answers_can_carry_a_stack_trace(simulator):
    switch(simulator, errors_with_stack_trace=True)
    refused = post(simulator, f"/model/{model_id('GPT-4o Chat Model')}/load")
    first, *trace = refused.text.splitlines()
    assert refused.status_code == 500 and "cloud model" in first
    assert trace and all(line.startswith(("#", "<")) for line in trace)
    assert any(".dart:" in line for line in trace)


def test_the_identifiers_stream_first_names_every_model(simulator):
    stream = simulator.open_stream("/models/stream/identifiers", "identifiers")
    snapshot = StreamedIdentifiers.from_json(stream.next_text())
    served = requests.get(f"{simulator.url}/models", timeout=5).json()["iterable"]
    assert [item.model.id for item in snapshot.iterable] == [model["id"] for model in served]
    post(simulator, f"/model/{DOWNLOADED}/load")
    assert stream.next_frame() == {"iterable": [{"model": {"id": DOWNLOADED}}]}


def test_without_the_snapshot_the_first_frame_is_the_first_change(simulator_factory):
    simulator = simulator_factory(identifiers_snapshot=False)
    stream = simulator.open_stream("/models/stream/identifiers", "identifiers")
    post(simulator, f"/model/{DOWNLOADED}/load")
    assert json.loads(stream.next_text()) == {"iterable": [{"model": {"id": DOWNLOADED}}]}
