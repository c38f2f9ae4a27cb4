"""Unit tests of the panel's Model parsing and the flags the views rely on."""
from datetime import UTC, datetime

import pytest

from webapp.pieces.model import (
    InvalidModelId,
    MalformedModel,
    Model,
    check_model_id,
    parse_models,
)


def raw_model(**overrides) -> dict:
    model = {
        "id": "6f1c2b7e-2a7d-4c55-9d3e-6a0f3c1a9b11",
        "name": "Llama-3 8B Instruct",
        "version": "1.0.0",
        "created": {"value": "2024-07-23T00:00:00.000Z", "readable": "about a year ago"},
        "cloud": False,
        "type": "BALANCED",
        "usage": "CODE_CONVERSATION",
    }
    model.update(overrides)
    return {key: value for key, value in model.items() if value is not ...}


class TestParsing:
    def test_required_keys_only(self):
        model = Model.from_raw(raw_model())
        assert model.name == "Llama-3 8B Instruct"
        assert model.created == datetime(2024, 7, 23, tzinfo=UTC)
        assert model.size_bytes is None and model.max_tokens is None and model.capabilities == ()
        assert not (model.downloaded or model.downloading or model.loaded or model.custom)

    @pytest.mark.parametrize("key", ["id", "name", "version", "created", "cloud", "type", "usage"])
    def test_missing_required_key_is_malformed(self, key):
        with pytest.raises(MalformedModel, match=key):
            Model.from_raw(raw_model(**{key: ...}))

    @pytest.mark.parametrize("key, value", [
        ("cloud", "false"), ("cloud", 0), ("name", 5), ("id", None), ("created", "2024-01-01"),
    ])
    def test_required_key_of_wrong_type_is_malformed(self, key, value):
        with pytest.raises(MalformedModel):
            Model.from_raw(raw_model(**{key: value}))

    def test_unsafe_id_is_malformed(self):
        with pytest.raises(MalformedModel, match="not a valid model id"):
            Model.from_raw(raw_model(id="../models"))

    def test_not_an_object_is_malformed(self):
        with pytest.raises(MalformedModel):
            Model.from_raw(["not", "a", "model"])

    def test_optional_keys_are_read(self):
        model = Model.from_raw(raw_model(
            description="A chat model", unique="llama3.1:8b-instruct-q4_K_S", provider="META",
            foundation="LLAMA_3_8B", quantization="q4_K_S", parameters=8,
            bytes={"value": 4_690_000_000, "readable": "4.69 GB"},
            ram={"value": 5_600_000_000, "readable": "5.6 GB"},
            maxTokens={"total": 8192, "input": 6144, "output": None},
            capabilities={"images": True, "documents": False, "codebases": True},
            cpu=True, downloaded=True, loaded=True, custom=True,
        ))
        assert model.size_bytes == 4_690_000_000 and model.ram_bytes == 5_600_000_000
        assert (model.max_tokens.total, model.max_tokens.input, model.max_tokens.output) == (
            8192, 6144, None)
        assert model.capabilities == ("codebases", "images")
        assert model.cpu is True and model.parameters == 8 and model.provider == "META"

    def test_optional_keys_of_wrong_type_are_treated_as_missing(self):
        model = Model.from_raw(raw_model(
            description=7, parameters="8B", bytes={"value": "big"}, ram=[1], maxTokens="lots",
            capabilities=["images"], downloaded="yes", cpu="no",
        ))
        assert model.description is None and model.parameters is None
        assert model.size_bytes is None and model.ram_bytes is None and model.max_tokens is None
        assert model.capabilities == () and model.downloaded is False and model.cpu is None

    def test_parameters_may_be_null(self):
        assert Model.from_raw(raw_model(parameters=None)).parameters is None

    def test_unknown_keys_are_ignored_and_unknown_enums_kept_raw(self):
        model = Model.from_raw(raw_model(
            provider="SOME_NEW_PROVIDER", foundation="GPT_9", type="TURBO", usage="NEW_USAGE",
            brandNewKey={"x": 1},
        ))
        assert (model.provider, model.foundation, model.type, model.usage) == (
            "SOME_NEW_PROVIDER", "GPT_9", "TURBO", "NEW_USAGE")
        assert model.raw["brandNewKey"] == {"x": 1}

    def test_unreadable_timestamp_is_tolerated(self):
        assert Model.from_raw(raw_model(created={"value": "yesterday"})).created is None

    def test_models_payload(self):
        models = parse_models({"iterable": [raw_model(), raw_model(id="second")]})
        assert [model.id for model in models] == [raw_model()["id"], "second"]
        assert parse_models({"iterable": []}) == []

    @pytest.mark.parametrize("payload", [{}, {"iterable": {}}, [], None, {"iterable": [1]}])
    def test_broken_models_payload_is_malformed(self, payload):
        with pytest.raises(MalformedModel):
            parse_models(payload)


class TestModelIds:
    @pytest.mark.parametrize("model_id", [
        "6f1c2b7e-2a7d-4c55-9d3e-6a0f3c1a9b11", "abc", "A_1-b",
    ])
    def test_accepted(self, model_id):
        assert check_model_id(model_id) == model_id

    @pytest.mark.parametrize("model_id", [
        "", "../models", "a/b", "%2e%2e", "..", "a b", "a?b", "a#b", "-leading", "x" * 10_000,
        "é", None, 42,
    ])
    def test_refused(self, model_id):
        with pytest.raises(InvalidModelId):
            check_model_id(model_id)


STATES = {
    # name: (overrides, state, download, cancel, load, unload)
    "cloud": (dict(cloud=True), "cloud", False, False, False, False),
    "not downloaded": ({}, "not downloaded", True, False, False, False),
    "downloading": (dict(downloading=True), "downloading", False, True, False, False),
    "downloaded": (dict(downloaded=True), "downloaded", False, False, True, False),
    "loaded": (dict(downloaded=True, loaded=True), "loaded", False, False, False, True),
    "denied": (dict(denied=True, downloaded=True), "denied", False, False, False, False),
    "denied cloud": (dict(denied=True, cloud=True), "denied", False, False, False, False),
    "cloud said loaded": (dict(cloud=True, loaded=True), "cloud", False, False, False, False),
}


@pytest.mark.parametrize("overrides, state, download, cancel, load, unload",
                         STATES.values(), ids=STATES.keys())
def test_derived_flags(overrides, state, download, cancel, load, unload):
    model = Model.from_raw(raw_model(**overrides))
    assert model.state == state
    assert (model.can_download, model.can_cancel, model.can_load, model.can_unload) == (
        download, cancel, load, unload)
    assert model.is_local is not overrides.get("cloud", False)


def test_custom_models_can_be_edited_and_carry_a_badge():
    custom = Model.from_raw(raw_model(custom=True, downloaded=True))
    assert custom.can_edit and custom.badges == ("downloaded", "custom")
    plain = Model.from_raw(raw_model(downloaded=True))
    assert not plain.can_edit and plain.badges == ("downloaded",)
