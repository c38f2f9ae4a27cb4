"""Installing, updating, uninstalling Ollama and cancelling an install or update, as the SDK's
``OllamaApi`` calls them: each answer is an ``OllamaDeployment`` the official client (5.0.1)
accepts unchanged, the progress goes to the status stream, and what does not apply now is a
500 with a plain-text reason."""

import json

import pytest
import requests
from pieces_os_client.api.ollama_api import OllamaApi
from pieces_os_client.api_client import ApiClient
from pieces_os_client.configuration import Configuration
from pieces_os_client.exceptions import ApiException
from pieces_os_client.models.ollama_deployment import OllamaDeployment
from pieces_os_client.models.ollama_status import OllamaStatus

from tests.simulator.test_sim_sdk_new_routes import assert_round_trip
from webapp.simulator.catalogue import model_id
from webapp.simulator.ollama import CURRENT_VERSION, OUTDATED_VERSION

STREAM = "/ollama/status/stream"
LOADED = model_id("Llama-3 8B Instruct")


@pytest.fixture
def ollama_api(simulator):
    with ApiClient(Configuration(host=simulator.url)) as api_client:
        yield OllamaApi(api_client)


def status(simulator) -> dict:
    return requests.get(f"{simulator.url}/ollama/status", timeout=5).json()


def frames_until(stream, done) -> list[dict]:
    """Status frames from the stream until ``done(frame)`` holds; each one the SDK's."""
    frames = [assert_round_trip(OllamaStatus, stream.next_frame()).to_dict()]
    while not done(frames[-1]):
        frames.append(assert_round_trip(OllamaStatus, stream.next_frame()).to_dict())
    return frames


def test_an_install_answers_at_once_then_moves_on_the_stream_until_installed(
    simulator_factory,
):
    simulator = simulator_factory(ollama="missing")
    stream = simulator.open_stream(STREAM, "ollama")
    stream.next_frame()
    with ApiClient(Configuration(host=simulator.url)) as api_client:
        started = OllamaApi(api_client).ollama_install()
    assert (started.version, started.status.value, started.percentage) == (
        CURRENT_VERSION,
        "INITIALIZED",
        0,
    )
    assert started.id
    frames = frames_until(stream, lambda frame: "installation" in frame)
    percentages = [frame["installing"]["percentage"] for frame in frames if "installing" in frame]
    assert percentages == sorted(percentages) and len(percentages) > 3
    assert {frame["installing"]["id"] for frame in frames if "installing" in frame} == {started.id}
    assert frames[-1]["installation"]["version"] == CURRENT_VERSION
    raw = requests.post(f"{simulator.url}/ollama/install", timeout=5)
    assert (raw.status_code, raw.text) == (500, f"Ollama {CURRENT_VERSION} is already installed.")
    assert raw.headers["Content-Type"].startswith("text/plain")


def test_an_install_is_cancelled_by_its_id_and_ends_where_it_started(simulator_factory):
    simulator = simulator_factory(ollama="missing", download_seconds=30)
    with ApiClient(Configuration(host=simulator.url)) as api_client:
        api = OllamaApi(api_client)
        started = api.ollama_install()
        assert api.ollama_install().id == started.id  # asked twice: the same install
        with pytest.raises(ApiException) as unknown:
            api.ollama_install_cancel(identifier="not-this-one")
        assert unknown.value.status == 500
        cancelled = api.ollama_install_cancel(identifier=started.id)
    assert (cancelled.id, cancelled.status.value) == (started.id, "CANCELED")
    assert set(status(simulator)) == {"recommendation", "schema"}  # missing again


def test_an_update_goes_to_the_version_asked_and_can_be_cancelled(simulator_factory):
    simulator = simulator_factory(ollama="update-required", download_seconds=30)
    with ApiClient(Configuration(host=simulator.url)) as api_client:
        api = OllamaApi(api_client)
        with pytest.raises(ApiException) as wrong_version:
            api.ollama_update(ollama_deployment=OllamaDeployment(version="9.9.9"))
        assert "the version available is 0.5.7" in wrong_version.value.body
        started = api.ollama_update(ollama_deployment=OllamaDeployment(version=CURRENT_VERSION))
        served = OllamaStatus.from_dict(status(simulator))
        assert (served.updating.id, served.installation.version) == (started.id, OUTDATED_VERSION)
        cancelled = api.ollama_update_cancel(identifier=started.id)
    assert cancelled.status.value == "CANCELED"
    assert "updateRequired" in status(simulator)


def test_an_update_completes_on_the_stream(simulator_factory):
    simulator = simulator_factory(ollama="update-required")
    stream = simulator.open_stream(STREAM, "ollama")
    stream.next_frame()
    requests.post(f"{simulator.url}/ollama/update", json={"version": CURRENT_VERSION}, timeout=5)
    frames = frames_until(stream, lambda frame: "updating" not in frame)
    assert frames[-1]["installation"]["version"] == CURRENT_VERSION
    assert "updateRequired" not in frames[-1]


def test_a_user_managed_update_is_refused_saying_so(simulator_factory):
    simulator = simulator_factory(ollama="update-required")
    simulator.control("POST", "ollama", {"user_managed": True})
    served = OllamaStatus.from_dict(status(simulator))
    assert served.update_required.user_managed is True
    answer = requests.post(
        f"{simulator.url}/ollama/update", json={"version": CURRENT_VERSION}, timeout=5
    )
    assert answer.status_code == 500 and "update it yourself" in answer.text


def test_uninstall_takes_the_installation_and_unloads_local_models(simulator, ollama_api):
    installed = OllamaStatus.from_dict(status(simulator)).installation
    removed = ollama_api.ollama_uninstall(ollama_deployment=installed)
    assert removed.version == CURRENT_VERSION
    assert set(status(simulator)) == {"recommendation", "schema"}
    assert requests.get(f"{simulator.url}/model/{LOADED}", timeout=5).json()["loaded"] is False
    with pytest.raises(ApiException) as again:
        ollama_api.ollama_uninstall(ollama_deployment=installed)
    assert again.value.body == f"There is no installation of Ollama {CURRENT_VERSION} here."


@pytest.mark.parametrize("body", [None, {}, {"version": 3}, [], "0.5.7"], ids=repr)
def test_a_body_without_a_version_is_a_500_with_text(simulator, body):
    for route in ("update", "uninstall"):
        answer = requests.post(f"{simulator.url}/ollama/{route}", json=body, timeout=5)
        assert answer.status_code == 500 and "needs a version" in answer.text


def test_a_failing_install_goes_back_to_missing(simulator_factory):
    simulator = simulator_factory(ollama="missing")
    assert simulator.control("POST", "ollama/fail-next", {"at_percentage": 40}).ok
    stream = simulator.open_stream(STREAM, "ollama")
    stream.next_frame()
    requests.post(f"{simulator.url}/ollama/install", timeout=5)
    frames = frames_until(stream, lambda frame: "installing" not in frame)
    assert max(frame["installing"]["percentage"] for frame in frames[:-1]) < 40
    assert "installation" not in frames[-1]


def test_the_recommendation_is_a_switch_of_its_own(simulator):
    simulator.control("POST", "ollama", {"inference_recommended": False})
    served = status(simulator)
    assert served["recommendation"]["inference"] is False and "installation" in served
    simulator.control("POST", "reset")
    assert status(simulator)["recommendation"]["inference"] is True


@pytest.mark.parametrize(
    "path, body",
    [
        ("ollama", {"inference_recommended": "no"}),
        ("ollama", {"user_managed": 1}),
        ("ollama/fail-next", {}),
        ("ollama/fail-next", {"at_percentage": 120}),
    ],
    ids=json.dumps,
)
def test_bad_switches_are_400(simulator, path, body):
    response = simulator.control("POST", path, body)
    assert response.status_code == 400 and response.text
