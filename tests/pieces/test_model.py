"""Unit tests of the panel's Model parsing and the flags the views rely on."""

from datetime import UTC, datetime

import pytest

from webapp.pieces.ids import InvalidModelId, check_model_id, from_segment, to_segment
from webapp.pieces.model import MalformedModel, Model, parse_models


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

    @pytest.mark.parametrize(
        "key, value", [("type", ...), ("usage", ...), ("type", None), ("usage", None)]
    )
    def test_a_missing_enum_reads_as_unknown_like_the_official_sdk(self, key, value):
        model = Model.from_raw(raw_model(**{key: value}))
        assert getattr(model, key) == "UNKNOWN" and model.problem is None
        assert model.available_actions == ("download",)

    @pytest.mark.parametrize(
        "key, value", [("version", ...), ("created", ...), ("created", "2024-01-01")]
    )
    def test_what_the_panel_does_not_need_may_be_missing(self, key, value):
        model = Model.from_raw(raw_model(**{key: value}))
        assert model.problem is None and model.available_actions == ("download",)

    @pytest.mark.parametrize(
        "key, value, why",
        [
            ("id", ..., "its id"),
            ("id", None, "its id"),
            ("id", "", "its id"),
            ("id", "x" * 257, "at most 256"),
            ("id", "a\x00b", "control characters"),
            ("id", "..", "folder"),
            ("name", ..., "no name"),
            ("name", 5, "no name"),
            ("cloud", ..., "in the cloud"),
            ("cloud", "false", "in the cloud"),
            ("cloud", 0, "in the cloud"),
        ],
    )
    def test_a_model_the_panel_cannot_use_is_unreadable_not_an_error(self, key, value, why):
        model = Model.from_raw(raw_model(**{key: value}), position=3)
        assert model.state == "unreadable" and why in model.problem
        assert model.problem.startswith("Pieces OS sent something unexpected")
        assert model.available_actions == () and not model.can_edit
        if key == "id":
            assert model.id == "unreadable-3"

    def test_not_an_object_is_unreadable(self):
        model = Model.from_raw(["not", "a", "model"], position=0)
        assert model.state == "unreadable" and "not a JSON object" in model.problem

    def test_optional_keys_are_read(self):
        model = Model.from_raw(
            raw_model(
                description="A chat model",
                unique="llama3.1:8b-instruct-q4_K_S",
                provider="META",
                foundation="LLAMA_3_8B",
                quantization="q4_K_S",
                parameters=8,
                bytes={"value": 4_690_000_000, "readable": "4.69 GB"},
                ram={"value": 5_600_000_000, "readable": "5.6 GB"},
                maxTokens={"total": 8192, "input": 6144, "output": None},
                capabilities={"images": True, "documents": False, "codebases": True},
                cpu=True,
                downloaded=True,
                loaded=True,
                custom=True,
            )
        )
        assert model.size_bytes == 4_690_000_000 and model.ram_bytes == 5_600_000_000
        assert (model.max_tokens.total, model.max_tokens.input, model.max_tokens.output) == (
            8192,
            6144,
            None,
        )
        assert model.capabilities == ("codebases", "images")
        assert model.cpu is True and model.parameters == 8 and model.provider == "META"

    def test_optional_keys_of_wrong_type_are_treated_as_missing(self):
        model = Model.from_raw(
            raw_model(
                description=7,
                parameters="8B",
                bytes={"value": "big"},
                ram=[1],
                maxTokens="lots",
                capabilities=["images"],
                downloaded="yes",
                cpu="no",
            )
        )
        assert model.description is None and model.parameters is None
        assert model.size_bytes is None and model.ram_bytes is None and model.max_tokens is None
        assert model.capabilities == () and model.downloaded is False and model.cpu is None

    def test_parameters_may_be_null(self):
        assert Model.from_raw(raw_model(parameters=None)).parameters is None

    def test_unknown_keys_are_ignored_and_unknown_enums_kept_raw(self):
        model = Model.from_raw(
            raw_model(
                provider="SOME_NEW_PROVIDER",
                foundation="GPT_9",
                type="TURBO",
                usage="NEW_USAGE",
                brandNewKey={"x": 1},
            )
        )
        assert (model.provider, model.foundation, model.type, model.usage) == (
            "SOME_NEW_PROVIDER",
            "GPT_9",
            "TURBO",
            "NEW_USAGE",
        )
        assert model.raw["brandNewKey"] == {"x": 1}

    def test_unreadable_timestamp_is_tolerated(self):
        assert Model.from_raw(raw_model(created={"value": "yesterday"})).created is None

    def test_models_payload(self):
        models = parse_models({"iterable": [raw_model(), raw_model(id="second")]})
        assert [model.id for model in models] == [raw_model()["id"], "second"]
        assert parse_models({"iterable": []}) == []

    @pytest.mark.parametrize("payload", [{}, {"iterable": {}}, [], None])
    def test_broken_models_payload_is_malformed(self, payload):
        with pytest.raises(MalformedModel):
            parse_models(payload)

    def test_one_odd_model_never_takes_the_others_down(self):
        models = parse_models({"iterable": [raw_model(), 1, raw_model(id="b", cloud="yes")]})
        assert [model.state for model in models] == ["not downloaded", "unreadable", "unreadable"]
        assert [model.id for model in models] == [raw_model()["id"], "unreadable-1", "b"]


ODD_IDS = [
    "6f1c2b7e-2a7d-4c55-9d3e-6a0f3c1a9b11",
    "abc",
    "a b",
    "a/b",
    "../models",
    "a?b#c",
    "-leading",
    "é",
    "%2e%2e",
    "~x",
    "llama3.1:8b",
    "x" * 256,
]


class TestModelIds:
    @pytest.mark.parametrize("model_id", ODD_IDS)
    def test_any_id_the_server_may_send_is_accepted(self, model_id):
        assert check_model_id(model_id) == model_id

    @pytest.mark.parametrize(
        "model_id", ["", ".", "..", "x" * 257, "a\nb", "\x00", "a\x7fb", "a\x85b", None, 42]
    )
    def test_empty_long_or_control_characters_are_refused(self, model_id):
        with pytest.raises(InvalidModelId):
            check_model_id(model_id)

    @pytest.mark.parametrize("model_id", ODD_IDS)
    def test_an_id_is_one_segment_of_a_panel_url_and_comes_back_the_same(self, model_id):
        segment = to_segment(model_id)
        assert "/" not in segment and from_segment(segment) == model_id


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


@pytest.mark.parametrize(
    "overrides, state, download, cancel, load, unload", STATES.values(), ids=STATES.keys()
)
def test_derived_flags(overrides, state, download, cancel, load, unload):
    model = Model.from_raw(raw_model(**overrides))
    assert model.state == state
    assert (model.can_download, model.can_cancel, model.can_load, model.can_unload) == (
        download,
        cancel,
        load,
        unload,
    )
    assert model.is_local is not overrides.get("cloud", False)


def test_custom_models_can_be_edited_and_carry_a_badge():
    custom = Model.from_raw(raw_model(custom=True, downloaded=True))
    assert custom.can_edit and custom.badges == ("downloaded", "custom")
    plain = Model.from_raw(raw_model(downloaded=True))
    assert not plain.can_edit and plain.badges == ("downloaded",)
