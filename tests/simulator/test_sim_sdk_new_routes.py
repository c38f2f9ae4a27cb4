"""What the new routes and streams serve is what the official SDK (pieces-os-client 5.0.1)
accepts, through its own API classes, and nothing it would drop: each answer survives the SDK's
decode-then-encode round trip unchanged."""

import json

import pytest
import requests
from pieces_os_client.api.models_api import ModelsApi
from pieces_os_client.api.ollama_api import OllamaApi
from pieces_os_client.api.os_api import OSApi
from pieces_os_client.api_client import ApiClient
from pieces_os_client.configuration import Configuration
from pieces_os_client.exceptions import ApiException
from pieces_os_client.models.model_delete_cache_input import ModelDeleteCacheInput
from pieces_os_client.models.ollama_status import OllamaStatus
from pieces_os_client.models.os_device_information_returnable import (
    OSDeviceInformationReturnable,
)
from pieces_os_client.models.seeded_model import SeededModel
from pieces_os_client.models.streamed_identifiers import StreamedIdentifiers

from webapp.simulator.catalogue import initial_models, model_id

DOWNLOADED = model_id("Phi-3-mini-4k-instruct")
LOADED = model_id("Llama-3 8B Instruct")
CUSTOM = model_id("Acme Support Llama-3 8B (fine-tune)")
SEED = {
    key: value
    for key, value in next(m for m in initial_models() if m["id"] == CUSTOM).items()
    if key not in ("id", "downloading", "loaded", "custom")
}


def without_nulls(value):
    """The SDK encodes some absent optional keys as null; the simulator omits them."""
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def assert_round_trip(sdk_class, raw: dict):
    decoded = sdk_class.from_dict(raw)
    encoded = without_nulls(json.loads(decoded.to_json()))
    assert encoded == raw, f"{sdk_class.__name__} drops or changes something"
    return decoded


@pytest.fixture
def client(simulator):
    with ApiClient(Configuration(host=simulator.url)) as api_client:
        yield api_client


def test_delete_cache_unload_all_create_and_delete(simulator, client):
    models_api = ModelsApi(client)
    output = models_api.models_delete_specific_model_cache(
        model=DOWNLOADED, model_delete_cache_input=ModelDeleteCacheInput()
    )
    assert output.model.id == DOWNLOADED
    assert models_api.unload_models() is None
    assert not [m for m in models_api.models_snapshot().iterable if m.loaded]

    created = models_api.models_create_new_model(
        seeded_model=SeededModel.from_dict(SEED | {"name": "Acme Triage"})
    )
    assert created.custom is True and created.name == "Acme Triage"
    assert models_api.models_delete_specific_model(model=created.id) is None
    with pytest.raises(ApiException) as refused:
        models_api.models_delete_specific_model(model=DOWNLOADED)
    assert refused.value.status == 500


def test_device_information(simulator_factory):
    simulator = simulator_factory(gpus=[("NVIDIA GeForce RTX 4070", 12)])
    with ApiClient(Configuration(host=simulator.url)) as api_client:
        information = OSApi(api_client).os_device_information()
    assert information.hardware.gpus[0].capabilities.llm is True
    assert information.hardware.ram.memory == 16_000_000_000
    raw = requests.get(f"{simulator.url}/os/device/information", timeout=5).json()
    assert assert_round_trip(OSDeviceInformationReturnable, raw) == information


@pytest.mark.parametrize(
    "body",
    [
        {"state": "installed"},
        {"state": "missing"},
        {"state": "installing", "percentage": 40},
        {"state": "update-required"},
        {"state": "updating", "percentage": 12.5},
    ],
    ids=lambda body: body["state"],
)
def test_ollama_status_and_its_stream(simulator, client, body):
    stream = simulator.open_stream("/ollama/status/stream", "ollama")
    assert_round_trip(OllamaStatus, stream.next_frame())
    simulator.control("POST", "ollama", body)
    pushed = assert_round_trip(OllamaStatus, json.loads(stream.next_text()))
    assert OllamaApi(client).ollama_status_check() == pushed
    deployments = [d for d in (pushed.installing, pushed.updating) if d is not None]
    for deployment in deployments:
        assert deployment.percentage == body["percentage"]
        assert deployment.status.value == "IN-PROGRESS"


def test_identifier_frames(simulator):
    stream = simulator.open_stream("/models/stream/identifiers", "identifiers")
    snapshot = assert_round_trip(StreamedIdentifiers, stream.next_frame())
    with ApiClient(Configuration(host=simulator.url)) as api_client:
        served = ModelsApi(api_client).models_snapshot()
    assert [item.model.id for item in snapshot.iterable] == [m.id for m in served.iterable]
    with ApiClient(Configuration(host=simulator.url)) as api_client:
        ModelsApi(api_client).unload_models()
        ModelsApi(api_client).models_delete_specific_model(model=CUSTOM)
    unloaded = assert_round_trip(StreamedIdentifiers, stream.next_frame())
    assert [identifier.model.id for identifier in unloaded.iterable] == [LOADED]
    deleted = assert_round_trip(StreamedIdentifiers, stream.next_frame())
    assert (deleted.iterable[0].model.id, deleted.iterable[0].deleted) == (CUSTOM, True)
