"""Ollama runs every local model: its status, its stream, and local actions refused while it
cannot run them (cloud models are unaffected)."""

import pytest
import requests

from webapp.simulator.catalogue import model_id

LOCAL = model_id("gemma-1.1-2b-it")  # not downloaded
DOWNLOADED = model_id("Phi-3-mini-4k-instruct")
CLOUD = model_id("GPT-4o Chat Model")
STREAM = "/ollama/status/stream"


def status(simulator) -> dict:
    response = requests.get(f"{simulator.url}/ollama/status", timeout=5)
    assert response.headers["Content-Type"] == "application/json"
    return response.json()


def set_ollama(simulator, **body) -> dict:
    response = simulator.control("POST", "ollama", body)
    assert response.status_code == 200, response.text
    return response.json()


def test_installed_by_default(simulator):
    served = status(simulator)
    assert served["installation"]["status"] == "COMPLETED"
    assert served["recommendation"]["inference"] is True
    assert not {"installing", "updating", "updateRequired"} & set(served)


@pytest.mark.parametrize(
    "body, present",
    [
        ({"state": "missing"}, set()),
        ({"state": "installing", "percentage": 40}, {"installing"}),
        ({"state": "update-required"}, {"installation", "updateRequired"}),
        ({"state": "updating", "percentage": 75.5}, {"installation", "updating"}),
    ],
    ids=lambda value: value.get("state") if isinstance(value, dict) else "",
)
def test_each_state_blocks_local_models_with_text(simulator, body, present):
    set_ollama(simulator, **body)
    served = status(simulator)
    assert set(served) - {"recommendation", "schema"} == present
    assert served["recommendation"]["inference"] is True  # advice on the machine, not the state
    if "percentage" in body:
        assert served[body["state"]]["percentage"] == body["percentage"]
    for path in (f"/model/{LOCAL}/download", f"/model/{DOWNLOADED}/load"):
        refused = requests.post(simulator.url + path, timeout=5)
        assert refused.status_code == 500
        assert refused.headers["Content-Type"].startswith("text/plain")
        assert "Ollama" in refused.text
    cloud = requests.post(f"{simulator.url}/model/{CLOUD}/load", timeout=5)
    assert "cloud" in cloud.text and "Ollama" not in cloud.text


def test_back_to_installed_unblocks(simulator_factory):
    simulator = simulator_factory(ollama="missing")
    assert requests.post(f"{simulator.url}/model/{DOWNLOADED}/load", timeout=5).status_code == 500
    set_ollama(simulator, state="installed")
    assert requests.post(f"{simulator.url}/model/{DOWNLOADED}/load", timeout=5).status_code == 200


def test_the_stream_sends_the_status_at_connect_and_on_every_change(simulator):
    stream = simulator.open_stream(STREAM, "ollama")
    assert stream.next_frame() == status(simulator)
    for percentage in (10, 60):
        pushed = set_ollama(simulator, state="installing", percentage=percentage)
        assert stream.next_frame() == pushed
    set_ollama(simulator, state="installed")
    assert "installation" in stream.next_frame()


def test_reset_restores_the_initial_state_and_tells_the_stream(simulator_factory):
    simulator = simulator_factory(ollama="update-required")
    set_ollama(simulator, state="installed")
    stream = simulator.open_stream(STREAM, "ollama")
    stream.next_frame()
    simulator.control("POST", "reset")
    assert "updateRequired" in stream.next_frame()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"state": "broken"},
        {"state": "installing"},
        {"state": "installing", "percentage": 101},
        {"state": "missing", "percentage": 5},
        {"state": "missing", "extra": 1},
        [],
    ],
    ids=repr,
)
def test_bad_ollama_requests_are_400(simulator, body):
    response = simulator.control("POST", "ollama", body)
    assert response.status_code == 400 and response.text
    assert "installation" in status(simulator)


def test_an_unknown_initial_state_is_refused(simulator_factory):
    with pytest.raises(ValueError):
        simulator_factory(ollama="installing")
