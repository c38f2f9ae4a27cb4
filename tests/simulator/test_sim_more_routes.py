"""The routes teams expect next: delete cache, unload all, create and delete custom models,
device information, and the stream of changed model identifiers."""

import pytest
import requests
import websocket

from webapp.simulator.catalogue import initial_models, model_id

LOADED = model_id("Llama-3 8B Instruct")
DOWNLOADED = model_id("Phi-3-mini-4k-instruct")
LOCAL = model_id("gemma-1.1-2b-it")  # not downloaded
CLOUD = model_id("GPT-4o Chat Model")
CUSTOM = model_id("Acme Support Llama-3 8B (fine-tune)")
SEED = {
    key: value
    for key, value in next(m for m in initial_models() if m["id"] == CUSTOM).items()
    if key not in ("id", "downloading", "loaded", "custom")
}
IDENTIFIERS = "/models/stream/identifiers"


def call(simulator, method, path, **kwargs) -> requests.Response:
    return requests.request(method, simulator.url + path, timeout=5, **kwargs)


def model(simulator, identifier) -> dict:
    return call(simulator, "GET", f"/model/{identifier}").json()


def assert_text(response, status):
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/plain") and response.text


class TestDeleteCache:
    def test_deletes_the_files_of_a_downloaded_model(self, simulator):
        response = call(simulator, "POST", f"/models/{DOWNLOADED}/delete/cache", json={})
        assert response.status_code == 200
        assert response.json() == {"model": {"id": DOWNLOADED}}
        assert model(simulator, DOWNLOADED)["downloaded"] is False

    def test_a_body_is_optional(self, simulator):
        assert call(simulator, "POST", f"/models/{DOWNLOADED}/delete/cache").status_code == 200

    def test_refused_while_loaded_or_downloading(self, simulator):
        assert_text(call(simulator, "POST", f"/models/{LOADED}/delete/cache", json={}), 500)
        assert model(simulator, LOADED)["downloaded"] is True
        call(simulator, "POST", f"/model/{LOCAL}/download")
        assert_text(call(simulator, "POST", f"/models/{LOCAL}/delete/cache", json={}), 500)

    def test_refused_for_cloud_models_and_bad_bodies(self, simulator):
        assert_text(call(simulator, "POST", f"/models/{CLOUD}/delete/cache", json={}), 500)
        assert_text(call(simulator, "POST", f"/models/{DOWNLOADED}/delete/cache", json=[]), 500)
        assert model(simulator, DOWNLOADED)["downloaded"] is True

    def test_unknown_model_is_410(self, simulator):
        assert_text(call(simulator, "POST", "/models/nope/delete/cache", json={}), 410)


def test_unload_all_answers_204_and_unloads_everything(simulator):
    call(simulator, "POST", f"/model/{DOWNLOADED}/load")
    response = call(simulator, "POST", "/models/unload")
    assert (response.status_code, response.content) == (204, b"")
    assert not [m for m in call(simulator, "GET", "/models").json()["iterable"] if m["loaded"]]


class TestCreateAndDelete:
    def test_create_adds_a_custom_model_with_a_new_id(self, simulator):
        seed = SEED | {"name": "Acme Triage", "id": "ignored", "loaded": True}
        response = call(simulator, "POST", "/models/create", json=seed)
        assert response.status_code == 200
        created = response.json()
        assert created["custom"] is True and created["name"] == "Acme Triage"
        assert created["id"] not in ("ignored", CUSTOM)
        assert (created["loaded"], created["downloading"]) == (False, False)
        assert model(simulator, created["id"]) == created

    @pytest.mark.parametrize(
        "change",
        [{"name": None}, {"type": "FAST"}, {"cloud": "no"}, {"created": {"value": "never"}}],
        ids=repr,
    )
    def test_create_refuses_an_invalid_body_with_text(self, simulator, change):
        response = call(simulator, "POST", "/models/create", json=SEED | change)
        assert_text(response, 500)
        assert response.text.startswith("invalid model: ")

    def test_create_refuses_a_duplicate_name(self, simulator):
        assert_text(call(simulator, "POST", "/models/create", json=SEED), 500)

    def test_delete_removes_a_custom_model(self, simulator):
        response = call(simulator, "POST", f"/models/{CUSTOM}/delete")
        assert (response.status_code, response.content) == (204, b"")
        assert_text(call(simulator, "GET", f"/model/{CUSTOM}"), 410)

    def test_delete_refuses_built_in_models(self, simulator):
        assert_text(call(simulator, "POST", f"/models/{DOWNLOADED}/delete"), 500)
        assert model(simulator, DOWNLOADED)["id"] == DOWNLOADED


def open_identifiers(simulator):
    """The identifiers stream, its first frame (every model's id, a snapshot) read."""
    stream = simulator.open_stream(IDENTIFIERS, "identifiers")
    served = [model["id"] for model in call(simulator, "GET", "/models").json()["iterable"]]
    assert stream.next_frame() == {"iterable": [{"model": {"id": id_}} for id_ in served]}
    return stream


class TestIdentifiersStream:
    def test_one_frame_per_change_never_per_percentage(self, simulator):
        stream = open_identifiers(simulator)
        progress = simulator.open_progress(LOCAL)
        call(simulator, "POST", f"/model/{LOCAL}/download")
        assert stream.next_frame() == {"iterable": [{"model": {"id": LOCAL}}]}  # started
        assert progress.frames_until_terminal()[-1]["status"] == "COMPLETED"
        assert stream.next_frame() == {"iterable": [{"model": {"id": LOCAL}}]}  # ended
        call(simulator, "POST", f"/model/{DOWNLOADED}/load")
        assert stream.next_frame() == {"iterable": [{"model": {"id": DOWNLOADED}}]}

    def test_unload_all_is_one_frame_and_deletion_is_flagged(self, simulator):
        call(simulator, "POST", f"/model/{DOWNLOADED}/load")
        stream = open_identifiers(simulator)
        call(simulator, "POST", "/models/unload")
        assert stream.next_frame() == {
            "iterable": [{"model": {"id": LOADED}}, {"model": {"id": DOWNLOADED}}]
        }
        call(simulator, "POST", f"/models/{CUSTOM}/delete")
        assert stream.next_frame() == {"iterable": [{"model": {"id": CUSTOM}, "deleted": True}]}
        created = call(simulator, "POST", "/models/create", json=SEED).json()
        assert stream.next_frame() == {"iterable": [{"model": {"id": created["id"]}}]}
        body = created | {"description": "v2"}
        call(simulator, "POST", "/model/update", json=body)
        assert stream.next_frame() == {"iterable": [{"model": {"id": created["id"]}}]}

    def test_refused_actions_and_no_ops_send_nothing(self, simulator):
        stream = open_identifiers(simulator)
        call(simulator, "POST", f"/model/{LOCAL}/load")  # refused: not downloaded
        call(simulator, "POST", f"/model/{DOWNLOADED}/unload")  # not loaded: no change
        call(simulator, "POST", f"/models/{DOWNLOADED}/delete/cache", json={})  # a change
        assert stream.next_frame() == {"iterable": [{"model": {"id": DOWNLOADED}}]}


def test_device_information_reports_the_options(simulator_factory):
    simulator = simulator_factory(memory_gb=24, gpus=[("Apple M3 Pro", 18)])
    response = call(simulator, "GET", "/os/device/information")
    assert response.headers["Content-Type"] == "application/json"
    served = response.json()
    assert served["hardware"]["ram"]["memory"] == 24_000_000_000
    assert served["hardware"]["gpus"] == [
        {
            "name": "Apple M3 Pro",
            "memory": 18_000_000_000,
            "shared_memory": False,
            "capabilities": {"llm": True},
        }
    ]
    assert served["dependencies"] == {"vulkan": True}
    assert served["hardware"]["cpus"][0]["cores"] > 0


def test_a_machine_without_gpu(simulator):
    served = call(simulator, "GET", "/os/device/information").json()
    assert served["hardware"]["gpus"] == [] and served["dependencies"] == {"vulkan": False}


@pytest.mark.parametrize(
    "route, method, path",
    [
        ("delete_cache", "POST", f"/models/{DOWNLOADED}/delete/cache"),
        ("unload_all", "POST", "/models/unload"),
        ("create", "POST", "/models/create"),
        ("delete", "POST", f"/models/{CUSTOM}/delete"),
        ("device", "GET", "/os/device/information"),
        ("ollama_status", "GET", "/ollama/status"),
    ],
)
def test_new_routes_are_counted_and_take_faults(simulator, route, method, path):
    simulator.control("POST", "faults", {"route": route, "status": 503, "text": "busy", "times": 1})
    body = SEED | {"name": "Acme Triage"} if route == "create" else None
    response = call(simulator, method, path, json=body)
    assert (response.status_code, response.text) == (503, "busy")
    assert call(simulator, method, path, json=body).ok
    assert simulator.stats()["requests"][route] == 2


@pytest.mark.parametrize(
    "route, path", [("identifiers", IDENTIFIERS), ("ollama_stream", "/ollama/status/stream")]
)
def test_stream_handshakes_take_faults(simulator, route, path):
    simulator.control("POST", "faults", {"route": route, "status": 502, "times": 1})
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(simulator.url.replace("http", "ws") + path, timeout=5)
    assert refused.value.status_code == 502
    assert simulator.stats()["requests"][route] == 1
