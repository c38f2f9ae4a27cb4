"""What the simulator serves is what the official Python SDK (pieces-os-client 5.0.1) accepts.

The SDK's pydantic models ignore unknown keys and map unknown enum values to UNKNOWN, so the
raw JSON is also checked key by key and value by value against the SDK's own field lists.
"""

import json
import re

import pytest
import requests
from pieces_os_client.api.model_api import ModelApi
from pieces_os_client.api.models_api import ModelsApi
from pieces_os_client.api_client import ApiClient
from pieces_os_client.configuration import Configuration
from pieces_os_client.exceptions import ApiException
from pieces_os_client.models.byte_descriptor import ByteDescriptor
from pieces_os_client.models.embedded_model_schema import EmbeddedModelSchema
from pieces_os_client.models.grouped_timestamp import GroupedTimestamp
from pieces_os_client.models.model import Model
from pieces_os_client.models.model_capabilities import ModelCapabilities
from pieces_os_client.models.model_download_progress import ModelDownloadProgress
from pieces_os_client.models.model_foundation_enum import ModelFoundationEnum
from pieces_os_client.models.model_max_tokens import ModelMaxTokens
from pieces_os_client.models.referenced_entity import ReferencedEntity
from pieces_os_client.models.score import Score

from webapp.simulator.catalogue import NEWER_FOUNDATIONS, initial_models

CATALOGUE = initial_models()
NESTED = {
    "bytes": ByteDescriptor,
    "ram": ByteDescriptor,
    "created": GroupedTimestamp,
    "maxTokens": ModelMaxTokens,
    "capabilities": ModelCapabilities,
    "organization": ReferencedEntity,
    "score": Score,
    "schema": EmbeddedModelSchema,
}
ENUM_KEYS = ("type", "usage", "provider", "foundation")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
NULLABLE = {
    "model.parameters",
    "model.maxTokens.total",
    "model.maxTokens.input",
    "model.maxTokens.output",
}


def wire_keys(sdk_class) -> set[str]:
    return {field.alias or name for name, field in sdk_class.model_fields.items()}


def assert_no_unknown_keys(raw: dict, sdk_class, where: str) -> None:
    unknown = set(raw) - wire_keys(sdk_class)
    assert not unknown, f"{where}: keys the SDK does not know: {unknown}"
    for key, value in raw.items():
        assert value is not None or f"{where}.{key}" in NULLABLE, f"{where}.{key} is null"
        if key in NESTED and value is not None:
            assert_no_unknown_keys(value, NESTED[key], f"{where}.{key}")


def assert_conforming_model(raw: dict) -> Model:
    """Parse `raw` with the SDK and check it is exactly what the contract describes."""
    parsed = Model.from_dict(raw)
    assert_no_unknown_keys(raw, Model, "model")
    for key in ENUM_KEYS:
        if key == "foundation" and raw.get(key) in NEWER_FOUNDATIONS:
            assert parsed.foundation is ModelFoundationEnum.UNKNOWN  # newer than the SDK
        elif key in raw:
            assert getattr(parsed, key).value == raw[key], f"{key} decodes as UNKNOWN"
    assert TIMESTAMP.fullmatch(raw["created"]["value"])
    assert raw["schema"] == {"migration": 0, "semantic": "MAJOR_0_MINOR_0_PATCH_1"}
    for size in ("bytes", "ram"):
        if size in raw:
            assert type(raw[size]["value"]) is int
    return parsed


@pytest.fixture
def simulator(simulator_factory):
    """Downloads of 2 s: the cancel cases must cancel mid-way even on a busy machine."""
    return simulator_factory(download_seconds=2, tick_seconds=0.1)


@pytest.fixture
def sdk(simulator):
    with ApiClient(Configuration(host=simulator.url)) as client:
        yield ModelsApi(client), ModelApi(client)


def assert_refused(call, status: int, text_part: str) -> None:
    with pytest.raises(ApiException) as refused:
        call()
    assert refused.value.status == status
    assert text_part in refused.value.body
    assert refused.value.headers["Content-Type"].startswith("text/plain")


def test_the_snapshot_parses_and_every_entry_conforms(simulator, sdk):
    models_api, _ = sdk
    snapshot = models_api.models_snapshot()
    assert [m.id for m in snapshot.iterable] == [m["id"] for m in CATALOGUE]
    raw = requests.get(f"{simulator.url}/models", timeout=5).json()
    assert set(raw) == {"iterable"}
    for entry in raw["iterable"]:
        assert_conforming_model(entry)


@pytest.mark.parametrize("entry", CATALOGUE, ids=[m["name"] for m in CATALOGUE])
def test_every_route_answers_what_the_sdk_accepts(simulator, sdk, entry):
    _, model_api = sdk
    identifier, name = entry["id"], entry["name"]
    snapshot = model_api.models_specific_model_snapshot(model=identifier)
    assert snapshot == assert_conforming_model(
        requests.get(f"{simulator.url}/model/{identifier}", timeout=5).json()
    )
    assert snapshot.name == name

    if entry["cloud"] or entry.get("denied"):
        assert_refused(lambda: model_api.model_specific_model_download(model=identifier), 500, name)
    else:
        downloading = model_api.model_specific_model_download(model=identifier)
        assert downloading.downloading is not entry["downloaded"]
    cancelled = model_api.model_specific_model_download_cancel(model=identifier)
    assert cancelled.downloading is False

    if entry["downloaded"]:
        assert model_api.model_specific_model_load(model=identifier).loaded is True
    else:
        assert_refused(lambda: model_api.model_specific_model_load(model=identifier), 500, name)
    assert model_api.model_specific_model_unload(model=identifier).loaded is False

    current = model_api.models_specific_model_snapshot(model=identifier)
    current.description = "updated through the SDK"
    if entry.get("custom"):
        updated = model_api.model_update(model=current)
        assert updated.description == "updated through the SDK" and updated.id == identifier
        assert_conforming_model(
            requests.get(f"{simulator.url}/model/{identifier}", timeout=5).json()
        )
    else:
        assert_refused(lambda: model_api.model_update(model=current), 500, "custom")


def test_only_the_newer_foundations_are_unknown_to_the_sdk():
    sdk_values = {member.value for member in ModelFoundationEnum}
    served = {entry["foundation"] for entry in CATALOGUE}
    assert NEWER_FOUNDATIONS <= served
    assert served - sdk_values == NEWER_FOUNDATIONS


def test_an_unknown_model_is_410_for_the_sdk(sdk):
    _, model_api = sdk
    assert_refused(
        lambda: model_api.models_specific_model_snapshot(model="missing"),
        410,
        "model was not found.",
    )


def assert_conforming_frame(text: str) -> ModelDownloadProgress:
    parsed = ModelDownloadProgress.from_json(text)
    raw = json.loads(text)
    assert_no_unknown_keys(raw, ModelDownloadProgress, "frame")
    assert parsed.status.value == raw["status"], "status decodes as UNKNOWN"
    return parsed


@pytest.mark.parametrize("cancel", [False, True], ids=["complete", "cancel"])
def test_every_progress_frame_parses(simulator, sdk, cancel):
    _, model_api = sdk
    local = next(m["id"] for m in CATALOGUE if not m["cloud"] and not m["downloaded"])
    progress = simulator.open_progress(local)
    model_api.model_specific_model_download(model=local)
    frames = [assert_conforming_frame(progress.next_text()) for _ in range(2)]
    if cancel:
        model_api.model_specific_model_download_cancel(model=local)
    while frames[-1].status.value not in {"COMPLETED", "CANCELED"}:
        frames.append(assert_conforming_frame(progress.next_text()))
    statuses = [frame.status.value for frame in frames]
    assert statuses[0] == "INITIALIZED"
    assert statuses[-1] == ("CANCELED" if cancel else "COMPLETED")
    assert set(statuses[1:-1]) == {"IN-PROGRESS"}
    assert all(0 < frame.percentage < 100 for frame in frames[1:-1])


def test_an_injected_failure_frame_parses(simulator, sdk):
    _, model_api = sdk
    local = next(m["id"] for m in CATALOGUE if not m["cloud"] and not m["downloaded"])
    simulator.control("POST", "fail-next-download", {"at_percentage": 0})
    progress = simulator.open_progress(local)
    model_api.model_specific_model_download(model=local)
    statuses = [assert_conforming_frame(progress.next_text()).status.value for _ in range(2)]
    assert statuses == ["INITIALIZED", "FAILED"]
